/**
 * The materialization policy end to end (docs/design.md, "Policy"), with a policy of rules given to the store function as
 * MATERIALIZATION_POLICY: the first matching rule wins, overrides apply only where the policy allows them,
 * and a retention becomes the row's expires_at and the customTime of every object of the artifact (which the
 * bucket's days_since_custom_time lifecycle rule acts on).
 */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { visualsPrefix } from '../../shared/domain/paths';
import type { StoreRequestInput } from '../../shared/domain/store-request';
import { startTestStack, type TestStack, waitFor } from '../support/stack';

const POLICY = {
  version: 1,
  default: { mode: 'ephemeral' },
  rules: [
    { match: { tenant_id: ['quiet-tenant'] }, mode: 'ephemeral', reason: 'this tenant keeps nothing' },
    {
      match: { artifact_type: ['roadmap'] },
      mode: 'persist',
      retention_days: 30,
      reason: 'roadmaps are kept a month',
    },
  ],
  overrides: { allow: true, modes: ['persist'], max_retention_days: 10 },
};

let t: TestStack;

beforeAll(async () => {
  t = await startTestStack({ functionEnv: { MATERIALIZATION_POLICY: JSON.stringify(POLICY) } });
});
afterAll(async () => {
  await t?.stop();
});

function request(
  type: string,
  tenant: string,
  materialization?: StoreRequestInput['materialization'],
): StoreRequestInput {
  const { materialization: _sample, ...sample } = JSON.parse(
    readFileSync(`local/samples/${type}.json`, 'utf8'),
  ) as StoreRequestInput;
  return { ...sample, tenant_id: tenant, ...(materialization ? { materialization } : {}) };
}

const DAY = 86_400_000;

async function stored(id: string, tenant: string) {
  return waitFor(() => t.metadata.get(id, tenant).then((r) => r ?? undefined), `row of ${id}`);
}

describe('a rule', () => {
  it('persists a roadmap for 30 days: expires_at on the row, customTime on the manifest and its visuals', async () => {
    const before = Date.now();
    const { artifact_id } = await t.publish(request('roadmap', 'policy-rule'));
    const row = await stored(artifact_id, 'policy-rule');
    expect(row.metadata.materialization).toEqual({
      mode: 'persist',
      source: 'rule',
      rule_index: 1,
      retention_days: 30,
      reason: 'roadmaps are kept a month',
    });
    const expires = Date.parse(row.expires_at!);
    expect(expires).toBeGreaterThanOrEqual(before + 30 * DAY - 1000);
    expect(expires).toBeLessThanOrEqual(Date.now() + 30 * DAY + 1000);
    const manifest = await t.blobs.head(row.file_path);
    expect(Date.parse(manifest!.customTime!)).toBe(expires);
    const key = { artifact_type: 'roadmap', tenant_id: 'policy-rule', artifact_id };
    const visuals = await t.objects(visualsPrefix(key));
    expect(visuals.length).toBeGreaterThan(0);
    for (const v of visuals) expect(Date.parse(v.customTime!)).toBe(expires);
  });

  it('that comes first wins over a later one (quiet tenant over roadmaps); an allowed override beats both', async () => {
    const { artifact_id } = await t.publish(request('roadmap', 'quiet-tenant', { mode: 'persist' }));
    const line = await waitFor(
      async () =>
        t.logs('storeArtifact').find((l) => l.artifact_id === artifact_id && typeof l.status === 'string'),
      'store log line',
    );
    // The override to persist is allowed by the policy, so it applies even over the ephemeral rule.
    expect(line.status).toBe('stored');
    const { artifact_id: second } = await t.publish(request('roadmap', 'quiet-tenant'));
    const ephemeral = await waitFor(
      async () =>
        t.logs('storeArtifact').find((l) => l.artifact_id === second && typeof l.status === 'string'),
      'store log line',
    );
    expect(ephemeral).toMatchObject({
      status: 'ephemeral',
      decision: { mode: 'ephemeral', source: 'rule', rule_index: 0, reason: 'this tenant keeps nothing' },
    });
    expect(await t.metadata.rowStates([second])).toEqual([]);
  });
});

describe('a request override', () => {
  it('to persist applies, with its retention capped at max_retention_days', async () => {
    const { artifact_id } = await t.publish(
      request('sop', 'policy-override', { mode: 'persist', retention_days: 60, reason: 'audit' }),
    );
    const row = await stored(artifact_id, 'policy-override');
    expect(row.metadata.materialization).toEqual({
      mode: 'persist',
      source: 'override',
      rule_index: null,
      retention_days: 10,
      reason: 'audit',
    });
    expect(Date.parse(row.expires_at!) - Date.parse(row.created_at)).toBeLessThan(10 * DAY + 5000);
  });

  it('to a mode the policy does not allow is ignored, and the log says so', async () => {
    const { artifact_id } = await t.publish(request('roadmap', 'policy-ignored', { mode: 'ephemeral' }));
    const row = await stored(artifact_id, 'policy-ignored');
    expect(row.metadata.materialization).toMatchObject({ mode: 'persist', source: 'rule', rule_index: 1 });
    const notice = t
      .logs('storeArtifact')
      .find((l) => l.message === 'materialization override ignored' && l.tenant_id === 'policy-ignored');
    expect(notice).toMatchObject({
      severity: 'NOTICE',
      reason: 'the policy does not allow overriding to ephemeral',
    });
  });
});

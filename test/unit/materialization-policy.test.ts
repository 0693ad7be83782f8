import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import DEFAULT_POLICY_JSON from '../../shared/domain/default-materialization-policy.json';
import { PermanentError } from '../../shared/domain/errors';
import {
  DEFAULT_POLICY,
  evaluatePolicy,
  expiryOf,
  loadPolicy,
  type MaterializationDecision,
  type MaterializationPolicy,
  parsePolicy,
} from '../../shared/domain/materialization-policy';

function policyError(fn: () => unknown): PermanentError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(PermanentError);
    expect((err as PermanentError).code).toBe('INVALID_POLICY');
    return err as PermanentError;
  }
  throw new Error('expected INVALID_POLICY, nothing was thrown');
}

const policy = (doc: Record<string, unknown>): MaterializationPolicy =>
  parsePolicy({ version: 1, ...doc }, 'test');

const request = (artifact_type: string, tenant_id: string, materialization?: Record<string, unknown>) => ({
  artifact_type,
  tenant_id,
  ...(materialization ? { materialization: materialization as never } : {}),
});

describe('policy schema', () => {
  it('accepts a full policy and fills the defaults', () => {
    const p = parsePolicy(
      {
        version: 1,
        default: { mode: 'ephemeral' },
        rules: [
          {
            match: { artifact_type: ['blueprint', 'roadmap'] },
            mode: 'persist',
            retention_days: 365,
            reason: 'deliverables',
          },
          { match: { tenant_id: ['acme'], artifact_type: ['workflow'] }, mode: 'persist' },
        ],
        overrides: { allow: true, modes: ['persist'], max_retention_days: 90 },
      },
      'test',
    );
    expect(p.rules).toHaveLength(2);
    expect(p.overrides).toEqual({ allow: true, modes: ['persist'], max_retention_days: 90 });
  });

  it('defaults: no rules, no overrides; overrides.modes both and no cap when only allow is given', () => {
    const p = policy({ default: { mode: 'persist' } });
    expect(p.rules).toEqual([]);
    expect(p.overrides).toEqual({ allow: false, modes: [], max_retention_days: null });
    const q = policy({ default: { mode: 'persist' }, overrides: { allow: true } });
    expect(q.overrides).toEqual({ allow: true, modes: ['persist', 'ephemeral'], max_retention_days: null });
  });

  it.each<[string, unknown, RegExp]>([
    ['not an object', 'persist', /expected object/i],
    ['no version', { default: { mode: 'ephemeral' } }, /version/],
    ['version 2', { version: 2, default: { mode: 'ephemeral' } }, /version/],
    ['no default', { version: 1 }, /default/],
    ['an unknown default mode', { version: 1, default: { mode: 'keep' } }, /default\.mode/],
    [
      'retention_days 0',
      { version: 1, default: { mode: 'persist', retention_days: 0 } },
      /default\.retention_days/,
    ],
    [
      'fractional retention_days',
      { version: 1, default: { mode: 'persist', retention_days: 1.5 } },
      /default\.retention_days/,
    ],
    ['an unknown top-level field', { version: 1, default: { mode: 'persist' }, rule: [] }, /rule/],
    [
      'a rule that matches nothing',
      { version: 1, default: { mode: 'persist' }, rules: [{ match: {}, mode: 'persist' }] },
      /rules\.0\.match: a rule must match on artifact_type and\/or tenant_id/,
    ],
    [
      'an empty match list',
      { version: 1, default: { mode: 'persist' }, rules: [{ match: { tenant_id: [] }, mode: 'persist' }] },
      /rules\.0\.match\.tenant_id/,
    ],
    [
      'a match on an unknown field',
      { version: 1, default: { mode: 'persist' }, rules: [{ match: { user_id: ['u'] }, mode: 'persist' }] },
      /user_id/,
    ],
    [
      'a rule without mode',
      { version: 1, default: { mode: 'persist' }, rules: [{ match: { tenant_id: ['a'] } }] },
      /rules\.0\.mode/,
    ],
    [
      'a match that is a string, not a list',
      {
        version: 1,
        default: { mode: 'persist' },
        rules: [{ match: { artifact_type: 'sop' }, mode: 'persist' }],
      },
      /rules\.0\.match\.artifact_type/,
    ],
    [
      'overrides without allow',
      { version: 1, default: { mode: 'persist' }, overrides: { modes: ['persist'] } },
      /overrides\.allow/,
    ],
    [
      'an unknown override mode',
      { version: 1, default: { mode: 'persist' }, overrides: { allow: true, modes: ['archive'] } },
      /overrides\.modes/,
    ],
    [
      'max_retention_days 0',
      { version: 1, default: { mode: 'persist' }, overrides: { allow: true, max_retention_days: 0 } },
      /overrides\.max_retention_days/,
    ],
  ])('refuses %s with a clear INVALID_POLICY message', (_what, doc, message) => {
    const err = policyError(() => parsePolicy(doc, 'MATERIALIZATION_POLICY'));
    expect(err.message).toContain('MATERIALIZATION_POLICY');
    expect(err.message).toMatch(message);
  });
});

describe('loadPolicy', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'policy-test-'));
  });
  afterAll(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  const persistAll = { version: 1, default: { mode: 'persist', retention_days: 7 } };

  it('without any variable: the shipped default', () => {
    expect(loadPolicy({})).toEqual(DEFAULT_POLICY);
    expect(loadPolicy({ MATERIALIZATION_POLICY: '', MATERIALIZATION_POLICY_FILE: '  ' })).toEqual(
      DEFAULT_POLICY,
    );
  });

  it('from MATERIALIZATION_POLICY (inline JSON)', () => {
    const p = loadPolicy({ MATERIALIZATION_POLICY: JSON.stringify(persistAll) });
    expect(p.default).toEqual({ mode: 'persist', retention_days: 7 });
    expect(p).not.toEqual(DEFAULT_POLICY);
  });

  it('from the file at MATERIALIZATION_POLICY_FILE', () => {
    const file = join(dir, 'policy.json');
    writeFileSync(
      file,
      JSON.stringify({ ...persistAll, rules: [{ match: { tenant_id: ['acme'] }, mode: 'ephemeral' }] }),
    );
    const p = loadPolicy({ MATERIALIZATION_POLICY_FILE: file });
    expect(p.default.mode).toBe('persist');
    expect(p.rules).toEqual([{ match: { tenant_id: ['acme'] }, mode: 'ephemeral' }]);
  });

  it('refuses both variables at once', () => {
    const file = join(dir, 'both.json');
    writeFileSync(file, JSON.stringify(persistAll));
    const err = policyError(() =>
      loadPolicy({ MATERIALIZATION_POLICY: JSON.stringify(persistAll), MATERIALIZATION_POLICY_FILE: file }),
    );
    expect(err.message).toMatch(/not both/);
  });

  it('refuses a file that does not exist or cannot be read, naming it', () => {
    const missing = join(dir, 'missing.json');
    expect(policyError(() => loadPolicy({ MATERIALIZATION_POLICY_FILE: missing })).message).toContain(
      missing,
    );
    expect(policyError(() => loadPolicy({ MATERIALIZATION_POLICY_FILE: dir })).message).toContain(dir);
    if (process.getuid?.() !== 0) {
      const locked = join(dir, 'locked.json');
      writeFileSync(locked, JSON.stringify(persistAll));
      chmodSync(locked, 0o000);
      expect(policyError(() => loadPolicy({ MATERIALIZATION_POLICY_FILE: locked })).message).toContain(
        locked,
      );
    }
  });

  it('refuses text that is not JSON, naming where it came from', () => {
    expect(policyError(() => loadPolicy({ MATERIALIZATION_POLICY: '{version: 1}' })).message).toMatch(
      /MATERIALIZATION_POLICY is not JSON/,
    );
    const file = join(dir, 'broken.json');
    writeFileSync(file, '{"version": 1,');
    expect(policyError(() => loadPolicy({ MATERIALIZATION_POLICY_FILE: file })).message).toContain(file);
  });

  it('refuses JSON that is not a valid policy', () => {
    const err = policyError(() =>
      loadPolicy({ MATERIALIZATION_POLICY: '{"version": 1, "default": {"mode": "keep"}}' }),
    );
    expect(err.message).toMatch(/MATERIALIZATION_POLICY.*default\.mode/);
  });
});

describe('the shipped default policy', () => {
  it('is: everything ephemeral, overrides to persist allowed, no retention cap', () => {
    expect(DEFAULT_POLICY_JSON).toEqual({
      version: 1,
      default: { mode: 'ephemeral' },
      rules: [],
      overrides: { allow: true, modes: ['persist'], max_retention_days: null },
    });
    expect(DEFAULT_POLICY).toEqual(DEFAULT_POLICY_JSON);
  });

  it('makes every artifact ephemeral by default', () => {
    for (const type of [
      'workflow',
      'sop',
      'blueprint',
      'solution',
      'roadmap',
      'poc',
      'hybrid_embeddings',
      'other',
    ]) {
      expect(evaluatePolicy(DEFAULT_POLICY, request(type, 'acme'))).toEqual({
        decision: {
          mode: 'ephemeral',
          source: 'default',
          rule_index: null,
          retention_days: null,
          reason: null,
        },
        override_ignored: null,
      });
    }
  });

  it('lets a request ask to persist, with or without retention', () => {
    expect(
      evaluatePolicy(DEFAULT_POLICY, request('workflow', 'acme', { mode: 'persist', reason: 'keep it' })),
    ).toEqual({
      decision: {
        mode: 'persist',
        source: 'override',
        rule_index: null,
        retention_days: null,
        reason: 'keep it',
      },
      override_ignored: null,
    });
    expect(
      evaluatePolicy(DEFAULT_POLICY, request('workflow', 'acme', { mode: 'persist', retention_days: 30 }))
        .decision,
    ).toMatchObject({ mode: 'persist', retention_days: 30 });
  });
});

describe('evaluatePolicy', () => {
  const rules = policy({
    default: { mode: 'ephemeral' },
    rules: [
      {
        match: { artifact_type: ['blueprint'], tenant_id: ['acme'] },
        mode: 'ephemeral',
        reason: 'acme opted out',
      },
      {
        match: { artifact_type: ['blueprint', 'roadmap'] },
        mode: 'persist',
        retention_days: 365,
        reason: 'deliverables',
      },
      { match: { tenant_id: ['acme', 'globex'] }, mode: 'persist' },
      { match: { artifact_type: ['blueprint'] }, mode: 'ephemeral', reason: 'never reached for blueprints' },
    ],
  });

  it('matches on type and tenant together, first matching rule wins', () => {
    expect(evaluatePolicy(rules, request('blueprint', 'acme')).decision).toEqual({
      mode: 'ephemeral',
      source: 'rule',
      rule_index: 0,
      retention_days: null,
      reason: 'acme opted out',
    });
  });

  it('matches on type only', () => {
    expect(evaluatePolicy(rules, request('roadmap', 'initech')).decision).toEqual({
      mode: 'persist',
      source: 'rule',
      rule_index: 1,
      retention_days: 365,
      reason: 'deliverables',
    });
    // Rule 1 comes before rule 3, which would also match blueprints.
    expect(evaluatePolicy(rules, request('blueprint', 'globex')).decision.rule_index).toBe(1);
  });

  it('matches on tenant only', () => {
    expect(evaluatePolicy(rules, request('workflow', 'globex')).decision).toEqual({
      mode: 'persist',
      source: 'rule',
      rule_index: 2,
      retention_days: null,
      reason: null,
    });
  });

  it('falls back to the default when no rule matches, and matching is exact', () => {
    for (const [type, tenant] of [
      ['workflow', 'initech'],
      ['Blueprint', 'initech'],
      ['workflow', 'ACME'],
      ['workflow', 'acme-eu'],
    ] as const) {
      expect(evaluatePolicy(rules, request(type, tenant)).decision).toEqual({
        mode: 'ephemeral',
        source: 'default',
        rule_index: null,
        retention_days: null,
        reason: null,
      });
    }
  });

  it('order matters: the same rules reversed give another decision', () => {
    const reversed = policy({ default: { mode: 'ephemeral' }, rules: [...rules.rules].reverse() });
    expect(evaluatePolicy(reversed, request('blueprint', 'acme')).decision).toMatchObject({
      mode: 'ephemeral',
      rule_index: 0,
      reason: 'never reached for blueprints',
    });
  });

  it('retention applies only to persist (rule and default)', () => {
    const p = policy({
      default: { mode: 'persist', retention_days: 30 },
      rules: [{ match: { tenant_id: ['t'] }, mode: 'ephemeral', retention_days: 10 }],
    });
    expect(evaluatePolicy(p, request('sop', 't')).decision.retention_days).toBeNull();
    expect(evaluatePolicy(p, request('sop', 'u')).decision).toEqual({
      mode: 'persist',
      source: 'default',
      rule_index: null,
      retention_days: 30,
      reason: null,
    });
    const q = policy({ default: { mode: 'ephemeral', retention_days: 30 } });
    expect(evaluatePolicy(q, request('sop', 'u')).decision.retention_days).toBeNull();
  });

  describe('request overrides', () => {
    it('are ignored when the policy does not allow them, and the result says why', () => {
      const p = policy({ default: { mode: 'ephemeral' }, overrides: { allow: false, modes: ['persist'] } });
      const e = evaluatePolicy(p, request('sop', 'acme', { mode: 'persist', retention_days: 5 }));
      expect(e.decision).toEqual({
        mode: 'ephemeral',
        source: 'default',
        rule_index: null,
        retention_days: null,
        reason: null,
      });
      expect(e.override_ignored).toMatch(/does not allow overrides/);
      // Without an overrides section at all, overrides are not allowed either.
      expect(evaluatePolicy(rules, request('roadmap', 'x', { mode: 'ephemeral' })).override_ignored).toMatch(
        /does not allow overrides/,
      );
    });

    it('are ignored for a mode the policy does not list, keeping the rule decision', () => {
      const p = policy({
        default: { mode: 'ephemeral' },
        rules: [{ match: { artifact_type: ['roadmap'] }, mode: 'persist', retention_days: 90 }],
        overrides: { allow: true, modes: ['persist'] },
      });
      const e = evaluatePolicy(p, request('roadmap', 'acme', { mode: 'ephemeral', reason: 'scratch' }));
      expect(e.decision).toEqual({
        mode: 'persist',
        source: 'rule',
        rule_index: 0,
        retention_days: 90,
        reason: null,
      });
      expect(e.override_ignored).toMatch(/overriding to ephemeral/);
    });

    it('apply where allowed, over rules and default', () => {
      const p = policy({
        default: { mode: 'ephemeral' },
        rules: [{ match: { artifact_type: ['roadmap'] }, mode: 'persist', retention_days: 90 }],
        overrides: { allow: true },
      });
      expect(evaluatePolicy(p, request('roadmap', 'acme', { mode: 'ephemeral', reason: 'scratch' }))).toEqual(
        {
          decision: {
            mode: 'ephemeral',
            source: 'override',
            rule_index: null,
            retention_days: null,
            reason: 'scratch',
          },
          override_ignored: null,
        },
      );
      expect(evaluatePolicy(p, request('sop', 'acme', { mode: 'persist', retention_days: 3 }))).toEqual({
        decision: { mode: 'persist', source: 'override', rule_index: null, retention_days: 3, reason: null },
        override_ignored: null,
      });
    });

    it('an ephemeral override never carries retention', () => {
      const p = policy({ default: { mode: 'persist' }, overrides: { allow: true, max_retention_days: 30 } });
      expect(
        evaluatePolicy(p, request('sop', 'a', { mode: 'ephemeral', retention_days: 10 })).decision
          .retention_days,
      ).toBeNull();
    });

    it('max_retention_days caps a longer retention and fills a missing one', () => {
      const p = policy({
        default: { mode: 'ephemeral' },
        overrides: { allow: true, max_retention_days: 30 },
      });
      expect(
        evaluatePolicy(p, request('sop', 'a', { mode: 'persist', retention_days: 365 })).decision
          .retention_days,
      ).toBe(30);
      expect(
        evaluatePolicy(p, request('sop', 'a', { mode: 'persist', retention_days: 30 })).decision
          .retention_days,
      ).toBe(30);
      expect(
        evaluatePolicy(p, request('sop', 'a', { mode: 'persist', retention_days: 7 })).decision
          .retention_days,
      ).toBe(7);
      expect(evaluatePolicy(p, request('sop', 'a', { mode: 'persist' })).decision.retention_days).toBe(30);
    });

    it('without a cap, persist keeps what the request asked for (null = until deleted)', () => {
      const p = policy({ default: { mode: 'ephemeral' }, overrides: { allow: true } });
      expect(
        evaluatePolicy(p, request('sop', 'a', { mode: 'persist', retention_days: 36_500 })).decision
          .retention_days,
      ).toBe(36_500);
      expect(evaluatePolicy(p, request('sop', 'a', { mode: 'persist' })).decision.retention_days).toBeNull();
    });

    it('without an override there is nothing to ignore', () => {
      expect(evaluatePolicy(rules, request('sop', 'a')).override_ignored).toBeNull();
    });
  });
});

describe('expiryOf', () => {
  const now = new Date('2026-11-05T12:00:00.000Z');
  const decision = (
    mode: 'persist' | 'ephemeral',
    retention_days: number | null,
  ): MaterializationDecision => ({
    mode,
    source: 'default',
    rule_index: null,
    retention_days,
    reason: null,
  });

  it('is now plus retention_days for a persisted artifact with retention', () => {
    expect(expiryOf(decision('persist', 30), now)?.toISOString()).toBe('2026-12-05T12:00:00.000Z');
    expect(expiryOf(decision('persist', 1), now)?.toISOString()).toBe('2026-11-06T12:00:00.000Z');
  });

  it('is null when kept until deleted, or ephemeral', () => {
    expect(expiryOf(decision('persist', null), now)).toBeNull();
    expect(expiryOf(decision('ephemeral', 30), now)).toBeNull();
    expect(expiryOf(decision('ephemeral', null), now)).toBeNull();
  });

  it('defaults to the current time', () => {
    const before = Date.now();
    const expiry = expiryOf(decision('persist', 2))!.getTime();
    expect(expiry).toBeGreaterThanOrEqual(before + 2 * 86_400_000);
    expect(expiry).toBeLessThanOrEqual(Date.now() + 2 * 86_400_000);
  });
});

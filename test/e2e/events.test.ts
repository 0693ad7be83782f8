/**
 * Events end to end (docs/design.md, "Events"), through the real stack and the gcloud Pub/Sub emulator: the
 * functions publish on their events topic; a consumer's pull subscription receives what they published. Per
 * round: artifacts published (persist), a revision with an alias, an ephemeral one, an invalid one (bad
 * base64), an alias set twice over HTTP, a delete over HTTP; then redeliveries (the same store messages pushed
 * again, a storage finalize replayed). After dedupe on event_id: exactly one event per fact; every delivery's
 * attributes mirror its body; each fact was readable through the API when its event was first received; a
 * redelivery repeats the event_id and the body. Three rounds, since the delete is announced by two racing
 * writers (the API and the sync). Needs the emulator: fails without it under CI=true, skips elsewhere.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { ArtifactEvent } from '../../shared/domain/artifact-events';
import { manifestPath } from '../../shared/domain/paths';
import type { StoreRequestInput } from '../../shared/domain/store-request';
import { pngBase64 } from '../fault/support/documents';
import { type EventConsumer, startEventConsumer } from '../support/event-consumer';
import { createEventSubscription, type EventSubscription } from '../support/event-subscription';
import { startTestStack, type TestStack } from '../support/stack';

const host = inject('pubsubEmulatorHost');
const CI = Boolean(process.env.CI);
if (!host && !CI)
  console.warn(
    'no Pub/Sub emulator (gcloud not on the PATH): skipping the events end-to-end test (CI runs it)',
  );

let t: TestStack;
let subscription: EventSubscription;
let consumer: EventConsumer;
/** The tenants of the rounds so far: nothing else may reach the consumer. */
const tenants = new Set<string>();

const persist = { mode: 'persist' as const };
const roadmap = (tenant: string, id: string, phase: unknown, extra: Partial<StoreRequestInput> = {}) =>
  ({
    artifact_type: 'roadmap',
    tenant_id: tenant,
    artifact_id: id,
    artifact: { roadmap: { phase }, roadmap_visual: { image_base64: pngBase64(64) } },
    materialization: persist,
    ...extra,
  }) as StoreRequestInput;

/** Is the fact `event` announces readable through the API now? null when it is, else what is wrong. */
async function readable(event: ArtifactEvent): Promise<string | null> {
  const token = await t.token(event.tenant_id);
  const get = async (path: string) => {
    const res = await fetch(`${t.stack.urls.api}/api/artifacts/${event.artifact_id}${path}`, {
      headers: { authorization: `Bearer ${token}` },
    });
    const text = await res.text();
    return { status: res.status, json: res.ok ? (JSON.parse(text) as Record<string, unknown>) : {} };
  };
  const verdict = (ok: boolean, what: string, reply: unknown) =>
    ok ? null : `${what}: ${JSON.stringify(reply)}`;
  switch (event.event) {
    case 'artifact.version_created': {
      const r = await get(`?version=${event.artifact_version}`);
      return verdict(r.status === 200 && r.json.version === event.artifact_version, 'GET ?version', r);
    }
    case 'alias.moved': {
      const r = await get(`?alias=${event.alias}`);
      return verdict(r.status === 200 && r.json.version === event.artifact_version, 'GET ?alias', r);
    }
    case 'artifact.deleted': {
      const [r, s] = [await get(''), await get('/status')];
      return verdict(r.status === 404 && s.json.state === 'deleted', 'GET and status', [r.status, s.json]);
    }
    case 'artifact.rejected': {
      const kept = await t.blobs.head(event.quarantine_path ?? '');
      const s = await get(`/status?message_id=${event.message_id}`);
      const ok = kept !== null && s.json.state === 'rejected' && s.json.error_code === event.error_code;
      return verdict(ok, 'quarantine record and status', [kept?.name ?? null, s.json]);
    }
    case 'artifact.ephemeral': {
      const r = await get('');
      return verdict(r.status === 404, 'GET (nothing stored)', r.status);
    }
  }
}

/** What identifies a fact, as a comparable value (occurred_at and event_id left out). */
const fact = (e: ArtifactEvent) =>
  JSON.stringify([
    e.event,
    e.tenant_id,
    e.artifact_type,
    e.artifact_id,
    e.artifact_version ?? null,
    e.alias ?? null,
    e.moved_at ? 'moved_at' : null,
    e.error_code ?? null,
    e.message_id ?? null,
    e.quarantine_path ? 'quarantine_path' : null,
  ]);

async function putAlias(tenant: string, id: string, alias: string, version: number): Promise<number> {
  const res = await fetch(`${t.stack.urls.api}/api/artifacts/${id}/aliases/${alias}`, {
    method: 'PUT',
    headers: { authorization: `Bearer ${await t.token(tenant)}`, 'content-type': 'application/json' },
    body: JSON.stringify({ version }),
  });
  await res.arrayBuffer();
  return res.status;
}

describe.skipIf(!host && !CI)('events through the Pub/Sub emulator', () => {
  beforeAll(async () => {
    if (!host)
      throw new Error('CI=true but no Pub/Sub emulator: .ci/run must start it (PUBSUB_EMULATOR_HOST)');
    t = await startTestStack({ events: true });
    if (!t.eventsTopic) throw new Error('the stack started without its events topic');
    subscription = await createEventSubscription({
      emulatorHost: host,
      projectId: t.stack.options.projectId,
      topic: t.eventsTopic,
      name: `${t.eventsTopic}-consumer`,
    });
    consumer = startEventConsumer(subscription, readable);
  });
  afterAll(async () => {
    await consumer?.stop();
    await subscription?.delete();
    await t?.stop();
  });

  it.each([1, 2, 3])(
    'round %i: one event per fact, readable when received, the same event_id when redelivered',
    {
      timeout: 120_000,
    },
    async () => {
      const tenant = `events-${randomUUID().slice(0, 8)}`;
      tenants.add(tenant);
      const [a, b, e, r] = [randomUUID(), randomUUID(), randomUUID(), randomUUID()];
      const mine =
        (id: string, event: string, more: (x: ArtifactEvent) => boolean = () => true) =>
        (x: ArtifactEvent) =>
          x.tenant_id === tenant && x.artifact_id === id && x.event === event && more(x);

      // a: version 1, then version 2 with the alias prod.
      await t.publish(roadmap(tenant, a, 1));
      await consumer.waitFor('a v1', mine(a, 'artifact.version_created'));
      await t.publish(roadmap(tenant, a, 2, { expected_version: 1, aliases: ['prod'] }));
      await consumer.waitFor('a prod', mine(a, 'alias.moved'));
      await consumer.waitFor(
        'a v2',
        mine(a, 'artifact.version_created', (x) => x.artifact_version === 2),
      );

      // e: ephemeral (the shipped policy keeps nothing unasked); then its message id delivered again (the id is
      // explicit, so the redelivery lands on the same artifact whatever its publish time).
      const ephemeral = {
        artifact_type: 'roadmap',
        tenant_id: tenant,
        artifact_id: e,
        artifact: { roadmap: {} },
      };
      const published = await t.publish(ephemeral);
      await consumer.waitFor('e ephemeral', mine(e, 'artifact.ephemeral'));
      const attributes = { artifact_type: 'roadmap', tenant_id: tenant, artifact_id: e };
      const again = await t.push(
        { version: 1, ...ephemeral },
        { messageId: published.message_id, attributes },
      );
      expect(again.status).toBeLessThan(300);

      // r: bad base64 (published raw: the SDK would refuse it), rejected; then its message pushed again as kept.
      const bad = {
        ...roadmap(tenant, r, 1),
        artifact: { roadmap: {}, roadmap_visual: { image_base64: 'no*base64' } },
      };
      const rAttributes = { artifact_type: 'roadmap', tenant_id: tenant, artifact_id: r };
      const rMessage = await t.transport.publish(
        Buffer.from(JSON.stringify({ version: 1, ...bad })),
        rAttributes,
      );
      const rejected = await consumer.waitFor('r rejected', mine(r, 'artifact.rejected'));
      const kept = await t.blobs.get(rejected.quarantine_path!);
      const { message } = JSON.parse(kept!.bytes.toString('utf8')) as {
        message: {
          data: string;
          attributes: Record<string, string>;
          messageId: string;
          publishTime: string;
          subscription: string;
        };
      };
      const { subscription: via, ...raw } = message;
      expect(await t.pushRaw({ message: raw, subscription: via })).toBeLessThan(300);

      // b: stored, announced, then deleted over HTTP (the API and the sync both announce the delete).
      await t.publish(roadmap(tenant, b, 1));
      await consumer.waitFor('b v1', mine(b, 'artifact.version_created'));
      const del = await t.api(`/api/artifacts/${b}`, { method: 'DELETE', tenant });
      expect(del.status).toBe(204);
      await consumer.waitFor('b deleted', mine(b, 'artifact.deleted'));

      // a: the alias stable set to version 1 over HTTP, twice (the second PUT moves nothing).
      expect(await putAlias(tenant, a, 'stable', 1)).toBe(200);
      expect(await putAlias(tenant, a, 'stable', 1)).toBe(200);

      // a: version 1's finalize delivered to the sync again, as Eventarc may.
      const finalize = t.relay.seen.find(
        (x) =>
          x.type.endsWith('.finalized') &&
          x.name === manifestPath({ artifact_type: 'roadmap', tenant_id: tenant, artifact_id: a }),
      );
      expect(finalize).toBeDefined();
      expect(await t.relay.deliver(finalize!)).toBeLessThan(300);

      await t.stack.eventsIdle();
      await consumer.quiet(3000);

      expect(consumer.received.filter((d) => !tenants.has(d.body.tenant_id))).toEqual([]);
      const deliveries = consumer.received.filter((d) => d.body.tenant_id === tenant);
      for (const d of deliveries) {
        expect(d.body.event_id).toMatch(
          /^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/,
        );
        expect(d.attributes).toEqual({
          event: d.body.event,
          tenant_id: d.body.tenant_id,
          artifact_type: d.body.artifact_type,
        });
        expect(d.body).toMatchObject({ version: 1, artifact_type: 'roadmap' });
        expect(Number.isNaN(Date.parse(d.body.occurred_at))).toBe(false);
      }
      // A redelivery is the same event: same id, same body but for when it was published.
      const byId = new Map<string, ArtifactEvent[]>();
      for (const d of deliveries) byId.set(d.body.event_id, [...(byId.get(d.body.event_id) ?? []), d.body]);
      for (const copies of byId.values()) {
        const strip = ({ occurred_at: _, ...rest }: ArtifactEvent) => rest;
        for (const copy of copies) expect(strip(copy)).toEqual(strip(copies[0]!));
      }
      const unique = [...byId.values()].map((copies) => copies[0]!);
      const expected: ArtifactEvent[] = [
        { event: 'artifact.version_created', artifact_id: a, artifact_version: 1 },
        { event: 'artifact.version_created', artifact_id: a, artifact_version: 2 },
        { event: 'alias.moved', artifact_id: a, artifact_version: 2, alias: 'prod' },
        { event: 'alias.moved', artifact_id: a, artifact_version: 1, alias: 'stable', moved_at: 'yes' },
        { event: 'artifact.ephemeral', artifact_id: e, message_id: published.message_id },
        {
          event: 'artifact.rejected',
          artifact_id: r,
          error_code: 'INVALID_BASE64',
          message_id: rMessage,
          quarantine_path: 'yes',
        },
        { event: 'artifact.version_created', artifact_id: b, artifact_version: 1 },
        { event: 'artifact.deleted', artifact_id: b },
      ].map(
        (x) =>
          ({
            version: 1,
            event_id: '',
            tenant_id: tenant,
            artifact_type: 'roadmap',
            occurred_at: '',
            ...x,
          }) as ArtifactEvent,
      );
      expect(unique.map(fact).sort()).toEqual(expected.map(fact).sort());
      expect(rejected.quarantine_path).toMatch(
        new RegExp(`^quarantine/\\d{4}-\\d\\d-\\d\\d/${rMessage}\\.json$`),
      );

      // Each redelivery above reached the consumer again under the same event_id.
      const copiesOf = (match: (x: ArtifactEvent) => boolean) =>
        unique.filter(match).map((x) => byId.get(x.event_id)!.length);
      for (const [what, match] of [
        ['a v1 (finalize replayed)', mine(a, 'artifact.version_created', (x) => x.artifact_version === 1)],
        ['e ephemeral (pushed again)', mine(e, 'artifact.ephemeral')],
        ['r rejected (pushed again)', mine(r, 'artifact.rejected')],
        ['a stable (PUT twice)', mine(a, 'alias.moved', (x) => x.alias === 'stable')],
      ] as const) {
        const [count] = copiesOf(match);
        expect(count, what).toBeGreaterThanOrEqual(2);
      }
      expect(consumer.problems).toEqual([]);
    },
  );
});

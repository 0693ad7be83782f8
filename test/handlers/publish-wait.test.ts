/**
 * `publishArtifact(..., {wait})` against artifactsApi in process: a fake transport plays the store (it records
 * a version, a rejection, or nothing, a little after the publish), and the SDK polls the real status route
 * over the memory stores until the outcome: stored with the version (a revision waits for a version above the
 * one it revised), rejected with the error code (resolved, not thrown), deleted, or unknown at the timeout.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MetadataStore } from '../../shared/adapters/metadata-store';
import { TransientError } from '../../shared/domain/errors';
import type { StoreRequestInput } from '../../shared/domain/store-request';
import { publishArtifact } from '../../shared/producer/publish';
import type { PublishTransport } from '../../shared/producer/publish-transport';
import { type InProcessApi, startInProcessApi } from '../support/in-process-api';
import { seedVersion } from '../support/versions';

let api: InProcessApi;
const tenant = 'wait-tenant';

beforeAll(async () => {
  api = await startInProcessApi();
});
afterAll(async () => {
  await api?.close();
});

/** A transport that plays the store: `then` runs `delayMs` after each publish, with the message. */
function fakeStore(
  then: (message: { id: string; messageId: string; body: StoreRequestInput }) => Promise<void>,
  delayMs = 150,
) {
  const published: Array<{ body: StoreRequestInput; attributes: Record<string, string> }> = [];
  const transport: PublishTransport = {
    async publish(data, attributes) {
      const body = JSON.parse(data.toString('utf8')) as StoreRequestInput;
      published.push({ body, attributes });
      const id = attributes.artifact_id!;
      const messageId = `message-${published.length}`;
      setTimeout(() => void then({ id, messageId, body }), delayMs);
      return messageId;
    },
  };
  return { transport, published };
}

const request = (extra: Partial<StoreRequestInput> = {}): StoreRequestInput => ({
  artifact_type: 'roadmap',
  tenant_id: tenant,
  artifact_id: randomUUID(),
  artifact: { roadmap: { title: 'r' } },
  materialization: { mode: 'persist' },
  ...extra,
});

const keyOf = (id: string) => ({ artifact_type: 'roadmap', tenant_id: tenant, artifact_id: id });
const store =
  (version: number) =>
  async ({ id, messageId }: { id: string; messageId: string }) => {
    await seedVersion(api, keyOf(id), {
      version,
      document: { roadmap: { title: `v${version}` } },
      message_id: messageId,
    });
  };
const wait = async (extra: { timeoutMs?: number; token?: string } = {}) => ({
  apiUrl: api.url,
  token: extra.token ?? (await api.user(tenant)),
  intervalMs: 50,
  timeoutMs: extra.timeoutMs ?? 5_000,
});

describe('publishArtifact with wait', () => {
  it('resolves stored with the version once the artifact is stored', async () => {
    const { transport } = fakeStore(store(1));
    const result = await publishArtifact(request(), { transport, wait: await wait() });
    expect(result.outcome).toEqual({ state: 'stored', version: 1 });
    expect(result.message_id).toBe('message-1');
  });

  it('resolves rejected with the error code, without throwing', async () => {
    const { transport } = fakeStore(async ({ id, messageId }) => {
      const store: MetadataStore = api.metadata;
      await store.reject({
        uuid: id,
        tenant_id: tenant,
        message_id: messageId,
        error_code: 'INVALID_ARTIFACT',
        quarantine_path: 'quarantine/x.json',
      });
    });
    const result = await publishArtifact(request(), { transport, wait: await wait() });
    expect(result.outcome).toEqual({ state: 'rejected', error_code: 'INVALID_ARTIFACT' });
  });

  it('resolves unknown when nothing happens before the timeout (an ephemeral artifact, say)', async () => {
    const { transport } = fakeStore(async () => {});
    const started = Date.now();
    const result = await publishArtifact(request(), { transport, wait: await wait({ timeoutMs: 400 }) });
    expect(result.outcome).toEqual({ state: 'unknown' });
    expect(Date.now() - started).toBeGreaterThanOrEqual(400);
    expect(Date.now() - started).toBeLessThan(2_000);
  });

  it('a revision (expected_version N) waits for a version above N, not the one already stored', async () => {
    const id = randomUUID();
    await seedVersion(api, keyOf(id), { version: 1, document: { roadmap: { title: 'v1' } } });
    const { transport, published } = fakeStore(store(2), 300);
    const result = await publishArtifact(
      request({ artifact_id: id, expected_version: 1, aliases: ['prod'] }),
      {
        transport,
        wait: await wait(),
      },
    );
    expect(result.outcome).toEqual({ state: 'stored', version: 2 });
    expect(published[0]!.body).toMatchObject({ expected_version: 1, aliases: ['prod'] });
  });

  it('expected_version latest waits for a version above the latest before publishing', async () => {
    const id = randomUUID();
    await seedVersion(api, keyOf(id), { version: 1, document: { roadmap: { title: 'v1' } } });
    await seedVersion(api, keyOf(id), { version: 2, document: { roadmap: { title: 'v2' } } });
    const { transport } = fakeStore(store(3), 300);
    const result = await publishArtifact(request({ artifact_id: id, expected_version: 'latest' }), {
      transport,
      wait: await wait(),
    });
    expect(result.outcome).toEqual({ state: 'stored', version: 3 });
  });

  it('resolves deleted for an id that is deleted', async () => {
    const id = randomUUID();
    await seedVersion(api, keyOf(id), { version: 1, document: { roadmap: { title: 'v1' } } });
    const token = await api.user(tenant);
    expect((await api.call(`/api/artifacts/${id}`, { method: 'DELETE', token })).status).toBe(204);
    const { transport } = fakeStore(async () => {});
    const result = await publishArtifact(request({ artifact_id: id }), { transport, wait: await wait() });
    expect(result.outcome).toEqual({ state: 'deleted' });
  });

  it('with a service_role token, names the tenant itself', async () => {
    const { transport } = fakeStore(store(1));
    const result = await publishArtifact(request(), {
      transport,
      wait: await wait({ token: await api.service() }),
    });
    expect(result.outcome).toEqual({ state: 'stored', version: 1 });
  });

  it('retries a status route that is unavailable for a while', async () => {
    api.metadata.failures.push({ op: 'status', error: new TransientError('database down'), times: 3 });
    const { transport } = fakeStore(store(1));
    const result = await publishArtifact(request(), { transport, wait: await wait() });
    expect(result.outcome).toEqual({ state: 'stored', version: 1 });
    expect(api.metadata.failures).toEqual([]);
  });

  it('throws, naming the artifact, when the API refuses the token', async () => {
    const { transport } = fakeStore(store(1));
    const published = publishArtifact(request({ artifact_id: '0b0c6a52-8d0e-4d7b-9d53-2f3b1b1f7a10' }), {
      transport,
      wait: await wait({ token: 'not.a.token' }),
    });
    await expect(published).rejects.toThrow(
      /status of artifact 0b0c6a52-8d0e-4d7b-9d53-2f3b1b1f7a10: HTTP 401: /,
    );
  });

  it('without wait: no outcome and no status request', async () => {
    const before = api.logs.length;
    const { transport } = fakeStore(async () => {});
    const result = await publishArtifact(request(), { transport });
    expect(result.outcome).toBeUndefined();
    expect(api.logs.length).toBe(before);
  });
});

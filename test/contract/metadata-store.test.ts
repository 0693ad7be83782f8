/**
 * The MetadataStore contract through the production path: SupabaseMetadataStore -> supabase-js -> the
 * PostgREST stand-in -> the migrations' SQL functions on the real PostgreSQL of the test run. Every test
 * uses tenants of its own. Then the failure mapping: stand-in down, wrong key, bad arguments, timeouts and
 * answers of the wrong shape, and what supabase-js puts on the wire.
 */
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { freePort } from '../../local/net';
import { type PostgrestStandIn, startPostgrestStandIn } from '../../local/postgrest/server';
import { LOCAL_JWT_SECRET, localAnonKey, localServiceRoleKey } from '../../local/tokens';
import type { ListPosition } from '../../shared/adapters/metadata-store';
import { createMetadataClient, SupabaseMetadataStore } from '../../shared/adapters/supabase-metadata-store';
import type { ArtifactRowInput, ArtifactRowMetadata } from '../../shared/domain/artifact-row';
import { PermanentError, TransientError } from '../../shared/domain/errors';

const databaseUrl = inject('databaseUrl');

let standIn: PostgrestStandIn;
let serviceKey: string;
let store: SupabaseMetadataStore;

beforeAll(async () => {
  standIn = await startPostgrestStandIn({ port: await freePort(), databaseUrl, jwtSecret: LOCAL_JWT_SECRET });
  serviceKey = await localServiceRoleKey();
  store = new SupabaseMetadataStore({ url: standIn.url, serviceRoleKey: serviceKey });
});

afterAll(async () => {
  await standIn?.close();
});

const tenant = () => `t-${randomUUID().slice(0, 12)}`;

function metadata(generation: string, extra: Partial<ArtifactRowMetadata> = {}): ArtifactRowMetadata {
  return {
    execution_id: 'exec-1',
    session_id: 'sess-1',
    user_id: 'user-1',
    ui_name: 'an artifact',
    component_count: 2,
    has_visuals: true,
    visual_paths: ['workflow_visual'],
    visuals: [
      {
        name: 'workflow_visual',
        storage_path: 'artifacts/workflow/t/x/workflow_visual.png',
        content_type: 'image/png',
        format: 'png',
        size: 68,
        sha256: 'c'.repeat(64),
      },
    ],
    materialization: {
      mode: 'persist',
      source: 'override',
      rule_index: null,
      retention_days: null,
      reason: 'test',
    },
    bucket: 'local-artifacts',
    generation,
    extra: { priority: 3, draft: false, note: null },
    ...extra,
  };
}

function row(tenantId: string, overrides: Partial<ArtifactRowInput> = {}): ArtifactRowInput {
  const uuid = overrides.uuid ?? randomUUID();
  const type = overrides.artifact_type ?? 'workflow';
  const generation = overrides.generation ?? '1700000000000001';
  return {
    uuid,
    tenant_id: tenantId,
    artifact_type: type,
    user_id: 'user-1',
    ui_name: 'Quarterly workflow',
    file_path: `artifacts/${type}/${tenantId}/${uuid}.json`,
    file_size: 1234,
    file_hash: 'a'.repeat(64),
    generation,
    expires_at: null,
    metadata: metadata(generation),
    ...overrides,
  };
}

const MICROSECOND_UTC = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,6})?\+00:00$/;

describe('record', () => {
  it('inserts, then is idempotent per generation: unchanged, updated (newer), stale (older)', async () => {
    const t = tenant();
    const r = row(t);
    expect(await store.record(r)).toBe('inserted');
    expect(await store.record(r)).toBe('unchanged');
    const newer = row(t, { uuid: r.uuid, generation: '1700000000000002', file_size: 99, ui_name: 'Renamed' });
    expect(await store.record(newer)).toBe('updated');
    expect(await store.record(r)).toBe('stale');
    const got = await store.get(r.uuid, t);
    expect(got?.file_size).toBe(99);
    expect(got?.ui_name).toBe('Renamed');
    expect(got?.metadata.generation).toBe('1700000000000002');
  });

  it('refuses another tenant the id: tenant_conflict, row untouched', async () => {
    const owner = tenant();
    const r = row(owner);
    expect(await store.record(r)).toBe('inserted');
    const other = tenant();
    expect(await store.record(row(other, { uuid: r.uuid, generation: '1800000000000000' }))).toBe(
      'tenant_conflict',
    );
    expect((await store.get(r.uuid, owner))?.metadata.generation).toBe(r.generation);
    expect(await store.get(r.uuid, other)).toBeNull();
  });

  it('never undeletes: a deleted row stays deleted', async () => {
    const t = tenant();
    const r = row(t);
    await store.record(r);
    expect(await store.markDeleted({ uuid: r.uuid, tenant_id: t, generation: null })).toBe('deleted');
    expect(await store.record(row(t, { uuid: r.uuid, generation: '1900000000000000' }))).toBe('deleted');
    expect(await store.get(r.uuid, t)).toBeNull();
  });

  it('keeps int64 generations exactly (beyond 2^53)', async () => {
    const t = tenant();
    const r = row(t, { generation: '9007199254740993' });
    expect(await store.record(r)).toBe('inserted');
    expect(await store.record(row(t, { uuid: r.uuid, generation: '9007199254740992' }))).toBe('stale');
    expect((await store.get(r.uuid, t))?.metadata.generation).toBe('9007199254740993');
  });
});

describe('get', () => {
  it("returns the tenant's live row, converted faithfully", async () => {
    const t = tenant();
    const expires = new Date(Date.now() + 86_400_000).toISOString();
    const r = row(t, { artifact_type: 'sop', expires_at: expires, user_id: null });
    await store.record(r);
    const got = await store.get(r.uuid, t);
    expect(got).not.toBeNull();
    expect(got).toMatchObject({
      uuid: r.uuid,
      tenant_id: t,
      user_id: null,
      ui_name: r.ui_name,
      artifact_type: 'sop',
      file_path: r.file_path,
      file_type: 'artifact',
      mime_type: 'application/json',
      file_size: 1234,
      file_hash: r.file_hash,
      status: 'active',
      deleted: false,
    });
    expect(typeof got?.file_size).toBe('number');
    expect(got?.metadata).toEqual(r.metadata);
    expect(got?.created_at).toMatch(MICROSECOND_UTC);
    expect(got?.updated_at).toMatch(MICROSECOND_UTC);
    expect(got?.expires_at).toMatch(MICROSECOND_UTC);
    expect(Date.parse(got!.expires_at!)).toBe(Date.parse(expires));
    expect(Object.keys(got!).sort()).toEqual(
      [
        'artifact_type',
        'created_at',
        'deleted',
        'expires_at',
        'file_hash',
        'file_path',
        'file_size',
        'file_type',
        'metadata',
        'mime_type',
        'status',
        'tenant_id',
        'ui_name',
        'updated_at',
        'user_id',
        'uuid',
      ].sort(),
    );
  });

  it('returns null for no row, another tenant, an expired row', async () => {
    const t = tenant();
    expect(await store.get(randomUUID(), t)).toBeNull();
    const r = row(t);
    await store.record(r);
    expect(await store.get(r.uuid, tenant())).toBeNull();
    const expired = row(t, { expires_at: '2001-01-01T00:00:00Z' });
    await store.record(expired);
    expect(await store.get(expired.uuid, t)).toBeNull();
    expect(await store.claim(expired.uuid, t, expired.artifact_type)).toBe('own');
  });
});

describe('list', () => {
  it('lists the live rows newest first, with filters', async () => {
    const t = tenant();
    const a = row(t, {
      artifact_type: 'workflow',
      metadata: metadata('1700000000000001', { execution_id: 'e1' }),
    });
    const b = row(t, { artifact_type: 'sop', metadata: metadata('1700000000000001', { session_id: 's2' }) });
    const c = row(t, {
      artifact_type: 'workflow',
      metadata: metadata('1700000000000001', { execution_id: 'e2' }),
    });
    const gone = row(t);
    const expired = row(t, { expires_at: '2001-01-01T00:00:00Z' });
    for (const r of [a, b, c, gone, expired]) expect(await store.record(r)).toBe('inserted');
    await store.markDeleted({ uuid: gone.uuid, tenant_id: t, generation: null });
    await store.record(row(tenant())); // another tenant's row

    const all = await store.list(t, {}, 50);
    expect(all.items.map((i) => i.uuid)).toEqual([c.uuid, b.uuid, a.uuid]);
    expect(all.next).toBeNull();
    expect((await store.list(t, { artifact_type: 'workflow' }, 50)).items.map((i) => i.uuid)).toEqual([
      c.uuid,
      a.uuid,
    ]);
    expect((await store.list(t, { execution_id: 'e1' }, 50)).items.map((i) => i.uuid)).toEqual([a.uuid]);
    expect((await store.list(t, { session_id: 's2' }, 50)).items.map((i) => i.uuid)).toEqual([b.uuid]);
    expect((await store.list(t, { artifact_type: 'sop', session_id: 'sess-1' }, 50)).items).toEqual([]);
    expect((await store.list(tenant(), {}, 50)).items).toEqual([]);
  });

  it('pages by keyset: every row once, newest first, next null on the last page', async () => {
    const t = tenant();
    const rows = Array.from({ length: 7 }, () => row(t));
    for (const r of rows) await store.record(r);
    const seen: string[] = [];
    let after: ListPosition | undefined;
    let pages = 0;
    for (;;) {
      const page = await store.list(t, {}, 3, after);
      pages++;
      seen.push(...page.items.map((i) => i.uuid));
      if (!page.next) break;
      const last = page.items.at(-1)!;
      expect(page.next).toEqual({ created_at: last.created_at, uuid: last.uuid });
      expect(page.next.created_at).toMatch(MICROSECOND_UTC);
      after = page.next;
    }
    expect(pages).toBe(3);
    expect(seen).toEqual(rows.map((r) => r.uuid).reverse());
    // A full last page still says there is no next page.
    const exact = await store.list(t, {}, 7);
    expect(exact.items).toHaveLength(7);
    expect(exact.next).toBeNull();
  });
});

describe('markDeleted', () => {
  it('deleted, then already_deleted; not_found without a row or for another tenant', async () => {
    const t = tenant();
    const r = row(t);
    await store.record(r);
    expect(await store.markDeleted({ uuid: r.uuid, tenant_id: tenant(), generation: null })).toBe(
      'not_found',
    );
    expect(await store.get(r.uuid, t)).not.toBeNull();
    expect(await store.markDeleted({ uuid: r.uuid, tenant_id: t, generation: r.generation })).toBe('deleted');
    expect(await store.markDeleted({ uuid: r.uuid, tenant_id: t, generation: null })).toBe('already_deleted');
    expect(await store.markDeleted({ uuid: randomUUID(), tenant_id: t, generation: null })).toBe('not_found');
  });

  it('is stale for an older generation than the row holds', async () => {
    const t = tenant();
    const r = row(t, { generation: '1700000000000005' });
    await store.record(r);
    expect(await store.markDeleted({ uuid: r.uuid, tenant_id: t, generation: '1700000000000004' })).toBe(
      'stale',
    );
    expect(await store.get(r.uuid, t)).not.toBeNull();
  });

  it('tombstones an id without a row so that a late finalize cannot resurrect it', async () => {
    const t = tenant();
    const r = row(t);
    expect(
      await store.markDeleted({
        uuid: r.uuid,
        tenant_id: t,
        generation: r.generation,
        artifact_type: r.artifact_type,
        file_path: r.file_path,
      }),
    ).toBe('tombstoned');
    expect(await store.record(r)).toBe('deleted');
    expect(await store.get(r.uuid, t)).toBeNull();
    expect(await store.claim(r.uuid, t, r.artifact_type)).toBe('deleted');
    expect(await store.claim(r.uuid, tenant(), r.artifact_type)).toBe('foreign');
  });
});

describe('claim', () => {
  it('free (and reserved), own, conflict, deleted, foreign', async () => {
    const t = tenant();
    const r = row(t);
    expect(await store.claim(r.uuid, t, r.artifact_type)).toBe('free');
    expect(await store.claim(r.uuid, tenant(), r.artifact_type)).toBe('foreign');
    await store.record(r);
    expect(await store.claim(r.uuid, t, r.artifact_type)).toBe('own');
    expect(await store.claim(r.uuid, t, 'another_type')).toBe('conflict');
    expect(await store.claim(r.uuid, tenant(), r.artifact_type)).toBe('foreign');
    await store.markDeleted({ uuid: r.uuid, tenant_id: t, generation: null });
    expect(await store.claim(r.uuid, t, r.artifact_type)).toBe('deleted');
    expect(await store.claim(r.uuid, tenant(), r.artifact_type)).toBe('foreign');
  });
});

describe('reconcile reads', () => {
  it('rowStates: the rows of the ids, live or deleted; liveRows: live rows in uuid order, filtered', async () => {
    const t = tenant();
    const a = row(t);
    const b = row(t);
    await store.record(a);
    await store.record(b);
    await store.markDeleted({ uuid: b.uuid, tenant_id: t, generation: null });
    const states = await store.rowStates([a.uuid, b.uuid, randomUUID()]);
    expect(states).toHaveLength(2);
    expect(states.find((s) => s.uuid === a.uuid)).toMatchObject({
      tenant_id: t,
      file_path: a.file_path,
      generation: a.generation,
      deleted: false,
    });
    expect(states.find((s) => s.uuid === b.uuid)).toMatchObject({ deleted: true });
    const live = await store.liveRows({ tenant_id: t }, 10);
    expect(live.map((l) => l.uuid)).toEqual([a.uuid]);
    expect(await store.liveRows({ tenant_id: t }, 10, a.uuid)).toEqual([]);
  });
});

describe('failures', () => {
  it('is transient, and quick, when the API is down (supabase-js status 0)', async () => {
    const down = await startPostgrestStandIn({
      port: await freePort(),
      databaseUrl,
      jwtSecret: LOCAL_JWT_SECRET,
    });
    const url = down.url;
    await down.close();
    const s = new SupabaseMetadataStore({ url, serviceRoleKey: serviceKey });
    const started = Date.now();
    const err = await s.claim(randomUUID(), tenant(), 'workflow').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TransientError);
    expect((err as Error).message).toMatch(/unavailable.*no response/);
    expect(Date.now() - started).toBeLessThan(2_000);
  });

  it('is transient, naming the key, when the key is wrong or not the service role', async () => {
    const forged = await localServiceRoleKey('not-the-project-secret-not-the-project-secret');
    for (const key of [forged, await localAnonKey()]) {
      const s = new SupabaseMetadataStore({ url: standIn.url, serviceRoleKey: key });
      const err = await s.record(row(tenant())).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(TransientError);
      expect((err as Error).message).toMatch(/service role key/);
      expect((err as Error).message).toMatch(/HTTP 401 (PGRST301|42501)/);
    }
  });

  it('is permanent (INVALID_ROW) when the database refuses the arguments', async () => {
    const t = tenant();
    const cases: (() => Promise<unknown>)[] = [
      () => store.record(row(t, { artifact_type: 'Not-A-Type' })), // 22023 from artifact_record
      () => store.record(row(t, { generation: '0' })), // 22023
      () => store.list(t, {}, 0), // 22023: limit 1..200
      () => store.get('not-a-uuid', t), // 22P02 from the uuid cast
    ];
    for (const attempt of cases) {
      const err = await attempt().catch((e: unknown) => e);
      expect(err).toBeInstanceOf(PermanentError);
      expect((err as PermanentError).code).toBe('INVALID_ROW');
      expect((err as Error).message).toMatch(/HTTP 400 (22023|22P02)/);
    }
  });

  it('sees a missing function as 404 PGRST202 on the wire (mapped to transient below: migrations not applied)', async () => {
    const client = createMetadataClient(standIn.url, serviceKey);
    const { data, error, status } = await client.rpc('artifact_no_such_function', { p_uuid: randomUUID() });
    expect(status).toBe(404);
    expect(data).toBeNull();
    expect(error).toMatchObject({ code: 'PGRST202', details: expect.any(String), hint: null });
  });
});

/** A fake API: records what supabase-js sends, answers what the test says. */
interface Captured {
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
  body: string;
}

async function fakeApi(
  answer: (req: Captured, res: ServerResponse) => void,
): Promise<{ url: string; requests: Captured[]; server: Server }> {
  const requests: Captured[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const captured = {
        method: req.method ?? '',
        url: req.url ?? '',
        headers: req.headers,
        body: Buffer.concat(chunks).toString('utf8'),
      };
      requests.push(captured);
      answer(captured, res);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, requests, server };
}

function closeServer(server: Server): Promise<void> {
  server.closeAllConnections();
  return new Promise((resolve) => server.close(() => resolve()));
}

describe('the supabase-js wire', () => {
  it('posts named arguments to /rest/v1/rpc/{fn} with the key as apikey and bearer token', async () => {
    const api = await fakeApi((_req, res) => {
      res.writeHead(200, { 'Content-Type': 'application/json; charset=utf-8' });
      res.end('"inserted"');
    });
    try {
      const s = new SupabaseMetadataStore({ url: api.url, serviceRoleKey: serviceKey });
      const r = row(tenant(), { generation: '9007199254740993' });
      expect(await s.record(r)).toBe('inserted');
      const [req] = api.requests;
      expect(req?.method).toBe('POST');
      expect(req?.url).toBe('/rest/v1/rpc/artifact_record');
      expect(req?.headers.apikey).toBe(serviceKey);
      expect(req?.headers.authorization).toBe(`Bearer ${serviceKey}`);
      expect(req?.headers['content-type']).toBe('application/json');
      expect(req?.headers['content-profile']).toBe('public');
      expect(req?.headers['x-client-info']).toMatch(/^supabase-js/);
      expect(JSON.parse(req!.body)).toEqual({
        p_uuid: r.uuid,
        p_tenant_id: r.tenant_id,
        p_artifact_type: r.artifact_type,
        p_user_id: r.user_id,
        p_ui_name: r.ui_name,
        p_file_path: r.file_path,
        p_file_size: r.file_size,
        p_file_hash: r.file_hash,
        p_generation: '9007199254740993',
        p_expires_at: null,
        p_metadata: r.metadata,
      });
      // Optional arguments that are not given are left out, so the functions' defaults apply.
      await s.markDeleted({ uuid: r.uuid, tenant_id: r.tenant_id, generation: null }).catch(() => {});
      expect(JSON.parse(api.requests[1]!.body)).toEqual({
        p_uuid: r.uuid,
        p_tenant_id: r.tenant_id,
        p_generation: null,
      });
    } finally {
      await closeServer(api.server);
    }
  });

  it('maps statuses and bodies: 5xx/408/429 transient, PGRSTxxx and non-PostgREST 4xx transient, SQLSTATE 4xx permanent', async () => {
    const answers: [number, string][] = [];
    const api = await fakeApi((_req, res) => {
      const [status, body] = answers.shift()!;
      res.writeHead(status, { 'Content-Type': 'application/json; charset=utf-8' });
      res.end(body);
    });
    const pgError = (code: string, message: string) =>
      JSON.stringify({ code, message, details: null, hint: null });
    try {
      const s = new SupabaseMetadataStore({ url: api.url, serviceRoleKey: serviceKey });
      const expectations: [number, string, typeof TransientError | typeof PermanentError, RegExp][] = [
        [
          503,
          pgError('PGRST000', 'Database connection error. Retrying the connection.'),
          TransientError,
          /unavailable/,
        ],
        [500, pgError('XX000', 'internal'), TransientError, /unavailable/],
        [429, '{"message":"Too many requests"}', TransientError, /unavailable/],
        [408, '', TransientError, /unavailable/],
        [
          404,
          pgError('PGRST202', 'Could not find the function public.artifact_claim(p_tenant_id, p_uuid)'),
          TransientError,
          /migrations/,
        ],
        [404, '<html>Not Found</html>', TransientError, /SUPABASE_URL/],
        [
          406,
          pgError('PGRST106', 'Invalid schema: public'),
          TransientError,
          /not what the artifact store expects/,
        ],
        [400, pgError('22023', 'artifact_claim: p_tenant_id is required'), PermanentError, /HTTP 400 22023/],
        [
          409,
          pgError('23505', 'duplicate key value violates unique constraint'),
          PermanentError,
          /HTTP 409 23505/,
        ],
        [
          403,
          pgError('42501', 'permission denied for function artifact_claim'),
          TransientError,
          /service role key/,
        ],
      ];
      for (const [status, body, type, message] of expectations) {
        answers.push([status, body]);
        const err = await s.claim(randomUUID(), 't', 'workflow').catch((e: unknown) => e);
        expect(err, `${status} ${body}`).toBeInstanceOf(type);
        expect((err as Error).message).toMatch(message);
        if (type === PermanentError) expect((err as PermanentError).code).toBe('INVALID_ROW');
      }
    } finally {
      await closeServer(api.server);
    }
  });

  it('treats an answer of the wrong shape as transient (never as an outcome)', async () => {
    const bodies = ['"surprise"', '42', '{"items": "no"}', '{"uuid": 1}'];
    const api = await fakeApi((_req, res) => {
      res.writeHead(200, { 'Content-Type': 'application/json; charset=utf-8' });
      res.end(bodies.shift());
    });
    try {
      const s = new SupabaseMetadataStore({ url: api.url, serviceRoleKey: serviceKey });
      const calls = [
        () => s.record(row(tenant())),
        () => s.claim(randomUUID(), 't', 'workflow'),
        () => s.list('t', {}, 10),
        () => s.get(randomUUID(), 't'),
      ];
      for (const c of calls) {
        const err = await c().catch((e: unknown) => e);
        expect(err).toBeInstanceOf(TransientError);
        expect((err as Error).message).toMatch(/unexpected value/);
      }
    } finally {
      await closeServer(api.server);
    }
  });

  it('times out a hung request as transient', async () => {
    const api = await fakeApi(() => {
      // never answers
    });
    try {
      const s = new SupabaseMetadataStore({ url: api.url, serviceRoleKey: serviceKey, timeoutMs: 200 });
      const started = Date.now();
      const err = await s.claim(randomUUID(), 't', 'workflow').catch((e: unknown) => e);
      expect(err).toBeInstanceOf(TransientError);
      expect((err as Error).message).toMatch(/no response.*TimeoutError/);
      expect(Date.now() - started).toBeLessThan(2_000);
    } finally {
      await closeServer(api.server);
    }
  });

  it('creates the client on Node 20 without a WebSocket, and refuses to open Realtime', () => {
    const client = createMetadataClient('http://127.0.0.1:9', serviceKey);
    expect(() => client.realtime.connect()).toThrow(/Realtime is not used/);
    client.realtime.disconnect();
  });
});

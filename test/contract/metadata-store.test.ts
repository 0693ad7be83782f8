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
import { createMetadataClient, SupabaseMetadataStore } from '../../shared/adapters/supabase-metadata-store';
import { PermanentError, TransientError } from '../../shared/domain/errors';
import { metadataStoreContract, row, tenant } from './metadata-store-contract';

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

metadataStoreContract('SupabaseMetadataStore over PostgREST and the SQL functions', () => store);

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
        p_version: 1,
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

/**
 * The PostgREST stand-in's wire behaviour against the real PostgreSQL of the test run: JWT checks, roles,
 * function resolution, argument casts, result shapes and PostgREST's error bodies and statuses. The
 * functions under test live in a scratch schema of this file, dropped afterwards.
 */
import { randomUUID } from 'node:crypto';
import { createServer } from 'node:net';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { freePort } from '../../local/net';
import { type PostgrestStandIn, startPostgrestStandIn } from '../../local/postgrest/server';
import { LOCAL_JWT_SECRET, localAnonKey, localServiceRoleKey, mintJwt } from '../../local/tokens';

const databaseUrl = inject('databaseUrl');
const schema = `pgrst_test_${randomUUID().slice(0, 8)}`;

let admin: pg.Pool;
let standIn: PostgrestStandIn;
let serviceKey: string;
let anonKey: string;
const logLines: string[] = [];

async function sql(text: string): Promise<void> {
  await admin.query(text);
}

beforeAll(async () => {
  admin = new pg.Pool({ connectionString: databaseUrl, max: 2 });
  // The roles of Supabase exist after the migrations; created here too so that this file stands alone.
  await sql(`DO $$ BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'anon') THEN CREATE ROLE anon NOLOGIN; END IF;
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'authenticated') THEN CREATE ROLE authenticated NOLOGIN; END IF;
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'service_role') THEN CREATE ROLE service_role NOLOGIN; END IF;
  EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL; END $$`);
  await sql(`CREATE SCHEMA ${schema}`);
  await sql(`GRANT USAGE ON SCHEMA ${schema} TO anon, authenticated, service_role`);
  const fns = [
    `CREATE FUNCTION ${schema}.add_them(a integer, b integer DEFAULT 10) RETURNS integer
       LANGUAGE sql IMMUTABLE AS $$ SELECT a + b $$`,
    `CREATE FUNCTION ${schema}.echo(p jsonb) RETURNS jsonb LANGUAGE sql AS $$ SELECT p $$`,
    `CREATE FUNCTION ${schema}.maybe(p text DEFAULT NULL) RETURNS text LANGUAGE sql AS $$ SELECT p $$`,
    `CREATE FUNCTION ${schema}.nothing() RETURNS void LANGUAGE plpgsql AS $$ BEGIN END $$`,
    `CREATE FUNCTION ${schema}.upto(n integer) RETURNS SETOF integer LANGUAGE sql AS $$ SELECT generate_series(1, n) $$`,
    `CREATE FUNCTION ${schema}.pairs(n integer) RETURNS TABLE(i integer, label text)
       LANGUAGE sql AS $$ SELECT g, 'n' || g FROM generate_series(1, n) g $$`,
    `CREATE FUNCTION ${schema}.typed(p_uuid uuid, p_at timestamptz, p_big bigint, p_flag boolean DEFAULT false)
       RETURNS text LANGUAGE sql SET timezone = 'UTC'
       AS $$ SELECT p_uuid::text || '|' || p_at::text || '|' || p_big::text || '|' || p_flag::text $$`,
    `CREATE FUNCTION ${schema}.bad_arg(p text) RETURNS text LANGUAGE plpgsql AS $$ BEGIN
       RAISE EXCEPTION 'bad_arg: p is wrong' USING ERRCODE = '22023', DETAIL = 'got ' || p, HINT = 'send another';
     END $$`,
    `CREATE FUNCTION ${schema}.boom() RETURNS text LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'boom'; END $$`,
    `CREATE FUNCTION ${schema}.teapot() RETURNS text LANGUAGE plpgsql AS $$ BEGIN
       RAISE SQLSTATE 'PT418' USING MESSAGE = 'I am a teapot';
     END $$`,
    `CREATE FUNCTION ${schema}.full_control() RETURNS text LANGUAGE plpgsql AS $$ BEGIN
       RAISE SQLSTATE 'PGRST' USING
         MESSAGE = '{"code":"X123","message":"custom","details":"d","hint":"h"}',
         DETAIL = '{"status":409,"headers":{"X-Custom":"yes"}}';
     END $$`,
    `CREATE FUNCTION ${schema}.whoami() RETURNS jsonb LANGUAGE sql STABLE AS $$
       SELECT jsonb_build_object(
         'user', current_user,
         'claims', current_setting('request.jwt.claims', true)::jsonb,
         'method', current_setting('request.method', true),
         'path', current_setting('request.path', true),
         'read_only', current_setting('transaction_read_only'))
     $$`,
    `CREATE SEQUENCE ${schema}.seq`,
    `GRANT USAGE ON SEQUENCE ${schema}.seq TO service_role`,
    // Declared STABLE but writes (nextval): PostgREST runs it READ ONLY, so PostgreSQL refuses (25006).
    `CREATE FUNCTION ${schema}.writes() RETURNS bigint LANGUAGE sql STABLE AS $$ SELECT nextval('${schema}.seq') $$`,
    `CREATE FUNCTION ${schema}.restricted() RETURNS text LANGUAGE sql AS $$ SELECT 'secret' $$`,
    `REVOKE ALL ON FUNCTION ${schema}.restricted() FROM PUBLIC`,
    `GRANT EXECUTE ON FUNCTION ${schema}.restricted() TO service_role`,
  ];
  for (const fn of fns) await sql(fn);
  standIn = await startPostgrestStandIn({
    port: await freePort(),
    databaseUrl,
    jwtSecret: LOCAL_JWT_SECRET,
    schemas: [schema, 'public'],
    log: (line) => logLines.push(line),
  });
  serviceKey = await localServiceRoleKey();
  anonKey = await localAnonKey();
});

afterAll(async () => {
  await standIn?.close();
  await admin?.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
  await admin?.end();
});

interface Reply {
  status: number;
  headers: Headers;
  text: string;
  json: unknown;
}

async function call(
  path: string,
  body: unknown = {},
  options: { key?: string | null; headers?: Record<string, string>; method?: string; raw?: string } = {},
): Promise<Reply> {
  const key = options.key === undefined ? serviceKey : options.key;
  const headers: Record<string, string> = { 'Content-Type': 'application/json', ...options.headers };
  if (key !== null) {
    headers.apikey = key;
    headers.Authorization = `Bearer ${key}`;
  }
  const method = options.method ?? 'POST';
  const res = await fetch(`${standIn.url}${path}`, {
    method,
    headers,
    body: method === 'GET' || method === 'HEAD' ? undefined : (options.raw ?? JSON.stringify(body)),
  });
  const text = await res.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: res.status, headers: res.headers, text, json };
}

const rpc = (fn: string, body: unknown = {}, options: Parameters<typeof call>[2] = {}) =>
  call(`/rest/v1/rpc/${fn}`, body, options);

describe('authentication', () => {
  it('refuses a request without key or token: 401 PGRST302', async () => {
    const r = await rpc('add_them', { a: 1 }, { key: null });
    expect(r.status).toBe(401);
    expect(r.json).toEqual({
      code: 'PGRST302',
      message: 'Anonymous access is disabled',
      details: null,
      hint: null,
    });
    expect(r.headers.get('www-authenticate')).toBe('Bearer');
    expect(r.headers.get('content-type')).toBe('application/json; charset=utf-8');
  });

  it('refuses a token signed with another secret: 401 PGRST301', async () => {
    const forged = await localServiceRoleKey('another-secret-another-secret-another-secret');
    const r = await rpc('add_them', { a: 1 }, { key: forged });
    expect(r.status).toBe(401);
    expect(r.json).toEqual({
      code: 'PGRST301',
      message: 'JWT cryptographic operation failed',
      details: null,
      hint: null,
    });
    expect(r.headers.get('www-authenticate')).toBe(
      'Bearer error="invalid_token", error_description="JWT cryptographic operation failed"',
    );
  });

  it('refuses an expired token (beyond the 30 s skew): 401 PGRST303', async () => {
    const expired = await mintJwt({ role: 'service_role' }, LOCAL_JWT_SECRET, { expiresIn: '-2m' });
    const r = await rpc('add_them', { a: 1 }, { key: expired });
    expect(r.status).toBe(401);
    expect(r.json).toEqual({ code: 'PGRST303', message: 'JWT expired', details: null, hint: null });
    // Within the skew it is still accepted, as PostgREST does.
    const justExpired = await mintJwt({ role: 'service_role' }, LOCAL_JWT_SECRET, { expiresIn: '-10s' });
    expect((await rpc('add_them', { a: 1 }, { key: justExpired })).status).toBe(200);
  });

  it('refuses malformed tokens and unsupported algorithms: 401 PGRST301', async () => {
    const r = await rpc('add_them', { a: 1 }, { key: 'not-a-jwt' });
    expect(r.status).toBe(401);
    expect(r.json).toMatchObject({ code: 'PGRST301', message: 'Expected 3 parts in JWT; got 1' });
    const header = Buffer.from(JSON.stringify({ alg: 'none', typ: 'JWT' })).toString('base64url');
    const payload = Buffer.from(JSON.stringify({ role: 'service_role' })).toString('base64url');
    const none = await rpc('add_them', { a: 1 }, { key: `${header}.${payload}.` });
    expect(none.status).toBe(401);
    expect(none.json).toMatchObject({ code: 'PGRST301', message: 'Wrong or unsupported encoding algorithm' });
    const empty = await rpc('add_them', { a: 1 }, { key: null, headers: { Authorization: 'Bearer ' } });
    expect(empty.json).toMatchObject({
      code: 'PGRST301',
      message: 'Empty JWT is sent in Authorization header',
    });
  });

  it('checks the apikey too, and lets it stand for a missing bearer token', async () => {
    const forged = await localAnonKey('another-secret-another-secret-another-secret');
    const bad = await rpc(
      'add_them',
      { a: 1 },
      {
        key: null,
        headers: { apikey: forged, Authorization: `Bearer ${serviceKey}` },
      },
    );
    expect(bad.status).toBe(401);
    expect(bad.json).toMatchObject({ code: 'PGRST301' });
    const apikeyOnly = await rpc('whoami', {}, { key: null, headers: { apikey: serviceKey } });
    expect(apikeyOnly.status).toBe(200);
    expect(apikeyOnly.json).toMatchObject({ user: 'service_role' });
  });

  it('runs the call as the role of the token, with its claims and the request in settings', async () => {
    const token = await mintJwt(
      { role: 'authenticated', sub: 'user-1', app_metadata: { tenant_id: 't1' } },
      LOCAL_JWT_SECRET,
      {
        expiresIn: '5m',
      },
    );
    const r = await rpc('whoami', {}, { key: token });
    expect(r.status).toBe(200);
    const body = r.json as {
      user: string;
      claims: Record<string, unknown>;
      method: string;
      path: string;
      read_only: string;
    };
    expect(body.user).toBe('authenticated');
    expect(body.claims).toMatchObject({
      role: 'authenticated',
      sub: 'user-1',
      app_metadata: { tenant_id: 't1' },
    });
    expect(body.method).toBe('POST');
    expect(body.path).toBe('/rpc/whoami');
    expect(body.read_only).toBe('on'); // a STABLE function runs in a READ ONLY transaction
    // A token without a role claim is the anonymous role.
    const roleless = await mintJwt({ sub: 'x' }, LOCAL_JWT_SECRET, { expiresIn: '5m' });
    expect((await rpc('whoami', {}, { key: roleless })).json).toMatchObject({ user: 'anon' });
  });

  it('maps 42501 to 401 for the anonymous role and 403 for others', async () => {
    const anon = await rpc('restricted', {}, { key: anonKey });
    expect(anon.status).toBe(401);
    expect(anon.json).toEqual({
      code: '42501',
      message: `permission denied for function restricted`,
      details: null,
      hint: null,
    });
    expect(anon.headers.get('www-authenticate')).toBe('Bearer');
    const user = await mintJwt({ role: 'authenticated' }, LOCAL_JWT_SECRET, { expiresIn: '5m' });
    const authed = await rpc('restricted', {}, { key: user });
    expect(authed.status).toBe(403);
    expect(authed.json).toMatchObject({ code: '42501' });
    const service = await rpc('restricted', {}, { key: serviceKey });
    expect(service.status).toBe(200);
    expect(service.json).toBe('secret');
  });

  it('answers a role that does not exist with 401 (22023)', async () => {
    const token = await mintJwt({ role: `nobody_${randomUUID().slice(0, 8)}` }, LOCAL_JWT_SECRET, {
      expiresIn: '5m',
    });
    const r = await rpc('add_them', { a: 1 }, { key: token });
    expect(r.status).toBe(401);
    expect(r.json).toMatchObject({
      code: '22023',
      message: expect.stringMatching(/^role ".*" does not exist$/),
    });
  });
});

describe('function resolution', () => {
  it('answers an unknown function with 404 PGRST202', async () => {
    const r = await rpc('no_such_function', { x: 1, a: 2 });
    expect(r.status).toBe(404);
    expect(r.json).toEqual({
      code: 'PGRST202',
      message: `Could not find the function ${schema}.no_such_function(a, x) in the schema cache`,
      details: `Searched for the function ${schema}.no_such_function with parameters a, x or with a single unnamed json/jsonb parameter, but no matches were found in the schema cache.`,
      hint: null,
    });
    const none = await rpc('no_such_function', {});
    expect((none.json as { message: string }).message).toBe(
      `Could not find the function ${schema}.no_such_function without parameters in the schema cache`,
    );
  });

  it('answers an argument set no overload takes with 404 PGRST202 and a hint', async () => {
    const unknownArg = await rpc('add_them', { a: 1, c: 2 });
    expect(unknownArg.status).toBe(404);
    expect(unknownArg.json).toMatchObject({
      code: 'PGRST202',
      message: `Could not find the function ${schema}.add_them(a, c) in the schema cache`,
      hint: `Perhaps you meant to call the function ${schema}.add_them(a, b)`,
    });
    const missingRequired = await rpc('add_them', { b: 1 });
    expect(missingRequired.status).toBe(404);
  });

  it('lets arguments with defaults be left out', async () => {
    expect((await rpc('add_them', { a: 1 })).json).toBe(11);
    expect((await rpc('add_them', { a: 1, b: 2 })).json).toBe(3);
  });

  it('finds functions created after start and signatures replaced since', async () => {
    expect((await rpc('later', { x: 1 })).status).toBe(404);
    await sql(
      `CREATE FUNCTION ${schema}.later(x integer) RETURNS integer LANGUAGE sql AS $$ SELECT x * 2 $$`,
    );
    expect((await rpc('later', { x: 4 })).json).toBe(8);
    await sql(`DROP FUNCTION ${schema}.later(integer)`);
    await sql(
      `CREATE FUNCTION ${schema}.later(y integer) RETURNS integer LANGUAGE sql AS $$ SELECT y * 3 $$`,
    );
    expect((await rpc('later', { y: 4 })).json).toBe(12);
    await sql(`DROP FUNCTION ${schema}.later(integer)`);
    await sql(`CREATE FUNCTION ${schema}.later(y bigint) RETURNS bigint LANGUAGE sql AS $$ SELECT y * 5 $$`);
    expect((await rpc('later', { y: 4 })).json).toBe(20);
  });

  it('switches schema with Content-Profile among the exposed ones only (406 PGRST106)', async () => {
    const other = await rpc('add_them', { a: 1 }, { headers: { 'Content-Profile': 'private' } });
    expect(other.status).toBe(406);
    expect(other.json).toEqual({
      code: 'PGRST106',
      message: 'Invalid schema: private',
      details: null,
      hint: `Only the following schemas are exposed: ${schema}, public`,
    });
    const pub = await rpc('add_them', { a: 1 }, { headers: { 'Content-Profile': 'public' } });
    expect(pub.status).toBe(404);
    expect(pub.json).toMatchObject({ code: 'PGRST202', message: expect.stringContaining('public.add_them') });
  });
});

describe('results', () => {
  it('returns a scalar as its JSON value', async () => {
    const r = await rpc('add_them', { a: 40, b: 2 });
    expect(r.status).toBe(200);
    expect(r.text).toBe('42');
    expect(r.headers.get('content-type')).toBe('application/json; charset=utf-8');
    expect(r.headers.get('content-range')).toBe('0-0/*');
  });

  it('returns jsonb as the JSON document', async () => {
    const doc = { a: [1, 'two', null, { deep: true }], s: 'é"\\', n: 1.5 };
    const r = await rpc('echo', { p: doc });
    expect(r.status).toBe(200);
    expect(r.json).toEqual(doc);
  });

  it('returns null for SQL NULL and for void', async () => {
    const missing = await rpc('maybe', {});
    expect(missing.status).toBe(200);
    expect(missing.text).toBe('null');
    expect((await rpc('maybe', { p: null })).text).toBe('null');
    expect((await rpc('maybe', { p: 'x' })).json).toBe('x');
    const v = await rpc('nothing');
    expect(v.status).toBe(200);
    expect(v.text).toBe('null');
  });

  it('returns SETOF as an array (empty when no rows) and TABLE rows as objects', async () => {
    expect((await rpc('upto', { n: 3 })).json).toEqual([1, 2, 3]);
    const empty = await rpc('upto', { n: 0 });
    expect(empty.json).toEqual([]);
    expect(empty.headers.get('content-range')).toBe('*/*');
    expect((await rpc('pairs', { n: 2 })).json).toEqual([
      { i: 1, label: 'n1' },
      { i: 2, label: 'n2' },
    ]);
  });

  it('casts arguments to the declared types (bigint from a string keeps its precision)', async () => {
    const id = randomUUID();
    const r = await rpc('typed', {
      p_uuid: id,
      p_at: '2026-11-02T10:11:12.123456+01:00',
      p_big: '9007199254740993',
    });
    expect(r.status).toBe(200);
    expect(r.json).toBe(`${id}|2026-11-02 09:11:12.123456+00|9007199254740993|false`);
    const bad = await rpc('typed', { p_uuid: 'not-a-uuid', p_at: '2026-11-02T10:11:12Z', p_big: 1 });
    expect(bad.status).toBe(400);
    expect(bad.json).toMatchObject({
      code: '22P02',
      message: 'invalid input syntax for type uuid: "not-a-uuid"',
    });
  });
});

describe('errors', () => {
  it('answers a function raising 22023 with 400 and {code, message, details, hint}', async () => {
    const r = await rpc('bad_arg', { p: 'x' });
    expect(r.status).toBe(400);
    expect(r.json).toEqual({
      code: '22023',
      message: 'bad_arg: p is wrong',
      details: 'got x',
      hint: 'send another',
    });
    expect(Object.keys(r.json as object).sort()).toEqual(['code', 'details', 'hint', 'message']);
    expect(r.headers.get('proxy-status')).toBe('PostgREST; error=22023');
  });

  it('answers RAISE (P0001) with 400', async () => {
    const r = await rpc('boom');
    expect(r.status).toBe(400);
    expect(r.json).toEqual({ code: 'P0001', message: 'boom', details: null, hint: null });
  });

  it('answers SQLSTATE PTxyz with status xyz', async () => {
    const r = await rpc('teapot');
    expect(r.status).toBe(418);
    expect(r.json).toEqual({ code: 'PT418', message: 'I am a teapot', details: null, hint: null });
  });

  it("gives full control to RAISE SQLSTATE 'PGRST'", async () => {
    const r = await rpc('full_control');
    expect(r.status).toBe(409);
    expect(r.headers.get('x-custom')).toBe('yes');
    expect(r.json).toEqual({ code: 'X123', message: 'custom', details: 'd', hint: 'h' });
  });

  it('answers a write in a STABLE function (READ ONLY transaction) with 405 25006', async () => {
    const r = await rpc('writes');
    expect(r.status).toBe(405);
    expect(r.json).toMatchObject({ code: '25006' });
  });

  it('refuses bodies that are not a JSON object (400 PGRST102) or too large (413)', async () => {
    const invalid = await rpc('add_them', undefined, { raw: '{"a": ' });
    expect(invalid.status).toBe(400);
    expect(invalid.json).toEqual({
      code: 'PGRST102',
      message: 'Empty or invalid json',
      details: null,
      hint: null,
    });
    const array = await rpc('add_them', [{ a: 1 }]);
    expect(array.status).toBe(400);
    expect(array.json).toMatchObject({ code: 'PGRST102' });
    const small = await startPostgrestStandIn({
      port: 0,
      databaseUrl,
      jwtSecret: LOCAL_JWT_SECRET,
      schemas: [schema],
      maxBodyBytes: 1024,
    });
    try {
      const res = await fetch(`${small.url}/rest/v1/rpc/echo`, {
        method: 'POST',
        headers: {
          'Content-Type': 'application/json',
          apikey: serviceKey,
          Authorization: `Bearer ${serviceKey}`,
        },
        body: JSON.stringify({ p: 'x'.repeat(4096) }),
      });
      expect(res.status).toBe(413);
      expect(await res.json()).toMatchObject({ code: 'PGRST102' });
    } finally {
      await small.close();
    }
  });

  it('answers what it does not serve with PostgREST/gateway 4xx', async () => {
    const root = await call('/rest/v1/', undefined, { method: 'GET' });
    expect(root.status).toBe(404);
    expect(root.json).toMatchObject({ code: 'PGRST126' });
    const put = await call('/rest/v1/rpc/add_them', { a: 1 }, { method: 'PUT' });
    expect(put.status).toBe(405);
    expect(put.json).toMatchObject({ code: 'PGRST101', message: 'Cannot use the PUT method on RPC' });
    const table = await call('/rest/v1/project_files', undefined, { method: 'GET' });
    expect(table.status).toBe(404);
    expect(table.json).toMatchObject({ code: 'PGRST125' });
    const outside = await call('/storage/v1/object', undefined, { method: 'GET' });
    expect(outside.status).toBe(404);
    expect(outside.json).toEqual({ message: 'no Route matched with those values' });
  });

  it('refuses a JWT secret shorter than 32 characters, as PostgREST 13 does', async () => {
    await expect(startPostgrestStandIn({ port: 0, databaseUrl, jwtSecret: 'too-short' })).rejects.toThrow(
      /at least 32 characters/,
    );
  });

  it('logs one line per request', async () => {
    await rpc('add_them', { a: 1 });
    await rpc('teapot');
    expect(logLines).toContainEqual(
      expect.stringMatching(/^\[postgrest\] POST \/rest\/v1\/rpc\/add_them 200 \d+ms$/),
    );
    expect(logLines).toContainEqual(
      expect.stringMatching(/^\[postgrest\] POST \/rest\/v1\/rpc\/teapot 418 PT418 \d+ms$/),
    );
  });

  it('answers 503 when the database cannot be reached', async () => {
    const closed = await new Promise<number>((resolve) => {
      const s = createServer();
      s.listen(0, '127.0.0.1', () => {
        const port = (s.address() as { port: number }).port;
        s.close(() => resolve(port));
      });
    });
    const down = await startPostgrestStandIn({
      port: 0,
      databaseUrl: `postgres://postgres:postgres@127.0.0.1:${closed}/postgres`,
      jwtSecret: LOCAL_JWT_SECRET,
    });
    try {
      const res = await fetch(`${down.url}/rest/v1/rpc/anything`, {
        method: 'POST',
        headers: {
          'Content-Type': 'application/json',
          apikey: serviceKey,
          Authorization: `Bearer ${serviceKey}`,
        },
        body: '{}',
      });
      expect(res.status).toBe(503);
      expect(await res.json()).toMatchObject({ code: 'PGRST002' });
    } finally {
      await down.close();
    }
  });
});

/**
 * The PostgREST stand-in's `GET`/`HEAD /rest/v1/rpc/{fn}` (supabase-js `rpc(fn, args, {get: true})`):
 * query-string arguments cast to the parameters' types, defaults, repeated parameters as arrays, filters and
 * reserved words left out of the arguments, `Accept-Profile`, and a READ ONLY transaction whatever the
 * function's volatility (a write is 405 25006, as PostgREST). Driven by supabase-js itself and by raw HTTP.
 */
import { randomUUID } from 'node:crypto';
import { createClient, type WebSocketLikeConstructor } from '@supabase/supabase-js';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { freePort } from '../../local/net';
import { type PostgrestStandIn, startPostgrestStandIn } from '../../local/postgrest/server';
import { LOCAL_JWT_SECRET, localServiceRoleKey } from '../../local/tokens';

const databaseUrl = inject('databaseUrl');
const schema = `pgrst_get_${randomUUID().slice(0, 8)}`;
let admin: pg.Pool;
let standIn: PostgrestStandIn;
let key: string;

/** supabase-js on Node 20 needs a Realtime transport at createClient; no channel is ever opened here. */
const client = (db = schema) =>
  createClient(standIn.url, key, {
    auth: { persistSession: false, autoRefreshToken: false },
    realtime: { transport: class {} as unknown as WebSocketLikeConstructor },
    db: { schema: db },
  });

const get = (path: string, init: { method?: string; headers?: Record<string, string> } = {}) =>
  fetch(`${standIn.url}/rest/v1/rpc/${path}`, {
    method: init.method ?? 'GET',
    headers: { apikey: key, authorization: `Bearer ${key}`, ...init.headers },
  });

beforeAll(async () => {
  admin = new pg.Pool({ connectionString: databaseUrl, max: 2 });
  await admin.query(`CREATE SCHEMA ${schema}`);
  await admin.query(`GRANT USAGE ON SCHEMA ${schema} TO anon, authenticated, service_role`);
  for (const fn of [
    `CREATE FUNCTION ${schema}.add_them(a integer, b integer DEFAULT 10) RETURNS integer
       LANGUAGE sql IMMUTABLE AS $$ SELECT a + b $$`,
    `CREATE FUNCTION ${schema}.describe(p_id uuid, p_at timestamptz, p_tags text[] DEFAULT '{}')
       RETURNS jsonb LANGUAGE sql STABLE SET timezone = 'UTC' AS $$
       SELECT jsonb_build_object('id', p_id, 'at', p_at, 'tags', p_tags,
                                 'method', current_setting('request.method', true),
                                 'read_only', current_setting('transaction_read_only')) $$`,
    `CREATE FUNCTION ${schema}.total(VARIADIC n integer[]) RETURNS integer LANGUAGE sql IMMUTABLE
       AS $$ SELECT sum(x)::int FROM unnest(n) x $$`,
    `CREATE FUNCTION ${schema}.upto(n integer) RETURNS TABLE(i integer, label text) LANGUAGE sql STABLE
       AS $$ SELECT g, 'n' || g FROM generate_series(1, n) g $$`,
    `CREATE SEQUENCE ${schema}.seq`,
    `GRANT USAGE ON SEQUENCE ${schema}.seq TO service_role`,
    `CREATE FUNCTION ${schema}.bump() RETURNS bigint LANGUAGE sql VOLATILE AS $$ SELECT nextval('${schema}.seq') $$`,
  ]) {
    await admin.query(fn);
  }
  standIn = await startPostgrestStandIn({
    port: await freePort(),
    databaseUrl,
    jwtSecret: LOCAL_JWT_SECRET,
    schemas: [schema, 'public'],
  });
  key = await localServiceRoleKey();
});

afterAll(async () => {
  await standIn?.close();
  await admin?.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
  await admin?.end();
});

describe('GET /rest/v1/rpc/{fn}', () => {
  it('calls a function with supabase-js rpc(..., {get: true}), defaults included', async () => {
    const db = client();
    expect(await db.rpc('add_them', { a: 1, b: 2 }, { get: true })).toMatchObject({
      data: 3,
      error: null,
      status: 200,
    });
    expect(await db.rpc('add_them', { a: 5 }, { get: true })).toMatchObject({ data: 15, error: null });
    const id = randomUUID();
    const described = await db.rpc(
      'describe',
      { p_id: id, p_at: '2026-01-02T03:04:05Z', p_tags: ['x', 'y'] },
      { get: true },
    );
    expect(described.error).toBeNull();
    expect(described.data).toEqual({
      id,
      at: '2026-01-02T03:04:05+00:00',
      tags: ['x', 'y'],
      method: 'GET',
      read_only: 'on',
    });
    const rows = await db.rpc('upto', { n: 3 }, { get: true });
    expect(rows.data).toEqual([
      { i: 1, label: 'n1' },
      { i: 2, label: 'n2' },
      { i: 3, label: 'n3' },
    ]);
  });

  it('runs READ ONLY whatever the volatility: a write is 405 25006 by GET, fine by POST', async () => {
    const db = client();
    const byGet = await db.rpc('bump', {}, { get: true });
    expect(byGet.status).toBe(405);
    expect(byGet.error).toMatchObject({ code: '25006' });
    const byPost = await db.rpc('bump');
    expect(byPost).toMatchObject({ status: 200, error: null, data: 1 });
  });

  it('errors as PostgREST: missing argument, bad cast, unknown function', async () => {
    const db = client();
    const missing = await db.rpc('add_them', { b: 1 }, { get: true });
    expect(missing.status).toBe(404);
    expect(missing.error).toMatchObject({ code: 'PGRST202' });
    const badCast = await db.rpc('add_them', { a: 'one' }, { get: true });
    expect(badCast.status).toBe(400);
    expect(badCast.error).toMatchObject({ code: '22P02' });
    const unknown = await db.rpc('nope', {}, { get: true });
    expect(unknown.status).toBe(404);
  });

  it('takes repeated parameters as an array, leaves filters and reserved words out, and serves HEAD', async () => {
    const total = await get('total?n=1&n=2&n=39');
    expect(total.status).toBe(200);
    expect(await total.json()).toBe(42);
    const filtered = await get('add_them?a=1&select=*&order=a.desc&limit=1&unrelated=eq.5');
    expect(await filtered.json()).toBe(11);
    const head = await get('add_them?a=1', { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(await head.text()).toBe('');
    const otherSchema = await get('add_them?a=1', { headers: { 'accept-profile': 'nope' } });
    expect(otherSchema.status).toBe(406);
    expect(await otherSchema.json()).toMatchObject({ code: 'PGRST106' });
  });

  it("serves the project's STABLE functions too (artifact_get, artifact_list)", async () => {
    const db = client('public');
    const list = await db.rpc(
      'artifact_list',
      { p_tenant_id: `nobody-${randomUUID()}`, p_limit: 5 },
      { get: true },
    );
    expect(list.error).toBeNull();
    expect(list.status).toBe(200);
    const one = await db.rpc('artifact_get', { p_uuid: randomUUID(), p_tenant_id: 'nobody' }, { get: true });
    expect(one).toMatchObject({ status: 200, error: null });
  });
});

/**
 * Versions and aliases in SQL (migration 006, docs/design.md "Versions"): each rule, with the concurrent and
 * out-of-order cases run many times from separate connections.
 */
import { randomUUID } from 'node:crypto';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Db, markDeleted, newClients, newPool, newTenant, rawRow, record } from './helpers';

let pool: pg.Pool;
beforeAll(() => {
  pool = newPool(10);
});
afterAll(async () => {
  await pool.end();
});

const get = async (db: Db, uuid: string, tenant: string, version?: number | null, alias?: string | null) =>
  (
    await db.query(
      'SELECT public.artifact_get(p_uuid => $1, p_tenant_id => $2, p_version => $3, p_alias => $4) AS r',
      [uuid, tenant, version ?? null, alias ?? null],
    )
  ).rows[0].r;
const versionRows = async (uuid: string) =>
  (
    await pool.query('SELECT version FROM artifact_versions WHERE uuid = $1 ORDER BY version', [uuid])
  ).rows.map((r) => r.version);
const setAlias = async (uuid: string, tenant: string, alias: string, version: number) =>
  (
    await pool.query(
      'SELECT public.artifact_alias_set(p_uuid => $1, p_tenant_id => $2, p_alias => $3, p_version => $4) AS r',
      [uuid, tenant, alias, version],
    )
  ).rows[0].r;
const status = async (uuid: string, tenant: string) =>
  (await pool.query('SELECT public.artifact_status(p_uuid => $1, p_tenant_id => $2) AS r', [uuid, tenant]))
    .rows[0].r;

const shuffled = <T>(items: T[]) => [...items].sort(() => Math.random() - 0.5);

describe('recording versions', () => {
  it('any order: the row describes the latest; every version is kept', async () => {
    const tenant = newTenant();
    const uuid = randomUUID();
    expect(await record(pool, { uuid, tenant_id: tenant, generation: 30, version: 3 })).toBe('inserted');
    expect(await record(pool, { uuid, tenant_id: tenant, generation: 10, version: 1 })).toBe('version_added');
    expect(await record(pool, { uuid, tenant_id: tenant, generation: 20, version: 2 })).toBe('version_added');
    expect(await record(pool, { uuid, tenant_id: tenant, generation: 20, version: 2 })).toBe('unchanged');
    expect(await record(pool, { uuid, tenant_id: tenant, generation: 40, version: 4 })).toBe('updated');
    expect((await rawRow(pool, uuid))!.metadata).toMatchObject({ version: 4, generation: '40' });
    expect(await versionRows(uuid)).toEqual([1, 2, 3, 4]);
    expect(await get(pool, uuid, tenant)).toMatchObject({ version: 4, latest_version: 4 });
    expect(await get(pool, uuid, tenant, 2)).toMatchObject({
      version: 2,
      latest_version: 4,
      file_path: `artifacts/workflow/${tenant}/${uuid}/v2.json`,
    });
    expect(await get(pool, uuid, tenant, 7)).toBeNull();
  });

  it("a version whose manifest path is not its version's is id_conflict", async () => {
    const tenant = newTenant();
    const uuid = randomUUID();
    expect(
      await record(pool, {
        uuid,
        tenant_id: tenant,
        generation: 1,
        version: 2,
        file_path: `artifacts/workflow/${tenant}/${uuid}.json`,
      }),
    ).toBe('id_conflict');
    expect(await versionRows(uuid)).toEqual([]);
  });

  it('10 versions recorded concurrently from 10 connections, shuffled, 10 rounds: one row at 10, no gap, no duplicate', async () => {
    const clients = await newClients(10);
    try {
      for (let round = 0; round < 10; round++) {
        const tenant = newTenant();
        const uuid = randomUUID();
        const versions = shuffled([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
        const outcomes = await Promise.all(
          versions.map((v, i) =>
            record(clients[i]!, { uuid, tenant_id: tenant, generation: v * 100, version: v }),
          ),
        );
        expect(outcomes.filter((o) => o === 'inserted')).toHaveLength(1);
        expect(outcomes.every((o) => ['inserted', 'updated', 'version_added'].includes(o))).toBe(true);
        expect(await versionRows(uuid)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
        expect((await rawRow(pool, uuid))!.metadata.version).toBe(10);
      }
    } finally {
      await Promise.all(clients.map((c) => c.end()));
    }
  });

  it('a delete racing the record of a new version always ends deleted, with no version left, 20 rounds', async () => {
    const [a, b] = await newClients(2);
    try {
      for (let round = 0; round < 20; round++) {
        const tenant = newTenant();
        const uuid = randomUUID();
        await record(pool, { uuid, tenant_id: tenant, generation: 1, version: 1 });
        const [recorded] = await Promise.all([
          record(a!, { uuid, tenant_id: tenant, generation: 2, version: 2 }),
          markDeleted(b!, { uuid, tenant_id: tenant }),
        ]);
        expect(['updated', 'deleted']).toContain(recorded);
        expect((await rawRow(pool, uuid))!.deleted).toBe(true);
        expect(await versionRows(uuid)).toEqual([]);
        expect(await record(pool, { uuid, tenant_id: tenant, generation: 3, version: 3 })).toBe('deleted');
      }
    } finally {
      await a!.end();
      await b!.end();
    }
  });

  it("a deleted event for an older version's manifest removes that version only", async () => {
    const tenant = newTenant();
    const uuid = randomUUID();
    await record(pool, { uuid, tenant_id: tenant, generation: 10, version: 1, aliases: ['old'] });
    await record(pool, { uuid, tenant_id: tenant, generation: 20, version: 2 });
    expect(
      await markDeleted(pool, {
        uuid,
        tenant_id: tenant,
        generation: 10,
        artifact_type: 'workflow',
        file_path: `artifacts/workflow/${tenant}/${uuid}.json`,
      }),
    ).toBe('version_removed');
    expect(await versionRows(uuid)).toEqual([2]);
    expect(await get(pool, uuid, tenant, null, 'old')).toBeNull();
    expect(await get(pool, uuid, tenant)).toMatchObject({ version: 2 });
  });
});

describe('aliases', () => {
  it('requests move an alias only forward; the API sets it anywhere; latest is reserved', async () => {
    const tenant = newTenant();
    const uuid = randomUUID();
    await record(pool, { uuid, tenant_id: tenant, generation: 30, version: 3, aliases: ['prod'] });
    await record(pool, { uuid, tenant_id: tenant, generation: 10, version: 1, aliases: ['prod', 'first'] });
    expect(await get(pool, uuid, tenant, null, 'prod')).toMatchObject({ version: 3, aliases: ['prod'] });
    expect(await get(pool, uuid, tenant, null, 'first')).toMatchObject({ version: 1, aliases: ['first'] });
    const moved = await setAlias(uuid, tenant, 'prod', 1);
    expect(moved).toEqual({
      outcome: 'set',
      artifact_type: 'workflow',
      moved_at: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/),
    });
    expect(await get(pool, uuid, tenant, 1)).toMatchObject({ aliases: ['first', 'prod'] });
    // The same PUT again moves nothing: the same moved_at (one alias.moved event_id); a real move, a new one.
    expect(await setAlias(uuid, tenant, 'prod', 1)).toEqual(moved);
    const there = await setAlias(uuid, tenant, 'prod', 3);
    const back = await setAlias(uuid, tenant, 'prod', 1);
    expect(new Set([moved.moved_at, there.moved_at, back.moved_at]).size).toBe(3);
    expect(await setAlias(uuid, tenant, 'prod', 2)).toEqual({ outcome: 'not_found' });
    expect(await setAlias(uuid, newTenant('other'), 'prod', 1)).toEqual({ outcome: 'not_found' });
    await expect(setAlias(uuid, tenant, 'latest', 1)).rejects.toMatchObject({ code: '22023' });
    expect(await get(pool, uuid, tenant, null, 'latest')).toMatchObject({ version: 3 });
    const del = async (t: string, alias: string) =>
      (
        await pool.query(
          'SELECT public.artifact_alias_delete(p_uuid => $1, p_tenant_id => $2, p_alias => $3) AS r',
          [uuid, t, alias],
        )
      ).rows[0].r;
    expect(await del(newTenant('other'), 'prod')).toBe('not_found');
    expect(await del(tenant, 'prod')).toBe('deleted');
    expect(await del(tenant, 'prod')).toBe('not_found');
    expect(await get(pool, uuid, tenant, null, 'prod')).toBeNull();
  });

  it('20 concurrent moves of one alias from separate connections leave it on one of the versions asked', async () => {
    const tenant = newTenant();
    const uuid = randomUUID();
    for (let v = 1; v <= 5; v++) await record(pool, { uuid, tenant_id: tenant, generation: v, version: v });
    const clients = await newClients(5);
    try {
      await Promise.all(
        Array.from({ length: 20 }, (_, i) =>
          clients[i % 5]!.query(
            'SELECT public.artifact_alias_set(p_uuid => $1, p_tenant_id => $2, p_alias => $3, p_version => $4)',
            [uuid, tenant, 'moving', (i % 5) + 1],
          ),
        ),
      );
      const { rows } = await pool.query('SELECT count(*)::int AS n FROM artifact_aliases WHERE uuid = $1', [
        uuid,
      ]);
      expect(rows[0].n).toBe(1);
      expect([1, 2, 3, 4, 5]).toContain((await get(pool, uuid, tenant, null, 'moving')).version);
    } finally {
      await Promise.all(clients.map((c) => c.end()));
    }
  });
});

describe('retention per version', () => {
  it('an expired older version reads as not found; an expired latest makes the whole artifact not found', async () => {
    const tenant = newTenant();
    const uuid = randomUUID();
    const past = new Date(Date.now() - 60_000);
    await record(pool, { uuid, tenant_id: tenant, generation: 1, version: 1, expires_at: past });
    await record(pool, { uuid, tenant_id: tenant, generation: 2, version: 2 });
    expect(await get(pool, uuid, tenant, 1)).toBeNull();
    expect(await get(pool, uuid, tenant)).toMatchObject({ version: 2 });
    await record(pool, { uuid, tenant_id: tenant, generation: 3, version: 3, expires_at: past });
    expect(await get(pool, uuid, tenant)).toBeNull();
    expect(await get(pool, uuid, tenant, 2)).toBeNull();
  });
});

describe('versions list', () => {
  it('newest first in keyset pages; null for another tenant', async () => {
    const tenant = newTenant();
    const uuid = randomUUID();
    for (let v = 1; v <= 5; v++) await record(pool, { uuid, tenant_id: tenant, generation: v, version: v });
    const page = async (t: string, before?: number) =>
      (
        await pool.query(
          'SELECT public.artifact_versions_list(p_uuid => $1, p_tenant_id => $2, p_limit => 2, p_before_version => $3) AS r',
          [uuid, t, before ?? null],
        )
      ).rows[0].r;
    const first = await page(tenant);
    expect(first.items.map((i: { version: number }) => i.version)).toEqual([5, 4]);
    expect(first.next).toBe(4);
    const second = await page(tenant, 4);
    expect(second.items.map((i: { version: number }) => i.version)).toEqual([3, 2]);
    const last = await page(tenant, 2);
    expect(last).toMatchObject({ items: [{ version: 1 }], next: null });
    expect(await page(newTenant('other'))).toBeNull();
  });
});

describe('status', () => {
  it('stored with its version, deleted, rejected with its code, unknown — and unknown for another tenant', async () => {
    const tenant = newTenant();
    const uuid = randomUUID();
    expect(await status(uuid, tenant)).toEqual({ state: 'unknown' });
    await pool.query(
      "SELECT public.artifact_reject(p_uuid => $1, p_tenant_id => $2, p_message_id => 'm1', p_error_code => 'INVALID_ARTIFACT', p_quarantine_path => 'q')",
      [uuid, tenant],
    );
    expect(await status(uuid, tenant)).toEqual({ state: 'rejected', error_code: 'INVALID_ARTIFACT' });
    expect(await status(uuid, newTenant('other'))).toEqual({ state: 'unknown' });
    await record(pool, {
      uuid,
      tenant_id: tenant,
      generation: 1,
      version: 1,
      metadata: { message_id: 'm1b' },
    });
    await record(pool, {
      uuid,
      tenant_id: tenant,
      generation: 2,
      version: 2,
      metadata: { message_id: 'm4' },
    });
    expect(await status(uuid, tenant)).toEqual({ state: 'stored', version: 2 });
    expect(await status(uuid, newTenant('other'))).toEqual({ state: 'unknown' });
    // A revision refused while the artifact is stored: reported for its own message only.
    await pool.query(
      "SELECT public.artifact_reject(p_uuid => $1, p_tenant_id => $2, p_message_id => 'm2', p_error_code => 'VERSION_CONFLICT', p_quarantine_path => 'q2')",
      [uuid, tenant],
    );
    const byMessage = async (m: string) =>
      (
        await pool.query(
          'SELECT public.artifact_status(p_uuid => $1, p_tenant_id => $2, p_message_id => $3) AS r',
          [uuid, tenant, m],
        )
      ).rows[0].r;
    expect(await byMessage('m2')).toEqual({ state: 'rejected', error_code: 'VERSION_CONFLICT' });
    // Each message answers for itself: the version it created, or unknown until its outcome is recorded.
    expect(await byMessage('m1b')).toEqual({ state: 'stored', version: 1 });
    expect(await byMessage('m4')).toEqual({ state: 'stored', version: 2 });
    expect(await byMessage('m3')).toEqual({ state: 'unknown' });
    // A redelivery or a re-publish of content already stored: the version that content is, idempotently.
    for (let i = 0; i < 2; i += 1) {
      await pool.query(
        "SELECT public.artifact_note_stored(p_uuid => $1, p_tenant_id => $2, p_message_id => 'm3', p_version => 1)",
        [uuid, tenant],
      );
    }
    expect(await byMessage('m3')).toEqual({ state: 'stored', version: 1 });
    expect(await byMessage('m3')).toEqual(await byMessage('m1b'));
    expect(await status(uuid, tenant)).toEqual({ state: 'stored', version: 2 });
    await markDeleted(pool, { uuid, tenant_id: tenant });
    expect(await status(uuid, tenant)).toEqual({ state: 'deleted' });
  });

  it('an artifact whose latest version expired reads as deleted', async () => {
    const tenant = newTenant();
    const uuid = randomUUID();
    await record(pool, { uuid, tenant_id: tenant, generation: 1, expires_at: new Date(Date.now() - 1000) });
    expect(await status(uuid, tenant)).toEqual({ state: 'deleted' });
  });
});

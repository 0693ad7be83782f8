import { randomUUID } from 'node:crypto';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  get,
  insertPlainFile,
  type ListArgs,
  list,
  markDeleted,
  newPool,
  newTenant,
  rawRow,
  record,
} from './helpers';

let pool: pg.Pool;
beforeAll(() => {
  pool = newPool();
});
afterAll(async () => {
  await pool.end();
});

const MICROS = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,6})?\+00:00$/;

async function setCreatedAt(uuid: string, createdAt: string): Promise<void> {
  await pool.query('UPDATE project_files SET created_at = $2::timestamptz WHERE uuid = $1', [
    uuid,
    createdAt,
  ]);
}

/** Every item of every page, following `next`, checking that each page is at most `limit` long. */
async function allPages(args: ListArgs, limit: number): Promise<{ uuids: string[]; pages: number }> {
  const uuids: string[] = [];
  let pages = 0;
  let after: { created_at: string; uuid: string } | null = null;
  do {
    const page = await list(pool, {
      ...args,
      limit,
      after_created_at: after?.created_at,
      after_uuid: after?.uuid,
    });
    pages++;
    expect(page.items.length).toBeLessThanOrEqual(limit);
    uuids.push(...page.items.map((item) => item.uuid as string));
    if (page.next) {
      expect(page.next).toEqual({ created_at: page.items.at(-1)!.created_at, uuid: page.items.at(-1)!.uuid });
    }
    after = page.next;
    if (pages > 100) throw new Error('paging does not end');
  } while (after);
  return { uuids, pages };
}

describe('artifact_get', () => {
  it("returns the tenant's live row with all columns, timestamps in UTC with microseconds", async () => {
    const uuid = randomUUID();
    const tenant = newTenant();
    await record(pool, { uuid, tenant_id: tenant, generation: 3, metadata: { execution_id: 'e' } });
    const row = await get(pool, uuid, tenant);
    expect(row).not.toBeNull();
    expect(Object.keys(row!)).toEqual(
      expect.arrayContaining([
        'uuid',
        'user_id',
        'tenant_id',
        'ui_name',
        'file_path',
        'file_type',
        'mime_type',
        'file_size',
        'file_hash',
        'status',
        'created_at',
        'updated_at',
        'deleted',
        'metadata',
        'artifact_type',
        'expires_at',
      ]),
    );
    expect(row).toMatchObject({
      uuid,
      tenant_id: tenant,
      deleted: false,
      metadata: { execution_id: 'e', generation: '3' },
    });
    expect(row!.created_at).toMatch(MICROS);
    const { rows } = await pool.query(
      `SELECT to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US') AS at FROM project_files WHERE uuid = $1`,
      [uuid],
    );
    // The JSON rendering drops trailing zeros of the fraction, nothing else.
    expect(row!.created_at).toBe(`${rows[0].at.replace(/\.?0+$/, '')}+00:00`);
  });

  it("hides another tenant's row, an unknown id and a row that is not an artifact", async () => {
    const uuid = randomUUID();
    const tenant = newTenant();
    await record(pool, { uuid, tenant_id: tenant, generation: 1 });
    expect(await get(pool, uuid, newTenant('other'))).toBeNull();
    expect(await get(pool, randomUUID(), tenant)).toBeNull();
    const plain = randomUUID();
    await insertPlainFile(pool, plain, tenant);
    expect(await get(pool, plain, tenant)).toBeNull();
  });

  it('hides a deleted row and a tombstone', async () => {
    const tenant = newTenant();
    const uuid = randomUUID();
    await record(pool, { uuid, tenant_id: tenant, generation: 1 });
    await markDeleted(pool, { uuid, tenant_id: tenant });
    expect(await get(pool, uuid, tenant)).toBeNull();
    const tomb = randomUUID();
    await markDeleted(pool, {
      uuid: tomb,
      tenant_id: tenant,
      generation: 1,
      artifact_type: 'sop',
      file_path: 'p',
    });
    expect(await get(pool, tomb, tenant)).toBeNull();
  });

  it('hides an expired row (expires_at <= now) and shows one that expires later', async () => {
    const tenant = newTenant();
    const expired = randomUUID();
    await record(pool, {
      uuid: expired,
      tenant_id: tenant,
      generation: 1,
      expires_at: new Date(Date.now() - 1000),
    });
    expect(await get(pool, expired, tenant)).toBeNull();
    expect(await rawRow(pool, expired)).toBeDefined();
    const exact = randomUUID();
    await record(pool, { uuid: exact, tenant_id: tenant, generation: 1 });
    await pool.query('UPDATE project_files SET expires_at = now() WHERE uuid = $1', [exact]);
    expect(await get(pool, exact, tenant)).toBeNull();
    const later = randomUUID();
    const expiresAt = new Date(Date.now() + 3_600_000);
    await record(pool, { uuid: later, tenant_id: tenant, generation: 1, expires_at: expiresAt });
    const row = await get(pool, later, tenant);
    expect(new Date(row!.expires_at).getTime()).toBe(expiresAt.getTime());
  });

  it('rejects a NULL tenant with 22023', async () => {
    await expect(get(pool, randomUUID(), null)).rejects.toMatchObject({ code: '22023' });
  });
});

describe('artifact_list', () => {
  it("lists only the tenant's live artifact rows, newest first", async () => {
    const tenant = newTenant();
    const ids = Array.from({ length: 4 }, () => randomUUID());
    for (const [i, uuid] of ids.entries()) {
      await record(pool, { uuid, tenant_id: tenant, generation: 1 });
      await setCreatedAt(uuid, `2026-01-0${i + 1}T00:00:00Z`);
    }
    // Not listed: deleted, tombstone, expired, another tenant's, a plain file of the same tenant.
    const deleted = randomUUID();
    await record(pool, { uuid: deleted, tenant_id: tenant, generation: 1 });
    await markDeleted(pool, { uuid: deleted, tenant_id: tenant });
    await markDeleted(pool, {
      uuid: randomUUID(),
      tenant_id: tenant,
      generation: 1,
      artifact_type: 'sop',
      file_path: 'p',
    });
    await record(pool, {
      uuid: randomUUID(),
      tenant_id: tenant,
      generation: 1,
      expires_at: new Date(Date.now() - 1),
    });
    await record(pool, { uuid: randomUUID(), tenant_id: newTenant('other'), generation: 1 });
    await insertPlainFile(pool, randomUUID(), tenant);

    const page = await list(pool, { tenant_id: tenant });
    expect(page.items.map((item) => item.uuid)).toEqual([...ids].reverse());
    expect(page.next).toBeNull();
    expect(page.items[0]).toMatchObject({ tenant_id: tenant, artifact_type: 'workflow', deleted: false });
    expect(page.items[0]!.created_at).toBe('2026-01-04T00:00:00+00:00');
  });

  it('applies the artifact_type, execution_id and session_id filters, alone and together', async () => {
    const tenant = newTenant();
    const rows = [
      { type: 'workflow', exec: 'e1', sess: 's1' },
      { type: 'workflow', exec: 'e2', sess: 's1' },
      { type: 'sop', exec: 'e1', sess: 's2' },
      { type: 'sop', exec: 'e2', sess: 's2' },
    ].map((r) => ({ ...r, uuid: randomUUID() }));
    for (const r of rows) {
      await record(pool, {
        uuid: r.uuid,
        tenant_id: tenant,
        generation: 1,
        artifact_type: r.type,
        metadata: { execution_id: r.exec, session_id: r.sess },
      });
    }
    const ids = async (args: Omit<ListArgs, 'tenant_id'>) =>
      (await list(pool, { tenant_id: tenant, ...args })).items.map((item) => item.uuid).sort();
    const expected = (pred: (r: (typeof rows)[number]) => boolean) =>
      rows
        .filter(pred)
        .map((r) => r.uuid)
        .sort();
    expect(await ids({ artifact_type: 'sop' })).toEqual(expected((r) => r.type === 'sop'));
    expect(await ids({ execution_id: 'e1' })).toEqual(expected((r) => r.exec === 'e1'));
    expect(await ids({ session_id: 's1' })).toEqual(expected((r) => r.sess === 's1'));
    expect(await ids({ artifact_type: 'workflow', execution_id: 'e2' })).toEqual(
      expected((r) => r.type === 'workflow' && r.exec === 'e2'),
    );
    expect(await ids({ artifact_type: 'sop', session_id: 's1' })).toEqual([]);
    expect(await ids({ artifact_type: 'blueprint' })).toEqual([]);
    expect(await ids({})).toEqual(expected(() => true));
  });

  it('pages through rows sharing one created_at (one transaction) with limit 2: no repeats, no gaps', async () => {
    const tenant = newTenant();
    const ids = Array.from({ length: 7 }, () => randomUUID());
    const client = await pool.connect();
    try {
      await client.query('BEGIN');
      for (const uuid of ids) await record(client, { uuid, tenant_id: tenant, generation: 1 });
      await client.query('COMMIT');
    } finally {
      client.release();
    }
    const { rows } = await pool.query(
      'SELECT count(DISTINCT created_at)::int AS n FROM project_files WHERE tenant_id = $1',
      [tenant],
    );
    expect(rows[0].n).toBe(1);
    const { uuids, pages } = await allPages({ tenant_id: tenant }, 2);
    expect(pages).toBe(4);
    expect(uuids).toEqual([...ids].sort().reverse());
  });

  it('pages with every limit over a mix of equal and distinct created_at, filters applied', async () => {
    const tenant = newTenant();
    const times = [
      '2026-02-01T00:00:00Z',
      '2026-02-01T00:00:00Z',
      '2026-02-02T00:00:00Z',
      '2026-02-03T00:00:00Z',
    ];
    const made: { uuid: string; at: string; type: string }[] = [];
    for (let i = 0; i < 12; i++) {
      const uuid = randomUUID();
      const type = i % 3 === 0 ? 'sop' : 'workflow';
      await record(pool, { uuid, tenant_id: tenant, generation: 1, artifact_type: type });
      const at = times[i % times.length]!;
      await setCreatedAt(uuid, at);
      made.push({ uuid, at, type });
    }
    const order = (a: (typeof made)[number], b: (typeof made)[number]) =>
      a.at === b.at ? (a.uuid < b.uuid ? 1 : -1) : a.at < b.at ? 1 : -1;
    const all = [...made].sort(order).map((m) => m.uuid);
    const workflows = [...made]
      .filter((m) => m.type === 'workflow')
      .sort(order)
      .map((m) => m.uuid);
    for (const limit of [1, 2, 3, 5, 12, 13]) {
      expect((await allPages({ tenant_id: tenant }, limit)).uuids).toEqual(all);
      expect((await allPages({ tenant_id: tenant, artifact_type: 'workflow' }, limit)).uuids).toEqual(
        workflows,
      );
    }
  });

  it('keeps microseconds in next.created_at, so passing it back loses nothing', async () => {
    const tenant = newTenant();
    const at = ['2026-03-01T10:00:00.123457Z', '2026-03-01T10:00:00.123456Z', '2026-03-01T10:00:00.123455Z'];
    const ids: string[] = [];
    for (const t of at) {
      const uuid = randomUUID();
      await record(pool, { uuid, tenant_id: tenant, generation: 1 });
      await setCreatedAt(uuid, t);
      ids.push(uuid);
    }
    const first = await list(pool, { tenant_id: tenant, limit: 1 });
    expect(first.items.map((i) => i.uuid)).toEqual([ids[0]]);
    expect(first.next).toEqual({ created_at: '2026-03-01T10:00:00.123457+00:00', uuid: ids[0] });
    const { uuids } = await allPages({ tenant_id: tenant }, 1);
    expect(uuids).toEqual(ids);
  });

  it('answers next null when the last page is exactly full, and an empty list for a tenant with nothing', async () => {
    const tenant = newTenant();
    for (let i = 0; i < 3; i++) await record(pool, { uuid: randomUUID(), tenant_id: tenant, generation: 1 });
    const page = await list(pool, { tenant_id: tenant, limit: 3 });
    expect(page.items).toHaveLength(3);
    expect(page.next).toBeNull();
    const more = await list(pool, { tenant_id: tenant, limit: 2 });
    expect(more.items).toHaveLength(2);
    expect(more.next).not.toBeNull();
    expect(await list(pool, { tenant_id: newTenant('empty') })).toEqual({ items: [], next: null });
  });

  it('defaults to 50 items and accepts limits 1 and 200', async () => {
    const tenant = newTenant();
    await pool.query(
      `SELECT public.artifact_record(
         p_uuid => s.u, p_tenant_id => $1, p_artifact_type => 'sop', p_user_id => NULL,
         p_ui_name => 'x', p_file_path => 'artifacts/sop/' || $1 || '/' || s.u || '.json', p_file_size => 1,
         p_file_hash => 'h', p_generation => 1, p_expires_at => NULL, p_metadata => '{}')
       FROM (SELECT gen_random_uuid() AS u FROM generate_series(1, 51)) AS s`,
      [tenant],
    );
    const page = await list(pool, { tenant_id: tenant });
    expect(page.items).toHaveLength(50);
    expect(page.next).not.toBeNull();
    expect((await list(pool, { tenant_id: tenant, limit: 1 })).items).toHaveLength(1);
    const big = await list(pool, { tenant_id: tenant, limit: 200 });
    expect(big.items).toHaveLength(51);
    expect(big.next).toBeNull();
  });

  it.each([
    ['limit 0', { limit: 0 }, /p_limit/],
    ['limit 201', { limit: 201 }, /p_limit/],
    ['limit -1', { limit: -1 }, /p_limit/],
    ['a NULL limit', { limit: null }, /p_limit/],
    ['p_after_created_at without p_after_uuid', { after_created_at: '2026-01-01T00:00:00Z' }, /p_after/],
    ['p_after_uuid without p_after_created_at', { after_uuid: randomUUID() }, /p_after/],
  ])('rejects %s with SQLSTATE 22023', async (_label, args, message) => {
    await expect(list(pool, { tenant_id: newTenant(), ...args })).rejects.toMatchObject({
      code: '22023',
      message: expect.stringMatching(message),
    });
  });

  it('rejects a NULL tenant with 22023', async () => {
    await expect(list(pool, { tenant_id: null })).rejects.toMatchObject({ code: '22023' });
  });
});

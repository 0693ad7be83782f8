import { randomUUID } from 'node:crypto';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  claim,
  get,
  insertPlainFile,
  markDeleted,
  newClients,
  newPool,
  newTenant,
  rawRow,
  record,
  rowCount,
} from './helpers';

let pool: pg.Pool;
beforeAll(() => {
  pool = newPool();
});
afterAll(async () => {
  await pool.end();
});

describe('artifact_record', () => {
  it('inserts a new row with the artifact shape and the generation as a decimal string', async () => {
    const uuid = randomUUID();
    const tenant = newTenant();
    const outcome = await record(pool, {
      uuid,
      tenant_id: tenant,
      generation: '1732781234567890',
      artifact_type: 'sop',
      user_id: 'user-9',
      ui_name: 'My SOP',
      file_size: 4321,
      file_hash: 'b'.repeat(64),
      metadata: { execution_id: 'e-1', session_id: 's-1', component_count: 2, has_visuals: false },
    });
    expect(outcome).toBe('inserted');
    const row = await rawRow(pool, uuid);
    expect(row).toMatchObject({
      uuid,
      tenant_id: tenant,
      artifact_type: 'sop',
      user_id: 'user-9',
      ui_name: 'My SOP',
      file_path: `artifacts/sop/${tenant}/${uuid}.json`,
      file_type: 'artifact',
      mime_type: 'application/json',
      file_size: 4321,
      file_hash: 'b'.repeat(64),
      status: 'active',
      deleted: false,
      expires_at: null,
      metadata: {
        execution_id: 'e-1',
        session_id: 's-1',
        component_count: 2,
        has_visuals: false,
        generation: '1732781234567890',
      },
    });
    expect(row!.created_at).toBe(row!.updated_at);
  });

  it('stores p_generation over any generation key inside p_metadata, and accepts a NULL p_metadata', async () => {
    const tenant = newTenant();
    const a = randomUUID();
    expect(
      await record(pool, { uuid: a, tenant_id: tenant, generation: 3, metadata: { generation: '999' } }),
    ).toBe('inserted');
    expect((await rawRow(pool, a))!.metadata.generation).toBe('3');
    const b = randomUUID();
    expect(await record(pool, { uuid: b, tenant_id: tenant, generation: 4, metadata: null })).toBe(
      'inserted',
    );
    expect((await rawRow(pool, b))!.metadata).toEqual({ generation: '4', version: 1 });
  });

  it('a newer generation updates the row, keeps created_at and sets updated_at', async () => {
    const uuid = randomUUID();
    const tenant = newTenant();
    expect(await record(pool, { uuid, tenant_id: tenant, generation: 1 })).toBe('inserted');
    const before = (await rawRow(pool, uuid))!;
    const expiresAt = new Date(Date.now() + 86_400_000).toISOString();
    const outcome = await record(pool, {
      uuid,
      tenant_id: tenant,
      generation: 2,
      ui_name: 'renamed',
      file_size: 99,
      file_hash: 'c'.repeat(64),
      expires_at: expiresAt,
      metadata: { execution_id: 'exec-2' },
    });
    expect(outcome).toBe('updated');
    const after = (await rawRow(pool, uuid))!;
    expect(after).toMatchObject({
      ui_name: 'renamed',
      file_size: 99,
      file_hash: 'c'.repeat(64),
      status: 'active',
      deleted: false,
      metadata: { execution_id: 'exec-2', generation: '2' },
    });
    expect(after.metadata.session_id).toBeUndefined();
    expect(new Date(after.expires_at).toISOString()).toBe(expiresAt);
    expect(after.created_at).toBe(before.created_at);
    expect(new Date(after.updated_at).getTime()).toBeGreaterThan(new Date(before.updated_at).getTime());
  });

  it('a duplicate record (same generation) is unchanged and writes nothing (idempotent)', async () => {
    const uuid = randomUUID();
    const tenant = newTenant();
    expect(await record(pool, { uuid, tenant_id: tenant, generation: 5 })).toBe('inserted');
    const before = await rawRow(pool, uuid);
    expect(await record(pool, { uuid, tenant_id: tenant, generation: 5 })).toBe('unchanged');
    expect(await record(pool, { uuid, tenant_id: tenant, generation: 5, ui_name: 'other' })).toBe(
      'unchanged',
    );
    expect(await rawRow(pool, uuid)).toEqual(before);
    expect(await rowCount(pool, uuid)).toBe(1);
  });

  it('an older generation is stale and changes nothing', async () => {
    const uuid = randomUUID();
    const tenant = newTenant();
    expect(await record(pool, { uuid, tenant_id: tenant, generation: 10 })).toBe('inserted');
    const before = await rawRow(pool, uuid);
    expect(await record(pool, { uuid, tenant_id: tenant, generation: 9, ui_name: 'older' })).toBe('stale');
    expect(await rawRow(pool, uuid)).toEqual(before);
  });

  it('compares generations as numbers, not strings', async () => {
    const uuid = randomUUID();
    const tenant = newTenant();
    expect(await record(pool, { uuid, tenant_id: tenant, generation: 9 })).toBe('inserted');
    expect(await record(pool, { uuid, tenant_id: tenant, generation: 10 })).toBe('updated');
    expect(await record(pool, { uuid, tenant_id: tenant, generation: 9 })).toBe('stale');
    expect((await rawRow(pool, uuid))!.metadata.generation).toBe('10');
  });

  it("refuses another tenant's uuid untouched (tenant_conflict), live or deleted", async () => {
    const uuid = randomUUID();
    const owner = newTenant('owner');
    const intruder = newTenant('intruder');
    expect(await record(pool, { uuid, tenant_id: owner, generation: 1 })).toBe('inserted');
    const before = await rawRow(pool, uuid);
    expect(await record(pool, { uuid, tenant_id: intruder, generation: 2 })).toBe('tenant_conflict');
    expect(await record(pool, { uuid, tenant_id: intruder, generation: 1 })).toBe('tenant_conflict');
    expect(await rawRow(pool, uuid)).toEqual(before);
    expect(await markDeleted(pool, { uuid, tenant_id: owner })).toBe('deleted');
    const deleted = await rawRow(pool, uuid);
    expect(await record(pool, { uuid, tenant_id: intruder, generation: 3 })).toBe('tenant_conflict');
    expect(await rawRow(pool, uuid)).toEqual(deleted);
  });

  it('does not take over a row of the platform that is not an artifact (tenant_conflict)', async () => {
    const uuid = randomUUID();
    const tenant = newTenant();
    await insertPlainFile(pool, uuid, tenant);
    const before = await rawRow(pool, uuid);
    expect(await record(pool, { uuid, tenant_id: tenant, generation: 1 })).toBe('tenant_conflict');
    expect(await rawRow(pool, uuid)).toEqual(before);
  });

  it('refuses the same id under another type, or another path, for a live row (id_conflict), untouched', async () => {
    const uuid = randomUUID();
    const tenant = newTenant();
    expect(await record(pool, { uuid, tenant_id: tenant, generation: 1, artifact_type: 'workflow' })).toBe(
      'inserted',
    );
    const before = await rawRow(pool, uuid);
    expect(await record(pool, { uuid, tenant_id: tenant, generation: 2, artifact_type: 'sop' })).toBe(
      'id_conflict',
    );
    expect(
      await record(pool, {
        uuid,
        tenant_id: tenant,
        generation: 3,
        file_path: `artifacts/elsewhere/${uuid}.json`,
      }),
    ).toBe('id_conflict');
    expect(await rawRow(pool, uuid)).toEqual(before);
  });

  it('honours a claim made before any row: another tenant or type is refused, the claimant records', async () => {
    const uuid = randomUUID();
    const owner = newTenant('owner');
    expect(await claim(pool, uuid, owner, 'roadmap')).toBe('free');
    expect(
      await record(pool, { uuid, tenant_id: newTenant('other'), generation: 1, artifact_type: 'roadmap' }),
    ).toBe('tenant_conflict');
    expect(await record(pool, { uuid, tenant_id: owner, generation: 1, artifact_type: 'poc' })).toBe(
      'id_conflict',
    );
    expect(await rowCount(pool, uuid)).toBe(0);
    expect(await record(pool, { uuid, tenant_id: owner, generation: 1, artifact_type: 'roadmap' })).toBe(
      'inserted',
    );
  });

  it('never undeletes: a deleted row stays deleted and untouched, whatever the generation', async () => {
    const uuid = randomUUID();
    const tenant = newTenant();
    expect(await record(pool, { uuid, tenant_id: tenant, generation: 1 })).toBe('inserted');
    expect(await markDeleted(pool, { uuid, tenant_id: tenant })).toBe('deleted');
    const before = await rawRow(pool, uuid);
    expect(await record(pool, { uuid, tenant_id: tenant, generation: 1 })).toBe('deleted');
    expect(await record(pool, { uuid, tenant_id: tenant, generation: 2 })).toBe('deleted');
    expect(await rawRow(pool, uuid)).toEqual(before);
    expect(await get(pool, uuid, tenant)).toBeNull();
  });

  it('a finalize arriving after its delete (tombstone) cannot resurrect the id', async () => {
    const uuid = randomUUID();
    const tenant = newTenant();
    const path = `artifacts/workflow/${tenant}/${uuid}.json`;
    expect(
      await markDeleted(pool, {
        uuid,
        tenant_id: tenant,
        generation: 7,
        artifact_type: 'workflow',
        file_path: path,
      }),
    ).toBe('tombstoned');
    const tombstone = await rawRow(pool, uuid);
    expect(await record(pool, { uuid, tenant_id: tenant, generation: 7 })).toBe('deleted');
    expect(await record(pool, { uuid, tenant_id: tenant, generation: 8 })).toBe('deleted');
    expect(await rawRow(pool, uuid)).toEqual(tombstone);
    expect(await get(pool, uuid, tenant)).toBeNull();
    expect(await claim(pool, uuid, tenant)).toBe('deleted');
  });

  it.each([
    ['a NULL p_uuid', { uuid: null }, /p_uuid/],
    ['a NULL p_tenant_id', { tenant_id: null }, /p_tenant_id/],
    ['an empty p_tenant_id', { tenant_id: '  ' }, /p_tenant_id/],
    ['a NULL p_artifact_type', { artifact_type: null }, /p_artifact_type/],
    ['a malformed p_artifact_type', { artifact_type: 'Work Flow' }, /p_artifact_type/],
    ['a NULL p_file_path', { file_path: null }, /p_file_path/],
    ['a negative p_file_size', { file_size: -1 }, /p_file_size/],
    ['a NULL p_file_size', { file_size: null }, /p_file_size/],
    ['a NULL p_file_hash', { file_hash: null }, /p_file_hash/],
    ['a zero p_generation', { generation: 0 }, /p_generation/],
    ['a negative p_generation', { generation: -5 }, /p_generation/],
    ['a NULL p_generation', { generation: null }, /p_generation/],
    ['a p_metadata that is not an object', { metadata: ['x'] }, /p_metadata/],
  ])('rejects %s with SQLSTATE 22023 and writes nothing', async (_label, override, message) => {
    const uuid = randomUUID();
    const args = { uuid, tenant_id: newTenant(), generation: 1, ...override } as Parameters<typeof record>[1];
    await expect(record(pool, args)).rejects.toMatchObject({
      code: '22023',
      message: expect.stringMatching(message),
    });
    expect(await rowCount(pool, uuid)).toBe(0);
  });
});

describe('artifact_record under concurrency', () => {
  let clients: pg.Client[] = [];
  beforeAll(async () => {
    clients = await newClients(20);
  });
  afterAll(async () => {
    await Promise.all(clients.map((client) => client.end()));
  });

  it('20 concurrent records of one uuid (generations 1..20, 20 connections) leave one row holding 20', async () => {
    for (let round = 0; round < 3; round++) {
      const uuid = randomUUID();
      const tenant = newTenant();
      const generations = Array.from({ length: 20 }, (_, i) => i + 1);
      if (round === 1) generations.reverse();
      if (round === 2) generations.sort(() => Math.random() - 0.5);
      const outcomes = await Promise.all(
        clients.map((client, i) =>
          record(client, {
            uuid,
            tenant_id: tenant,
            generation: generations[i]!,
            ui_name: `gen ${generations[i]}`,
          }),
        ),
      );
      expect(outcomes.filter((o) => o === 'inserted')).toHaveLength(1);
      for (const outcome of outcomes) expect(['inserted', 'updated', 'stale']).toContain(outcome);
      expect(await rowCount(pool, uuid)).toBe(1);
      const row = (await rawRow(pool, uuid))!;
      expect(row.metadata.generation).toBe('20');
      expect(row.ui_name).toBe('gen 20');
      // The one that wrote generation 20 said so.
      expect(outcomes[generations.indexOf(20)]).toMatch(/^(inserted|updated)$/);
    }
  });

  it('two tenants racing for a new uuid: one inserts, the other gets tenant_conflict', async () => {
    for (let round = 0; round < 10; round++) {
      const uuid = randomUUID();
      const a = newTenant('a');
      const b = newTenant('b');
      const outcomes = await Promise.all([
        record(clients[0]!, { uuid, tenant_id: a, generation: 1 }),
        record(clients[1]!, { uuid, tenant_id: b, generation: 2 }),
      ]);
      expect([...outcomes].sort()).toEqual(['inserted', 'tenant_conflict']);
      const winner = outcomes[0] === 'inserted' ? a : b;
      const row = (await rawRow(pool, uuid))!;
      expect(row.tenant_id).toBe(winner);
      expect(row.metadata.generation).toBe(winner === a ? '1' : '2');
    }
  });

  it('a finalize and the delete of the same generation, concurrent, always end deleted', async () => {
    for (let round = 0; round < 10; round++) {
      const uuid = randomUUID();
      const tenant = newTenant();
      const path = `artifacts/workflow/${tenant}/${uuid}.json`;
      const [recorded, deleted] = await Promise.all([
        record(clients[2]!, { uuid, tenant_id: tenant, generation: 5, file_path: path }),
        markDeleted(clients[3]!, {
          uuid,
          tenant_id: tenant,
          generation: 5,
          artifact_type: 'workflow',
          file_path: path,
        }),
      ]);
      expect([
        ['inserted', 'deleted'],
        ['deleted', 'tombstoned'],
      ]).toContainEqual([recorded, deleted]);
      const row = (await rawRow(pool, uuid))!;
      expect(row.deleted).toBe(true);
      expect(row.status).toBe('deleted');
      expect(await rowCount(pool, uuid)).toBe(1);
    }
  });
});

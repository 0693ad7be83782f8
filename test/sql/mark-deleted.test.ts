import { randomUUID } from 'node:crypto';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { claim, get, markDeleted, newClients, newPool, newTenant, rawRow, record, rowCount } from './helpers';

let pool: pg.Pool;
beforeAll(() => {
  pool = newPool();
});
afterAll(async () => {
  await pool.end();
});

async function sleep(ms: number): Promise<void> {
  await new Promise((resolve) => setTimeout(resolve, ms));
}

describe('artifact_mark_deleted without a generation (the API delete)', () => {
  it("deletes the tenant's row whatever its generation: deleted, status 'deleted', updated_at now", async () => {
    const uuid = randomUUID();
    const tenant = newTenant();
    await record(pool, { uuid, tenant_id: tenant, generation: 42 });
    const before = (await rawRow(pool, uuid))!;
    await sleep(5);
    expect(await markDeleted(pool, { uuid, tenant_id: tenant })).toBe('deleted');
    const after = (await rawRow(pool, uuid))!;
    expect(after).toMatchObject({ deleted: true, status: 'deleted', metadata: before.metadata });
    expect(after.created_at).toBe(before.created_at);
    expect(new Date(after.updated_at).getTime()).toBeGreaterThan(new Date(before.updated_at).getTime());
    expect(await get(pool, uuid, tenant)).toBeNull();
  });

  it('a second delete answers already_deleted and changes nothing', async () => {
    const uuid = randomUUID();
    const tenant = newTenant();
    await record(pool, { uuid, tenant_id: tenant, generation: 1 });
    expect(await markDeleted(pool, { uuid, tenant_id: tenant })).toBe('deleted');
    const before = await rawRow(pool, uuid);
    expect(await markDeleted(pool, { uuid, tenant_id: tenant })).toBe('already_deleted');
    expect(await markDeleted(pool, { uuid, tenant_id: tenant, generation: 1 })).toBe('already_deleted');
    expect(await rawRow(pool, uuid)).toEqual(before);
  });

  it('answers not_found when there is no row, and creates none', async () => {
    const uuid = randomUUID();
    expect(await markDeleted(pool, { uuid, tenant_id: newTenant() })).toBe('not_found');
    expect(
      await markDeleted(pool, { uuid, tenant_id: newTenant(), artifact_type: 'sop', file_path: 'x' }),
    ).toBe('not_found');
    expect(await rowCount(pool, uuid)).toBe(0);
  });
});

describe('artifact_mark_deleted is tenant-checked', () => {
  it("never touches another tenant's row and answers not_found, with or without a generation", async () => {
    const uuid = randomUUID();
    const owner = newTenant('owner');
    const other = newTenant('other');
    await record(pool, { uuid, tenant_id: owner, generation: 3 });
    const before = await rawRow(pool, uuid);
    expect(await markDeleted(pool, { uuid, tenant_id: other })).toBe('not_found');
    expect(
      await markDeleted(pool, {
        uuid,
        tenant_id: other,
        generation: 3,
        artifact_type: 'workflow',
        file_path: 'p',
      }),
    ).toBe('not_found');
    expect(await rawRow(pool, uuid)).toEqual(before);
    expect(await get(pool, uuid, owner)).not.toBeNull();
  });

  it("answers not_found for another tenant's deleted row (does not reveal it)", async () => {
    const uuid = randomUUID();
    const owner = newTenant('owner');
    await record(pool, { uuid, tenant_id: owner, generation: 3 });
    await markDeleted(pool, { uuid, tenant_id: owner });
    expect(await markDeleted(pool, { uuid, tenant_id: newTenant('other') })).toBe('not_found');
  });
});

describe('artifact_mark_deleted with a generation (a storage deleted event)', () => {
  it('writes a tombstone when no row exists: deleted row with this generation, type and path', async () => {
    const uuid = randomUUID();
    const tenant = newTenant();
    const path = `artifacts/roadmap/${tenant}/${uuid}.json`;
    const outcome = await markDeleted(pool, {
      uuid,
      tenant_id: tenant,
      generation: '1732781234567890',
      artifact_type: 'roadmap',
      file_path: path,
    });
    expect(outcome).toBe('tombstoned');
    expect(await rawRow(pool, uuid)).toMatchObject({
      uuid,
      tenant_id: tenant,
      artifact_type: 'roadmap',
      file_path: path,
      file_type: 'artifact',
      mime_type: 'application/json',
      deleted: true,
      status: 'deleted',
      metadata: { generation: '1732781234567890' },
    });
    expect(await get(pool, uuid, tenant)).toBeNull();
    expect(await claim(pool, uuid, tenant)).toBe('deleted');
    expect(
      await markDeleted(pool, {
        uuid,
        tenant_id: tenant,
        generation: 1,
        artifact_type: 'roadmap',
        file_path: path,
      }),
    ).toBe('already_deleted');
  });

  it('raises 22023 when a tombstone is needed but artifact_type or file_path is missing', async () => {
    const uuid = randomUUID();
    const tenant = newTenant();
    await expect(
      markDeleted(pool, { uuid, tenant_id: tenant, generation: 1, file_path: 'p' }),
    ).rejects.toMatchObject({
      code: '22023',
      message: expect.stringMatching(/p_artifact_type/),
    });
    await expect(
      markDeleted(pool, { uuid, tenant_id: tenant, generation: 1, artifact_type: 'sop' }),
    ).rejects.toMatchObject({ code: '22023', message: expect.stringMatching(/p_file_path/) });
    await expect(
      markDeleted(pool, {
        uuid,
        tenant_id: tenant,
        generation: 1,
        artifact_type: 'Bad Type',
        file_path: 'p',
      }),
    ).rejects.toMatchObject({ code: '22023' });
    expect(await rowCount(pool, uuid)).toBe(0);
  });

  it('a deleted event for another path under the uuid (a refused manifest of another type) leaves the row live', async () => {
    const uuid = randomUUID();
    const tenant = newTenant();
    expect(await record(pool, { uuid, tenant_id: tenant, generation: 5, artifact_type: 'workflow' })).toBe(
      'inserted',
    );
    expect(
      await markDeleted(pool, {
        uuid,
        tenant_id: tenant,
        generation: 9,
        artifact_type: 'sop',
        file_path: `artifacts/sop/${tenant}/${uuid}.json`,
      }),
    ).toBe('not_found');
    expect((await rawRow(pool, uuid))!.deleted).toBe(false);
  });

  it('writes no tombstone for an id claimed by another tenant or type', async () => {
    const uuid = randomUUID();
    const owner = newTenant('owner');
    expect(await claim(pool, uuid, owner, 'workflow')).toBe('free');
    for (const [tenant, type] of [
      [newTenant('other'), 'workflow'],
      [owner, 'sop'],
    ] as const) {
      expect(
        await markDeleted(pool, {
          uuid,
          tenant_id: tenant,
          generation: 3,
          artifact_type: type,
          file_path: `artifacts/${type}/${tenant}/${uuid}.json`,
        }),
      ).toBe('not_found');
    }
    expect(await rowCount(pool, uuid)).toBe(0);
  });

  it('needs no artifact_type or file_path when the row exists', async () => {
    const uuid = randomUUID();
    const tenant = newTenant();
    await record(pool, { uuid, tenant_id: tenant, generation: 4 });
    expect(await markDeleted(pool, { uuid, tenant_id: tenant, generation: 4 })).toBe('deleted');
  });

  it('answers stale when the row holds a newer generation than the one deleted, and leaves it live', async () => {
    const uuid = randomUUID();
    const tenant = newTenant();
    await record(pool, { uuid, tenant_id: tenant, generation: 20 });
    const before = await rawRow(pool, uuid);
    expect(await markDeleted(pool, { uuid, tenant_id: tenant, generation: 19 })).toBe('stale');
    expect(await rawRow(pool, uuid)).toEqual(before);
    expect(await get(pool, uuid, tenant)).not.toBeNull();
  });

  it('deletes when the deleted generation is the row’s or newer', async () => {
    const tenant = newTenant();
    const same = randomUUID();
    await record(pool, { uuid: same, tenant_id: tenant, generation: 20 });
    expect(await markDeleted(pool, { uuid: same, tenant_id: tenant, generation: 20 })).toBe('deleted');
    const newer = randomUUID();
    await record(pool, { uuid: newer, tenant_id: tenant, generation: 20 });
    expect(await markDeleted(pool, { uuid: newer, tenant_id: tenant, generation: 21 })).toBe('deleted');
    for (const uuid of [same, newer]) {
      expect(await rawRow(pool, uuid)).toMatchObject({ deleted: true, status: 'deleted' });
    }
  });

  it.each([
    ['a NULL p_uuid', { uuid: null }, /p_uuid/],
    ['a NULL p_tenant_id', { tenant_id: null }, /p_tenant_id/],
    ['an empty p_tenant_id', { tenant_id: '' }, /p_tenant_id/],
    ['a zero p_generation', { generation: 0 }, /p_generation/],
    ['a negative p_generation', { generation: -1 }, /p_generation/],
  ])('rejects %s with SQLSTATE 22023', async (_label, override, message) => {
    const args = {
      uuid: randomUUID(),
      tenant_id: newTenant(),
      artifact_type: 'sop',
      file_path: 'p',
      ...override,
    } as Parameters<typeof markDeleted>[1];
    await expect(markDeleted(pool, args)).rejects.toMatchObject({
      code: '22023',
      message: expect.stringMatching(message),
    });
  });

  it('10 concurrent deleted events for an unknown id: one tombstone, the others already_deleted', async () => {
    const clients = await newClients(10);
    try {
      const uuid = randomUUID();
      const tenant = newTenant();
      const outcomes = await Promise.all(
        clients.map((client) =>
          markDeleted(client, {
            uuid,
            tenant_id: tenant,
            generation: 9,
            artifact_type: 'poc',
            file_path: 'p.json',
          }),
        ),
      );
      expect(outcomes.filter((o) => o === 'tombstoned')).toHaveLength(1);
      expect(outcomes.filter((o) => o === 'already_deleted')).toHaveLength(9);
      expect(await rowCount(pool, uuid)).toBe(1);
    } finally {
      await Promise.all(clients.map((client) => client.end()));
    }
  });
});

import { randomUUID } from 'node:crypto';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { claim, insertPlainFile, markDeleted, newPool, newTenant, record } from './helpers';

let pool: pg.Pool;
beforeAll(() => {
  pool = newPool();
});
afterAll(async () => {
  await pool.end();
});

describe('artifact_claim', () => {
  it('free: no row holds the id', async () => {
    expect(await claim(pool, randomUUID(), newTenant())).toBe('free');
  });

  it("own: this tenant's live row (an expired one too: it is not deleted)", async () => {
    const tenant = newTenant();
    const uuid = randomUUID();
    await record(pool, { uuid, tenant_id: tenant, generation: 1 });
    expect(await claim(pool, uuid, tenant)).toBe('own');
    const expired = randomUUID();
    await record(pool, {
      uuid: expired,
      tenant_id: tenant,
      generation: 1,
      expires_at: new Date(Date.now() - 1000),
    });
    expect(await claim(pool, expired, tenant)).toBe('own');
  });

  it("deleted: this tenant's deleted row or tombstone", async () => {
    const tenant = newTenant();
    const uuid = randomUUID();
    await record(pool, { uuid, tenant_id: tenant, generation: 1 });
    await markDeleted(pool, { uuid, tenant_id: tenant });
    expect(await claim(pool, uuid, tenant)).toBe('deleted');
    const tomb = randomUUID();
    await markDeleted(pool, {
      uuid: tomb,
      tenant_id: tenant,
      generation: 2,
      artifact_type: 'sop',
      file_path: 'p',
    });
    expect(await claim(pool, tomb, tenant)).toBe('deleted');
  });

  it("foreign: another tenant's row, live or deleted, and a row that is not an artifact", async () => {
    const owner = newTenant('owner');
    const other = newTenant('other');
    const uuid = randomUUID();
    await record(pool, { uuid, tenant_id: owner, generation: 1 });
    expect(await claim(pool, uuid, other)).toBe('foreign');
    await markDeleted(pool, { uuid, tenant_id: owner });
    expect(await claim(pool, uuid, other)).toBe('foreign');
    const plain = randomUUID();
    await insertPlainFile(pool, plain, other);
    expect(await claim(pool, plain, other)).toBe('foreign');
  });

  it('rejects a NULL tenant or id with 22023', async () => {
    await expect(claim(pool, randomUUID(), null)).rejects.toMatchObject({ code: '22023' });
    await expect(claim(pool, null as unknown as string, newTenant())).rejects.toMatchObject({
      code: '22023',
    });
  });
});

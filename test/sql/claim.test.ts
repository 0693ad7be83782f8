import { randomUUID } from 'node:crypto';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { claim, insertPlainFile, markDeleted, newClients, newPool, newTenant, record } from './helpers';

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

  it('free reserves the id: another tenant is then foreign, another type a conflict, before any row exists', async () => {
    const owner = newTenant('owner');
    const uuid = randomUUID();
    expect(await claim(pool, uuid, owner, 'workflow')).toBe('free');
    expect(await claim(pool, uuid, owner, 'workflow')).toBe('free');
    expect(await claim(pool, uuid, newTenant('other'), 'workflow')).toBe('foreign');
    expect(await claim(pool, uuid, owner, 'sop')).toBe('conflict');
  });

  it("conflict: this tenant's live row of another type", async () => {
    const tenant = newTenant();
    const uuid = randomUUID();
    await record(pool, { uuid, tenant_id: tenant, generation: 1, artifact_type: 'workflow' });
    expect(await claim(pool, uuid, tenant, 'sop')).toBe('conflict');
    expect(await claim(pool, uuid, tenant, 'workflow')).toBe('own');
  });

  it('concurrent claims of one id from separate connections: exactly one (tenant, type) wins, 40 rounds', async () => {
    const clients = await newClients(4);
    try {
      for (let round = 0; round < 40; round++) {
        const uuid = randomUUID();
        const contenders = [
          [newTenant('a'), 'workflow'],
          [newTenant('b'), 'workflow'],
          [newTenant('c'), 'sop'],
          [newTenant('d'), 'roadmap'],
        ] as const;
        const results = await Promise.all(
          contenders.map(([tenant, type], i) => claim(clients[i]!, uuid, tenant, type)),
        );
        expect(results.filter((r) => r === 'free')).toHaveLength(1);
        expect(results.filter((r) => r === 'foreign')).toHaveLength(3);
      }
    } finally {
      await Promise.all(clients.map((c) => c.end()));
    }
  });

  it('rejects a NULL tenant, id or type, or a malformed type, with 22023', async () => {
    await expect(claim(pool, randomUUID(), newTenant(), null)).rejects.toMatchObject({ code: '22023' });
    await expect(claim(pool, randomUUID(), newTenant(), 'Bad-Type')).rejects.toMatchObject({ code: '22023' });
    await expect(claim(pool, randomUUID(), null)).rejects.toMatchObject({ code: '22023' });
    await expect(claim(pool, null as unknown as string, newTenant())).rejects.toMatchObject({
      code: '22023',
    });
  });
});

/**
 * Lineage in SQL (migration 007): a fan-out of 10,000 children is answered within the node cap, and the walk
 * never shows another tenant's artifacts, even when its edges point into them.
 */
import { randomUUID } from 'node:crypto';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newPool, newTenant, record } from './helpers';

let pool: pg.Pool;
beforeAll(() => {
  pool = newPool();
});
afterAll(async () => {
  await pool.end();
});

const lineage = async (uuid: string, tenant: string, direction: string, depth: number) =>
  (
    await pool.query(
      'SELECT public.artifact_lineage(p_uuid => $1, p_tenant_id => $2, p_direction => $3, p_depth => $4) AS r',
      [uuid, tenant, direction, depth],
    )
  ).rows[0].r;

describe('artifact_lineage', () => {
  it('a 10,000-child fan-out is answered with 1,000 nodes and truncated: true', async () => {
    const tenant = newTenant();
    const root = randomUUID();
    await record(pool, { uuid: root, tenant_id: tenant, generation: 1 });
    await pool.query(
      `SELECT public.artifact_record(
         p_uuid => s.u, p_tenant_id => $1, p_artifact_type => 'workflow', p_user_id => NULL, p_ui_name => 'child',
         p_file_path => 'artifacts/workflow/' || $1 || '/' || s.u || '.json', p_file_size => 1, p_file_hash => 'h',
         p_generation => 1, p_expires_at => NULL, p_metadata => '{}',
         p_derived_from => jsonb_build_array(jsonb_build_object('artifact_id', $2::text, 'version', 1)))
       FROM (SELECT gen_random_uuid() AS u FROM generate_series(1, 10000)) AS s`,
      [tenant, root],
    );
    const graph = await lineage(root, tenant, 'down', 1);
    expect(graph.nodes).toHaveLength(1000);
    expect(graph.truncated).toBe(true);
    expect(graph.edges.length).toBe(999);
    const children = (
      await pool.query(
        'SELECT public.artifact_list(p_tenant_id => $1, p_derived_from => $2, p_limit => 200) AS r',
        [tenant, root],
      )
    ).rows[0].r;
    expect(children.items).toHaveLength(200);
    expect(children.next).not.toBeNull();
  });

  it("edges into another tenant's artifacts are not followed, and the other tenant sees nothing", async () => {
    const mine = newTenant('mine');
    const theirs = newTenant('theirs');
    const secret = randomUUID();
    const beyond = randomUUID();
    await record(pool, { uuid: beyond, tenant_id: theirs, generation: 1 });
    await record(pool, {
      uuid: secret,
      tenant_id: theirs,
      generation: 1,
    });
    const a = randomUUID();
    await record(pool, { uuid: a, tenant_id: mine, generation: 1 });
    await pool.query(
      `INSERT INTO artifact_lineage (child, child_version, parent, parent_version, tenant_id) VALUES ($1, 1, $2, 1, $3)`,
      [a, secret, mine],
    );
    const graph = await lineage(a, mine, 'up', 5);
    expect(graph).toEqual({
      nodes: [expect.objectContaining({ artifact_id: a })],
      edges: [],
      truncated: false,
    });
    expect(await lineage(a, theirs, 'up', 5)).toBeNull();
  });

  it('refuses a depth outside 1..5 and an unknown direction (22023)', async () => {
    const tenant = newTenant();
    const a = randomUUID();
    await record(pool, { uuid: a, tenant_id: tenant, generation: 1 });
    await expect(lineage(a, tenant, 'up', 6)).rejects.toMatchObject({ code: '22023' });
    await expect(lineage(a, tenant, 'sideways', 1)).rejects.toMatchObject({ code: '22023' });
  });
});

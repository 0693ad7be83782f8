/**
 * Lineage through artifactsApi in process (over the in-memory stores): the graph route's directions, depth
 * and defaults, what it leaves out (another tenant's, deleted artifacts), `?derived_from=` on the list and
 * its cursors, and strict validation of the new parameters.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LineageResponse, ListResponse } from '../../functions/artifactsApi/schemas';
import type { ArtifactKey } from '../../shared/domain/paths';
import { type InProcessApi, startInProcessApi } from '../support/in-process-api';
import { seedVersion } from '../support/versions';

let api: InProcessApi;
let token: string;
const tenant = 'lineage-tenant';
const keyOf = (artifact_type: string, tenant_id = tenant): ArtifactKey => ({
  artifact_type,
  tenant_id,
  artifact_id: randomUUID(),
});
// blueprint ← roadmap ← solution; roadmap ← poc (two children); sop is alone.
const blueprint = keyOf('blueprint');
const roadmap = keyOf('roadmap');
const solution = keyOf('solution');
const poc = keyOf('poc');
const foreign = keyOf('roadmap', 'lineage-other');

async function seed(key: ArtifactKey, parents: ArtifactKey[] = [], version = 1) {
  await seedVersion(api, key, {
    version,
    document: { title: `${key.artifact_type} v${version}` },
    derived_from: parents.map((p) => ({ artifact_id: p.artifact_id, version: 1 })),
  });
}

const lineage = async (key: ArtifactKey, query = '') => {
  const res = await api.call(`/api/artifacts/${key.artifact_id}/lineage${query}`, { token });
  return { status: res.status, body: (await res.json()) as LineageResponse };
};
const ids = (graph: LineageResponse) => graph.nodes.map((n) => `${n.artifact_type}#${n.version}`).sort();

beforeAll(async () => {
  api = await startInProcessApi();
  token = await api.user(tenant);
  await seed(blueprint);
  await seed(roadmap, [blueprint]);
  await seed(solution, [roadmap]);
  await seed(poc, [roadmap]);
  // Another tenant's artifact claims our roadmap as its parent: it must never show.
  await seed(foreign, [roadmap]);
});
afterAll(async () => {
  await api?.close();
});

describe('GET /api/artifacts/{id}/lineage', () => {
  it('defaults to both directions, depth 1: the parents and the children, never another tenant', async () => {
    const { status, body } = await lineage(roadmap);
    expect(status).toBe(200);
    expect(ids(body)).toEqual(['blueprint#1', 'poc#1', 'roadmap#1', 'solution#1']);
    expect(body.edges).toHaveLength(3);
    expect(body.edges).toContainEqual({
      from: { artifact_id: roadmap.artifact_id, version: 1 },
      to: { artifact_id: blueprint.artifact_id, version: 1 },
    });
    expect(JSON.stringify(body)).not.toContain(foreign.artifact_id);
    expect(body.truncated).toBe(false);
    expect(body.nodes[0]).toEqual({
      artifact_id: expect.any(String),
      artifact_type: expect.any(String),
      version: 1,
      ui_name: expect.any(String),
      created_at: expect.any(String),
    });
  });

  it('up and down, and depth reaches further', async () => {
    expect(ids((await lineage(solution, '?direction=up')).body)).toEqual(['roadmap#1', 'solution#1']);
    expect(ids((await lineage(solution, '?direction=up&depth=2')).body)).toEqual([
      'blueprint#1',
      'roadmap#1',
      'solution#1',
    ]);
    expect(ids((await lineage(blueprint, '?direction=down&depth=2')).body)).toEqual([
      'blueprint#1',
      'poc#1',
      'roadmap#1',
      'solution#1',
    ]);
    expect(ids((await lineage(solution, '?direction=down')).body)).toEqual(['solution#1']);
  });

  it("another tenant's artifact, or a missing one, is a 404 alike", async () => {
    const theirs = await lineage(foreign);
    const missing = await lineage(keyOf('roadmap'));
    expect(theirs.status).toBe(404);
    expect(missing.status).toBe(404);
    expect({ ...theirs.body, request_id: 'x' }).toEqual({ ...missing.body, request_id: 'x' });
  });

  it('refuses a depth outside 1..5, an unknown direction or parameter, with 400', async () => {
    for (const query of ['?depth=0', '?depth=6', '?depth=1.5', '?direction=sideways', '?deep=1']) {
      const res = await api.call(`/api/artifacts/${roadmap.artifact_id}/lineage${query}`, { token });
      expect(res.status, query).toBe(400);
      expect(res.headers.get('content-type')).toBe('application/problem+json');
    }
  });

  it('a deleted parent disappears from its children’s lineage', async () => {
    const parent = keyOf('blueprint');
    const child = keyOf('roadmap');
    await seed(parent);
    await seed(child, [parent]);
    expect(ids((await lineage(child, '?direction=up')).body)).toEqual(['blueprint#1', 'roadmap#1']);
    expect((await api.call(`/api/artifacts/${parent.artifact_id}`, { method: 'DELETE', token })).status).toBe(
      204,
    );
    const after = (await lineage(child, '?direction=up')).body;
    expect(ids(after)).toEqual(['roadmap#1']);
    expect(after.edges).toEqual([]);
  });
});

describe('GET /api/artifacts?derived_from=', () => {
  it("lists the children, one page at a time, with cursors bound to the filter; another tenant's never", async () => {
    const first = await api.call(`/api/artifacts?derived_from=${roadmap.artifact_id}&limit=1`, { token });
    expect(first.status).toBe(200);
    const page1 = (await first.json()) as ListResponse;
    expect(page1.items).toHaveLength(1);
    expect(page1.next_cursor).toBeTruthy();
    const second = await api.call(
      `/api/artifacts?derived_from=${roadmap.artifact_id}&limit=1&cursor=${page1.next_cursor}`,
      { token },
    );
    const page2 = (await second.json()) as ListResponse;
    expect([...page1.items, ...page2.items].map((i) => i.artifact_id).sort()).toEqual(
      [solution.artifact_id, poc.artifact_id].sort(),
    );
    expect(page2.next_cursor).toBeNull();
    // The cursor is bound to the filter: reused without it, it is refused.
    const reused = await api.call(`/api/artifacts?limit=1&cursor=${page1.next_cursor}`, { token });
    expect(reused.status).toBe(400);
    // Upper case ids are the same id.
    const upper = await api.call(`/api/artifacts?derived_from=${roadmap.artifact_id.toUpperCase()}`, {
      token,
    });
    expect(((await upper.json()) as ListResponse).items).toHaveLength(2);
  });

  it('refuses an id that is not a UUID', async () => {
    expect((await api.call('/api/artifacts?derived_from=not-a-uuid', { token })).status).toBe(400);
  });
});

/**
 * The tenant-isolation matrix: every route × every kind of caller gets exactly the expected status, no answer
 * to anyone but the owner mentions the artifact, a foreign artifact's 404 is the same answer as a missing
 * one's, and nothing a non-owner does changes the artifact.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ListResponse } from '../../functions/artifactsApi/schemas';
import {
  type ApiHarness,
  headerNames,
  type StoredArtifact,
  startApiHarness,
  uniqueTenant,
  withoutRequestId,
} from './support/harness';

let h: ApiHarness;
const owner = uniqueTenant('iso-owner');
const stranger = uniqueTenant('iso-stranger');
let artifact: StoredArtifact;

type RouteName = 'list' | 'get' | 'get inline' | 'visual' | 'delete';
const ROUTES: Record<RouteName, { method: string; path: (id: string) => string }> = {
  list: { method: 'GET', path: () => '/api/artifacts' },
  get: { method: 'GET', path: (id) => `/api/artifacts/${id}` },
  'get inline': { method: 'GET', path: (id) => `/api/artifacts/${id}?visuals=inline` },
  visual: {
    method: 'GET',
    path: (id) => `/api/artifacts/${id}/visuals/components.current_state.chart_visual`,
  },
  delete: { method: 'DELETE', path: (id) => `/api/artifacts/${id}` },
};

interface Caller {
  name: string;
  token: () => Promise<string | undefined>;
  /** Appended to the query string. */
  tenantParam?: string;
  /** 'owner': 200s (204 for delete); 'foreign': list without it, 404 elsewhere; or one status for all. */
  expect: 'owner' | 'foreign' | 401 | 400;
}

const CALLERS: Caller[] = [
  { name: 'own tenant (HS256)', token: () => h.user(owner), expect: 'owner' },
  { name: 'own tenant (RS256 from the JWKS)', token: () => h.rs256(owner), expect: 'owner' },
  { name: 'another tenant', token: () => h.user(stranger), expect: 'foreign' },
  { name: 'no token', token: async () => undefined, expect: 401 },
  {
    name: 'bad signature',
    token: async () => {
      const [head, body] = (await h.user(owner)).split('.');
      return `${head}.${body}.${Buffer.from('not the signature at all, no').toString('base64url')}`;
    },
    expect: 401,
  },
  { name: 'expired', token: () => h.user(owner, {}, '-5m'), expect: 401 },
  { name: 'wrong audience', token: () => h.user(owner, { aud: 'someone-else' }), expect: 401 },
  { name: 'anon role', token: () => h.user(owner, { role: 'anon' }), expect: 401 },
  { name: 'no tenant claim', token: () => h.user(owner, { app_metadata: {} }), expect: 401 },
  { name: 'service_role for the owner', token: () => h.service(), tenantParam: owner, expect: 'owner' },
  {
    name: 'service_role for another tenant',
    token: () => h.service(),
    tenantParam: stranger,
    expect: 'foreign',
  },
  { name: 'service_role without tenant_id', token: () => h.service(), expect: 400 },
  { name: 'user naming another tenant', token: () => h.user(owner), tenantParam: stranger, expect: 400 },
];

function expectedStatus(caller: Caller, route: RouteName): number {
  if (typeof caller.expect === 'number') return caller.expect;
  if (route === 'list') return 200;
  if (caller.expect === 'foreign') return 404;
  return route === 'delete' ? 204 : 200;
}

function withTenant(path: string, tenant?: string): string {
  if (!tenant) return path;
  return `${path}${path.includes('?') ? '&' : '?'}tenant_id=${tenant}`;
}

/** Artifacts the owner-like callers may delete (one each), so the shared one survives the matrix. */
const deletable = new Map<string, StoredArtifact>();
/** 404 bodies (without request id) and header sets for a missing id, per route. */
const missing = new Map<RouteName, { body: Record<string, unknown>; headers: string[] }>();

const comparableHeaders = (res: Response) =>
  headerNames(res.headers)
    .filter((k) => !['date', 'x-request-id', 'connection', 'keep-alive'].includes(k))
    .map((k) => `${k}: ${k === 'content-length' ? '(n)' : res.headers.get(k)}`)
    .sort();

beforeAll(async () => {
  h = await startApiHarness();
  artifact = await h.store(owner);
  await Promise.all(
    CALLERS.filter((c) => c.expect === 'owner').map(async (c) => deletable.set(c.name, await h.store(owner))),
  );
  for (const route of ['get', 'get inline', 'visual', 'delete'] as RouteName[]) {
    const res = await h.call(ROUTES[route].path(randomUUID()), {
      method: ROUTES[route].method,
      token: await h.user(owner),
    });
    expect(res.status).toBe(404);
    missing.set(route, { body: withoutRequestId(await res.json()), headers: comparableHeaders(res) });
  }
}, 120_000);
afterAll(async () => {
  await h?.stop();
});

describe.each(CALLERS)('$name', (caller) => {
  it.each(Object.keys(ROUTES) as RouteName[])('%s', async (route) => {
    const target = route === 'delete' && caller.expect === 'owner' ? deletable.get(caller.name)! : artifact;
    const { method, path } = ROUTES[route];
    const token = await caller.token();
    const res = await h.call(withTenant(path(target.id), caller.tenantParam), {
      method,
      ...(token ? { token } : {}),
    });
    const text = await res.text();
    expect(res.status, text).toBe(expectedStatus(caller, route));
    expect(res.headers.get('x-request-id')).toBeTruthy();

    if (caller.expect === 'owner') {
      if (route === 'list')
        expect((JSON.parse(text) as ListResponse).items.map((i) => i.artifact_id)).toContain(target.id);
      return;
    }
    // Nobody but the owner learns anything about the artifact: not its id, tenant, type or content.
    for (const secret of [target.id, owner, 'artifact of', 'report', 'image/gif'])
      expect(text).not.toContain(secret);
    if (res.status >= 400) {
      expect(res.headers.get('content-type')).toBe('application/problem+json');
      expect(JSON.parse(text).status).toBe(res.status);
    }
    if (caller.expect === 'foreign' && route === 'list') {
      expect((JSON.parse(text) as ListResponse).items).toEqual([]);
    }
    if (caller.expect === 'foreign' && route !== 'list') {
      // Exactly what a missing id gets: the same problem and the same headers.
      const reference = missing.get(route)!;
      expect(withoutRequestId(JSON.parse(text))).toEqual(reference.body);
      expect(comparableHeaders(res)).toEqual(reference.headers);
    }
    if (res.status === 401) expect(res.headers.get('www-authenticate')).toMatch(/^Bearer/);
  });
});

describe('after the matrix', () => {
  it('the shared artifact is intact: nobody but its owner could change it', async () => {
    const res = await h.call(`/api/artifacts/${artifact.id}?visuals=inline`, { token: await h.user(owner) });
    expect(res.status).toBe(200);
    expect((await res.json()).artifact).toEqual(artifact.document);
    expect(await h.t.metadata.get(artifact.id, owner)).toMatchObject({ uuid: artifact.id, deleted: false });
    const objects = await h.t.objects(`artifacts/report/${owner}/${artifact.id}`);
    expect(objects).toHaveLength(1 + artifact.row.metadata.visuals.length);
  });

  it('every owner-like delete left nothing of its artifact', async () => {
    for (const stored of deletable.values()) {
      expect(await h.t.objects(`artifacts/report/${owner}/${stored.id}`)).toEqual([]);
      expect(await h.t.metadata.rowStates([stored.id])).toMatchObject([{ tenant_id: owner, deleted: true }]);
    }
  });
});

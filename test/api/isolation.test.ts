/**
 * The tenant-isolation matrix: every route × every kind of caller gets exactly the expected status, no answer
 * to anyone but the owner mentions the artifact, a foreign artifact's 404 is the same answer as a missing
 * one's (and its status the same `unknown` as a missing one's), and nothing a non-owner does changes the
 * artifact, its versions or its aliases. The artifact has a real version 2 (written and recorded through the
 * stack's own stores) with an alias.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ListResponse } from '../../functions/artifactsApi/schemas';
import {
  type ApiHarness,
  headerNames,
  PNG_BASE64,
  type StoredArtifact,
  startApiHarness,
  uniqueTenant,
  withoutRequestId,
} from './support/harness';

let h: ApiHarness;
const owner = uniqueTenant('iso-owner');
const stranger = uniqueTenant('iso-stranger');
let artifact: StoredArtifact;
/** Made from the artifact: the owner sees it as a child and in the lineage; nobody else sees either. */
let child: StoredArtifact;

type RouteName =
  | 'list'
  | 'get'
  | 'get inline'
  | 'get version 1'
  | 'get alias'
  | 'visual'
  | 'visual version 1'
  | 'versions'
  | 'lineage'
  | 'children'
  | 'status'
  | 'alias set'
  | 'alias delete'
  | 'delete';
const CHART = 'components.current_state.chart_visual';
interface Route {
  method: string;
  /** `owner`: the caller is owner-like (its own alias to delete). */
  path: (id: string, caller?: { owner: boolean; index: number }) => string;
  body?: unknown;
}
const ROUTES: Record<RouteName, Route> = {
  list: { method: 'GET', path: () => '/api/artifacts' },
  get: { method: 'GET', path: (id) => `/api/artifacts/${id}` },
  'get inline': { method: 'GET', path: (id) => `/api/artifacts/${id}?visuals=inline` },
  'get version 1': { method: 'GET', path: (id) => `/api/artifacts/${id}?version=1&visuals=inline` },
  'get alias': { method: 'GET', path: (id) => `/api/artifacts/${id}?alias=prod` },
  visual: { method: 'GET', path: (id) => `/api/artifacts/${id}/visuals/${CHART}` },
  'visual version 1': { method: 'GET', path: (id) => `/api/artifacts/${id}/visuals/${CHART}?version=1` },
  versions: { method: 'GET', path: (id) => `/api/artifacts/${id}/versions` },
  lineage: { method: 'GET', path: (id) => `/api/artifacts/${id}/lineage?depth=2` },
  children: { method: 'GET', path: (id) => `/api/artifacts?derived_from=${id}` },
  status: { method: 'GET', path: (id) => `/api/artifacts/${id}/status` },
  'alias set': { method: 'PUT', path: (id) => `/api/artifacts/${id}/aliases/matrix`, body: { version: 1 } },
  'alias delete': {
    method: 'DELETE',
    path: (id, caller) => `/api/artifacts/${id}/aliases/${caller?.owner ? `own-${caller.index}` : 'prod'}`,
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
  if (route === 'list' || route === 'children' || route === 'status') return 200;
  if (caller.expect === 'foreign') return 404;
  return route === 'delete' || route === 'alias delete' ? 204 : 200;
}

/** The `own-{i}` aliases of the callers that could not delete theirs (none: every owner-like caller did). */
function ownersLeft(): string[] {
  return CALLERS.flatMap((c, i) => (c.expect === 'owner' ? [] : [`own-${i}`])).sort();
}

function withTenant(path: string, tenant?: string): string {
  if (!tenant) return path;
  return `${path}${path.includes('?') ? '&' : '?'}tenant_id=${tenant}`;
}

/** Artifacts the owner-like callers may delete (one each), so the shared one survives the matrix. */
const deletable = new Map<string, StoredArtifact>();
/** 404 bodies (the status route: its 200 body), without request id, and header sets for a missing id. */
const missing = new Map<RouteName, { body: Record<string, unknown>; headers: string[] }>();

const comparableHeaders = (res: Response) =>
  headerNames(res.headers)
    .filter((k) => !['date', 'x-request-id', 'connection', 'keep-alive'].includes(k))
    .map((k) => `${k}: ${k === 'content-length' ? '(n)' : res.headers.get(k)}`)
    .sort();

/** The second version's document: its chart now has the flow's bytes (so it reuses that object). */
const revised = (document: Record<string, unknown>) => ({
  ...document,
  components: {
    current_state: {
      summary: 'later',
      chart_visual: { image_base64: PNG_BASE64, caption: 'chart, revised' },
    },
  },
});

beforeAll(async () => {
  h = await startApiHarness();
  artifact = await h.store(owner);
  await h.revise(artifact, 2, { document: revised(artifact.document), aliases: ['prod'] });
  child = await h.store(owner, { derived_from: [{ artifact_id: artifact.id, version: 2 }] });
  await Promise.all(
    CALLERS.filter((c) => c.expect === 'owner').map(async (c) => deletable.set(c.name, await h.store(owner))),
  );
  for (const [index] of CALLERS.entries()) {
    expect(await h.t.metadata.setAlias(artifact.id, owner, `own-${index}`, 1)).toMatchObject({
      outcome: 'set',
    });
  }
  for (const route of Object.keys(ROUTES).filter((r) => r !== 'list' && r !== 'children') as RouteName[]) {
    const { method, path, body } = ROUTES[route];
    const res = await h.call(path(randomUUID()), { method, token: await h.user(owner), body });
    expect(res.status).toBe(route === 'status' ? 200 : 404);
    missing.set(route, { body: withoutRequestId(await res.json()), headers: comparableHeaders(res) });
  }
}, 120_000);
afterAll(async () => {
  await h?.stop();
});

describe.each(CALLERS)('$name', (caller) => {
  it.each(Object.keys(ROUTES) as RouteName[])('%s', async (route) => {
    const target = route === 'delete' && caller.expect === 'owner' ? deletable.get(caller.name)! : artifact;
    const { method, path, body } = ROUTES[route];
    const token = await caller.token();
    const who = { owner: caller.expect === 'owner', index: CALLERS.indexOf(caller) };
    const res = await h.call(withTenant(path(target.id, who), caller.tenantParam), {
      method,
      body,
      ...(token ? { token } : {}),
    });
    const text = await res.text();
    expect(res.status, text).toBe(expectedStatus(caller, route));
    expect(res.headers.get('x-request-id')).toBeTruthy();

    if (caller.expect === 'owner') {
      if (route === 'list')
        expect((JSON.parse(text) as ListResponse).items.map((i) => i.artifact_id)).toContain(target.id);
      if (route === 'children')
        expect((JSON.parse(text) as ListResponse).items.map((i) => i.artifact_id)).toEqual([child.id]);
      if (route === 'lineage')
        expect(JSON.parse(text).edges).toEqual([
          { from: { artifact_id: child.id, version: 1 }, to: { artifact_id: target.id, version: 2 } },
        ]);
      if (route === 'status') expect(JSON.parse(text)).toEqual({ state: 'stored', version: 2 });
      if (route === 'get alias') expect(JSON.parse(text)).toMatchObject({ version: 2, aliases: ['prod'] });
      if (route === 'get version 1') expect(JSON.parse(text).artifact).toEqual(target.document);
      return;
    }
    // Nobody but the owner learns anything about the artifact: not its id, tenant, type or content.
    for (const secret of [target.id, child.id, owner, 'artifact of', 'report', 'image/gif'])
      expect(text).not.toContain(secret);
    if (res.status >= 400) {
      expect(res.headers.get('content-type')).toBe('application/problem+json');
      expect(JSON.parse(text).status).toBe(res.status);
    }
    if (caller.expect === 'foreign' && (route === 'list' || route === 'children')) {
      expect((JSON.parse(text) as ListResponse).items).toEqual([]);
    }
    if (caller.expect === 'foreign' && route !== 'list' && route !== 'children') {
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
    const token = await h.user(owner);
    const res = await h.call(`/api/artifacts/${artifact.id}?visuals=inline`, { token });
    expect(res.status).toBe(200);
    expect((await res.json()).artifact).toEqual(revised(artifact.document));
    const first = await h.call(`/api/artifacts/${artifact.id}?version=1&visuals=inline`, { token });
    expect((await first.json()).artifact).toEqual(artifact.document);
    expect(await h.t.metadata.get(artifact.id, owner)).toMatchObject({ uuid: artifact.id, deleted: false });
    // Two manifests and the first version's three visuals: the second's chart has the flow's bytes, so it
    // references the first version's object.
    const objects = await h.t.objects(`artifacts/report/${owner}/${artifact.id}`);
    expect(objects).toHaveLength(2 + artifact.row.metadata.visuals.length);
    // The owners' own aliases are gone, the owners' `matrix` points at 1, `prod` is still at 2.
    const versions = await h.t.metadata.versions(artifact.id, owner, 10);
    expect(versions?.items.map((v) => [v.version, v.aliases])).toEqual([
      [2, ['prod']],
      [1, ['matrix', ...ownersLeft()]],
    ]);
  });

  it("another tenant's artifact never appeared in a status, nor a deleted one's versions", async () => {
    const status = await h.call(`/api/artifacts/${artifact.id}/status`, { token: await h.user(stranger) });
    expect(await status.json()).toEqual({ state: 'unknown' });
  });

  it('every owner-like delete left nothing of its artifact', async () => {
    for (const stored of deletable.values()) {
      expect(await h.t.objects(`artifacts/report/${owner}/${stored.id}`)).toEqual([]);
      expect(await h.t.metadata.rowStates([stored.id])).toMatchObject([{ tenant_id: owner, deleted: true }]);
    }
  });
});

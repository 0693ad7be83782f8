/**
 * Versions, aliases and status through artifactsApi in process (functions-framework's test server over the
 * in-memory stores): reads of any version by number or alias, with the visuals that version's row lists
 * (a reused visual stays at the earlier version's path), the versions list and its cursors, alias moves,
 * the status of an id, and strict validation of every new parameter and body.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ArtifactEnvelope, ListResponse, VersionList } from '../../functions/artifactsApi/schemas';
import type { MetadataStore } from '../../shared/adapters/metadata-store';
import type { ArtifactKey } from '../../shared/domain/paths';
import { IN_PROCESS_ORIGIN, type InProcessApi, startInProcessApi } from '../support/in-process-api';
import { type SeededVersion, seedVersion } from '../support/versions';

const png = (n: number) =>
  Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, n]).toString('base64');
const gif = (n: number) =>
  Buffer.concat([Buffer.from('GIF89a'), Buffer.from([1, 0, 1, 0, n, 0, 0])]).toString('base64');

const doc = (title: string, chart: string) => ({
  title,
  workflow_visual: { image_base64: png(1), caption: 'flow' },
  components: { current_state: { chart_visual: { image_base64: chart } } },
});
const CHART = 'components.current_state.chart_visual';

let api: InProcessApi;
let token: string;
const tenant = 'versions-tenant';
const key: ArtifactKey = { artifact_type: 'roadmap', tenant_id: tenant, artifact_id: randomUUID() };
const docs = [doc('first', gif(1)), doc('second', gif(2)), { title: 'third, no visuals' }];
const seeded: SeededVersion[] = [];

beforeAll(async () => {
  api = await startInProcessApi();
  token = await api.user(tenant);
  for (const [i, document] of docs.entries()) {
    seeded.push(
      await seedVersion(api, key, {
        version: i + 1,
        document,
        earlier: seeded.flatMap((s) => s.visuals),
        ...(i === 1 ? { aliases: ['prod'] } : {}),
      }),
    );
  }
});
afterAll(async () => {
  await api?.close();
});

const id = () => key.artifact_id;

async function json<T>(res: Response, status = 200): Promise<T> {
  const text = await res.text();
  expect(res.status, text).toBe(status);
  return JSON.parse(text) as T;
}

async function problem(res: Response, status: number, detail?: RegExp) {
  const body = await json<{ status: number; detail: string }>(res, status);
  expect(res.headers.get('content-type')).toBe('application/problem+json');
  expect(body.status).toBe(status);
  if (detail) expect(body.detail).toMatch(detail);
  return body;
}

describe('the seeded versions', () => {
  it('are laid out like the store writes them: new visuals under v{N}/, a reused one at its first path', () => {
    expect(seeded.map((s) => s.outcome)).toEqual(['inserted', 'updated', 'updated']);
    const prefix = `artifacts/roadmap/${tenant}/${id()}`;
    expect(seeded.map((s) => s.file_path)).toEqual([
      `${prefix}.json`,
      `${prefix}/v2.json`,
      `${prefix}/v3.json`,
    ]);
    expect(seeded[1]!.visuals.map((v) => v.storage_path)).toEqual([
      `${prefix}/workflow_visual.png`,
      `${prefix}/v2/${CHART}.gif`,
    ]);
  });
});

describe('GET /api/artifacts/{id} by version or alias', () => {
  it('defaults to the latest, with version, latest_version and aliases in the envelope', async () => {
    const body = await json<ArtifactEnvelope>(await api.call(`/api/artifacts/${id()}`, { token }));
    expect(body).toMatchObject({ version: 3, latest_version: 3, aliases: [], artifact: docs[2] });
    expect(body.file_path).toBe(seeded[2]!.file_path);
  });

  it('?version=1 is version 1: its manifest, its visuals, urls naming it', async () => {
    const body = await json<ArtifactEnvelope>(await api.call(`/api/artifacts/${id()}?version=1`, { token }));
    expect(body).toMatchObject({
      version: 1,
      latest_version: 3,
      aliases: [],
      file_path: seeded[0]!.file_path,
    });
    const artifact = body.artifact as { title: string; workflow_visual: { url: string } };
    expect(artifact.title).toBe('first');
    expect(artifact.workflow_visual.url).toBe(`/api/artifacts/${id()}/visuals/workflow_visual?version=1`);
    expect(body.metadata.visuals.map((v) => v.storage_path)).toEqual(
      seeded[0]!.visuals.map((v) => v.storage_path),
    );
  });

  it('?alias=prod is the version it points at; ?alias=latest the latest', async () => {
    const prod = await json<ArtifactEnvelope>(await api.call(`/api/artifacts/${id()}?alias=prod`, { token }));
    expect(prod).toMatchObject({ version: 2, latest_version: 3, aliases: ['prod'] });
    expect((prod.artifact as { title: string }).title).toBe('second');
    const latest = await json<ArtifactEnvelope>(
      await api.call(`/api/artifacts/${id()}?alias=latest`, { token }),
    );
    expect(latest.version).toBe(3);
  });

  it('?visuals=inline gives back each version exactly, images from wherever its row says', async () => {
    for (const [i, document] of docs.entries()) {
      const res = await api.call(`/api/artifacts/${id()}?version=${i + 1}&visuals=inline`, { token });
      const body = await json<ArtifactEnvelope>(res);
      expect(body.artifact).toEqual(document);
      expect(body.version).toBe(i + 1);
    }
  });

  it('a version or alias it does not have is a 404', async () => {
    await problem(await api.call(`/api/artifacts/${id()}?version=4`, { token }), 404, /not found/);
    await problem(await api.call(`/api/artifacts/${id()}?alias=staging`, { token }), 404, /not found/);
    await problem(await api.call(`/api/artifacts/${randomUUID()}?version=1`, { token }), 404);
  });

  it('another tenant reads none of them: the same 404 as a missing id', async () => {
    const stranger = await api.user('someone-else');
    for (const q of ['', '?version=1', '?alias=prod', '?alias=latest']) {
      const missing = await problem(await api.call(`/api/artifacts/${randomUUID()}${q}`, { token }), 404);
      const foreign = await problem(await api.call(`/api/artifacts/${id()}${q}`, { token: stranger }), 404);
      expect(foreign.detail).toBe(missing.detail);
    }
  });
});

describe('GET /api/artifacts/{id}/visuals/{name} by version or alias', () => {
  const visual = (q: string) => api.call(`/api/artifacts/${id()}/visuals/${CHART}${q}`, { token });
  const bytesOf = async (res: Response) => {
    expect(res.status).toBe(200);
    return Buffer.from(await res.arrayBuffer()).toString('base64');
  };

  it('serves the visual of the version named', async () => {
    expect(await bytesOf(await visual('?version=1'))).toBe(gif(1));
    expect(await bytesOf(await visual('?version=2'))).toBe(gif(2));
    expect(await bytesOf(await visual('?alias=prod'))).toBe(gif(2));
    const reused = await api.call(`/api/artifacts/${id()}/visuals/workflow_visual?version=2`, { token });
    expect(await bytesOf(reused)).toBe(png(1));
  });

  it('a visual the version does not have is a 404 (the latest has none)', async () => {
    await problem(await visual(''), 404, /visual not found/);
    await problem(await visual('?alias=latest'), 404, /visual not found/);
    await problem(await visual('?version=7'), 404, /visual not found/);
  });

  it('HEAD and If-None-Match work per version', async () => {
    const head = await api.call(`/api/artifacts/${id()}/visuals/${CHART}?version=1`, {
      method: 'HEAD',
      token,
    });
    expect(head.status).toBe(200);
    const etag = head.headers.get('etag')!;
    const same = await api.call(`/api/artifacts/${id()}/visuals/${CHART}?version=1`, {
      token,
      headers: { 'if-none-match': etag },
    });
    expect(same.status).toBe(304);
    const other = await visual('?version=2');
    expect(other.headers.get('etag')).not.toBe(etag);
    await other.arrayBuffer();
  });
});

describe('validation of version and alias', () => {
  it.each([
    ['version=0', /version/],
    ['version=-1', /version/],
    ['version=1.5', /version/],
    ['version=01', /version/],
    ['version=1e2', /version/],
    ['version=abc', /version/],
    ['version=', /version/],
    ['version=2147483648', /version/],
    ['alias=Prod', /alias/],
    ['alias=', /alias/],
    [`alias=${'a'.repeat(41)}`, /alias/],
    ['version=1&alias=prod', /give version or alias, not both/],
    ['version=1&version=2', /version must be given once/],
    ['revision=1', /revision/],
  ])('?%s is a 400 on the artifact and its visuals', async (q, detail) => {
    await problem(await api.call(`/api/artifacts/${id()}?${q}`, { token }), 400, detail);
    await problem(await api.call(`/api/artifacts/${id()}/visuals/${CHART}?${q}`, { token }), 400, detail);
  });
});

describe('GET /api/artifacts/{id}/versions', () => {
  const versions = (q = '', t = token, of = id()) =>
    api.call(`/api/artifacts/${of}/versions${q}`, { token: t });

  it('lists every version newest first, with its aliases and metadata', async () => {
    const body = await json<VersionList>(await versions());
    expect(body.next_cursor).toBeNull();
    expect(body.items.map((v) => v.version)).toEqual([3, 2, 1]);
    expect(body.items.map((v) => v.aliases)).toEqual([[], ['prod'], []]);
    expect(Object.keys(body.items[0]!).sort()).toEqual([
      'aliases',
      'created_at',
      'expires_at',
      'file_hash',
      'file_size',
      'metadata',
      'version',
    ]);
    expect(body.items[1]!.metadata.visuals).toEqual(seeded[1]!.visuals);
  });

  it('pages with next_cursor until null', async () => {
    const seen: number[] = [];
    let cursor: string | null = null;
    do {
      const q: string = `?limit=1${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`;
      const page: VersionList = await json<VersionList>(await versions(q));
      expect(page.items).toHaveLength(1);
      seen.push(page.items[0]!.version);
      cursor = page.next_cursor;
    } while (cursor);
    expect(seen).toEqual([3, 2, 1]);
  });

  it('a cursor is bound to its tenant and artifact; a list cursor is no versions cursor', async () => {
    const first = await json<VersionList>(await versions('?limit=1'));
    const cursor = encodeURIComponent(first.next_cursor!);
    const other = randomUUID();
    await seedVersion(api, { ...key, artifact_id: other }, { version: 1, document: { title: 'x' } });
    await problem(await versions(`?cursor=${cursor}`, token, other), 400, /cursor is not valid/);
    await seedVersion(api, { ...key, artifact_id: randomUUID() }, { version: 1, document: { t: 1 } });
    const list = await json<ListResponse>(await api.call('/api/artifacts?limit=1', { token }));
    await problem(
      await versions(`?cursor=${encodeURIComponent(list.next_cursor!)}`),
      400,
      /cursor is not valid/,
    );
    await problem(await versions('?limit=0'), 400, /limit/);
    await problem(await versions('?version=1'), 400, /version/);
  });

  it("another tenant's artifact or a missing one is a 404", async () => {
    const missing = await problem(await versions('', token, randomUUID()), 404);
    const foreign = await problem(await versions('', await api.user('someone-else')), 404);
    expect(foreign.detail).toBe(missing.detail);
  });
});

describe('PUT and DELETE /api/artifacts/{id}/aliases/{alias}', () => {
  const put = (
    alias: string,
    body: unknown,
    init: { token?: string; headers?: Record<string, string> } = {},
  ) => api.call(`/api/artifacts/${id()}/aliases/${alias}`, { method: 'PUT', token, body, ...init });
  const del = (alias: string, t = token, of = id()) =>
    api.call(`/api/artifacts/${of}/aliases/${alias}`, { method: 'DELETE', token: t });

  it('sets an alias, moves it (backwards too), and the reads follow', async () => {
    expect(await json(await put('stable', { version: 3 }))).toEqual({ alias: 'stable', version: 3 });
    expect(
      (await json<ArtifactEnvelope>(await api.call(`/api/artifacts/${id()}`, { token }))).aliases,
    ).toEqual(['stable']);
    expect(await json(await put('stable', { version: 1 }))).toEqual({ alias: 'stable', version: 1 });
    const read = await json<ArtifactEnvelope>(
      await api.call(`/api/artifacts/${id()}?alias=stable`, { token }),
    );
    expect(read).toMatchObject({ version: 1, aliases: ['stable'] });
    const list = await json<VersionList>(await api.call(`/api/artifacts/${id()}/versions`, { token }));
    expect(list.items.map((v) => v.aliases)).toEqual([[], ['prod'], ['stable']]);
    expect(api.logs.some((l) => l.message === 'alias set' && l.alias === 'stable')).toBe(true);
  });

  it('DELETE removes it: 204, then 404; the version stays', async () => {
    await json(await put('doomed', { version: 2 }));
    const res = await del('doomed');
    expect(res.status).toBe(204);
    expect(await res.text()).toBe('');
    await problem(await del('doomed'), 404, /alias not found/);
    await problem(await api.call(`/api/artifacts/${id()}?alias=doomed`, { token }), 404);
    expect((await api.call(`/api/artifacts/${id()}?version=2`, { token })).status).toBe(200);
  });

  it('a version or artifact that does not exist is a 404; another tenant gets the same 404', async () => {
    await problem(await put('stable', { version: 4 }), 404, /not found/);
    const missing = await problem(
      await api.call(`/api/artifacts/${randomUUID()}/aliases/stable`, {
        method: 'PUT',
        token,
        body: { version: 1 },
      }),
      404,
    );
    const stranger = await api.user('someone-else');
    const foreign = await problem(await put('stable', { version: 1 }, { token: stranger }), 404);
    expect(foreign.detail).toBe(missing.detail);
    const foreignDelete = await problem(await del('prod', stranger), 404);
    const missingDelete = await problem(await del('prod', token, randomUUID()), 404);
    expect(foreignDelete.detail).toBe(missingDelete.detail);
    expect(
      (await json<ArtifactEnvelope>(await api.call(`/api/artifacts/${id()}?alias=prod`, { token }))).version,
    ).toBe(2);
  });

  it.each([
    ['latest', { version: 1 }, /latest/],
    ['Prod', { version: 1 }, /alias/],
    [`a${'b'.repeat(40)}`, { version: 1 }, /alias/],
    ['stable', { version: 0 }, /version/],
    ['stable', { version: 1.5 }, /version/],
    ['stable', { version: '2' }, /version/],
    ['stable', { version: 2147483648 }, /version/],
    ['stable', { version: 1, extra: true }, /extra/],
    ['stable', {}, /version/],
    ['stable', [1], /body/],
  ])('PUT %s with %j is a 400', async (alias, body, detail) => {
    await problem(await put(alias, body), 400, detail);
  });

  it('DELETE of latest or a malformed alias is a 400', async () => {
    await problem(await del('latest'), 400, /latest/);
    await problem(await del('no_UPPER'), 400, /alias/);
  });

  it('no body is a 400, a body that is not application/json a 415, malformed JSON a 400', async () => {
    await problem(
      await api.call(`/api/artifacts/${id()}/aliases/stable`, { method: 'PUT', token }),
      400,
      /body/,
    );
    await problem(
      await put('stable', '{"version": 1}', { headers: { 'content-type': 'text/plain' } }),
      415,
      /application\/json/,
    );
    await problem(
      await put('stable', 'version=1', { headers: { 'content-type': 'application/x-www-form-urlencoded' } }),
      415,
    );
    const malformed = await put('stable', '{"version": ', {
      headers: { 'content-type': 'application/json' },
    });
    expect(malformed.status).toBe(400);
    await malformed.arrayBuffer();
  });

  it('other methods are a 405 naming PUT and DELETE', async () => {
    const res = await api.call(`/api/artifacts/${id()}/aliases/prod`, { token });
    expect(res.headers.get('allow')).toBe('PUT, DELETE, OPTIONS');
    await problem(res, 405);
  });

  it('a CORS preflight for PUT with a JSON body is allowed', async () => {
    const res = await api.call(`/api/artifacts/${id()}/aliases/prod`, {
      method: 'OPTIONS',
      headers: {
        origin: IN_PROCESS_ORIGIN,
        'access-control-request-method': 'PUT',
        'access-control-request-headers': 'authorization, content-type',
      },
    });
    expect(res.status).toBe(204);
    expect(res.headers.get('access-control-allow-origin')).toBe(IN_PROCESS_ORIGIN);
    expect(res.headers.get('access-control-allow-methods')).toBe('PUT, DELETE');
    expect(res.headers.get('access-control-allow-headers')).toMatch(/Content-Type/);
  });
});

describe('GET /api/artifacts/{id}/status', () => {
  const status = (of: string, t = token, q = '') => api.call(`/api/artifacts/${of}/status${q}`, { token: t });

  it('stored, with the latest version', async () => {
    expect(await json(await status(id()))).toEqual({ state: 'stored', version: 3 });
  });

  it("unknown for an id never seen, and exactly the same for another tenant's id", async () => {
    const never = await status(randomUUID());
    const foreign = await status(id(), await api.user('someone-else'));
    expect(await json(never)).toEqual({ state: 'unknown' });
    expect(await json(foreign)).toEqual({ state: 'unknown' });
    expect(foreign.headers.get('content-length')).toBe(never.headers.get('content-length'));
  });

  it('rejected with its error code; deleted after a delete', async () => {
    const refused = randomUUID();
    const store: MetadataStore = api.metadata;
    await store.reject({
      uuid: refused,
      tenant_id: tenant,
      message_id: 'm-1',
      error_code: 'VERSION_CONFLICT',
      quarantine_path: 'quarantine/2026-12-03/m-1.json',
    });
    expect(await json(await status(refused))).toEqual({ state: 'rejected', error_code: 'VERSION_CONFLICT' });
    expect(await json(await status(refused, await api.user('someone-else')))).toEqual({ state: 'unknown' });

    const doomed = { ...key, artifact_id: randomUUID() };
    await seedVersion(api, doomed, { version: 1, document: docs[0]! });
    await seedVersion(api, doomed, { version: 2, document: docs[1]! });
    expect((await api.call(`/api/artifacts/${doomed.artifact_id}`, { method: 'DELETE', token })).status).toBe(
      204,
    );
    expect(await json(await status(doomed.artifact_id))).toEqual({ state: 'deleted' });
    expect(api.blobs.names().filter((n) => n.includes(doomed.artifact_id))).toEqual([]);
  });

  it('a service_role token names the tenant; a bad id or query is a 400', async () => {
    const service = await api.service();
    expect(await json(await status(id(), service, `?tenant_id=${tenant}`))).toEqual({
      state: 'stored',
      version: 3,
    });
    expect(await json(await status(id(), service, '?tenant_id=other'))).toEqual({ state: 'unknown' });
    await problem(await status(id(), service), 400, /tenant_id/);
    await problem(await status('not-a-uuid'), 400, /artifact id/);
    await problem(await status(id(), token, '?version=1'), 400, /version/);
  });
});

describe('lists and expiry', () => {
  it('list items carry version, latest_version and aliases', async () => {
    const list = await json<ListResponse>(await api.call('/api/artifacts?limit=200', { token }));
    expect(list.items.find((i) => i.artifact_id === id())).toMatchObject({
      version: 3,
      latest_version: 3,
      aliases: [],
    });
  });

  it('an expired older version is a 404, the rest of the artifact reads on', async () => {
    const aged = { ...key, artifact_id: randomUUID() };
    const past = new Date(Date.now() - 60_000).toISOString();
    await seedVersion(api, aged, { version: 1, document: docs[0]!, expires_at: past });
    await seedVersion(api, aged, { version: 2, document: docs[1]! });
    const base = `/api/artifacts/${aged.artifact_id}`;
    await problem(await api.call(`${base}?version=1`, { token }), 404);
    await problem(await api.call(`${base}/visuals/${CHART}?version=1`, { token }), 404);
    expect((await json<ArtifactEnvelope>(await api.call(base, { token }))).version).toBe(2);
  });
});

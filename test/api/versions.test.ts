/**
 * The contract of versions, aliases and status (docs/design.md, "Versions" and "Events") through the local stack: reads of any version by
 * number or alias (document, inline document, visuals), the versions list and its cursors, alias moves over
 * HTTP, status, retention per version, delete of every version, and strict validation of each new parameter
 * and body. Versions after the first are written and recorded through the stack's own stores (h.revise).
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ArtifactEnvelope, ListResponse, VersionList } from '../../functions/artifactsApi/schemas';
import {
  type ApiHarness,
  GIF_BASE64,
  ORIGIN,
  PNG_BASE64,
  type StoredArtifact,
  sampleDocument,
  startApiHarness,
  uniqueTenant,
} from './support/harness';

let h: ApiHarness;
const tenant = uniqueTenant('versions');
let token: string;
let stored: StoredArtifact;
const CHART = 'components.current_state.chart_visual';

/** Version N's document: the first one with another title and, from version 2, a PNG chart. */
const documentOf = (base: Record<string, unknown>, n: number) => ({
  ...base,
  title: `version ${n}`,
  components: {
    current_state: { summary: `v${n}`, chart_visual: { image_base64: n === 1 ? GIF_BASE64 : PNG_BASE64 } },
  },
});

beforeAll(async () => {
  h = await startApiHarness();
  token = await h.user(tenant);
  stored = await h.store(tenant);
  await h.revise(stored, 2, { document: documentOf(stored.document, 2), aliases: ['prod'] });
  await h.revise(stored, 3, { document: documentOf(stored.document, 3) });
}, 120_000);
afterAll(async () => {
  await h?.stop();
});

const base = () => `/api/artifacts/${stored.id}`;

async function json<T>(res: Response, status = 200): Promise<T> {
  const text = await res.text();
  expect(res.status, text).toBe(status);
  return JSON.parse(text) as T;
}

async function problem(res: Response, status: number, detail?: RegExp) {
  const body = await json<{ status: number; detail: string; type: string }>(res, status);
  expect(res.headers.get('content-type')).toBe('application/problem+json');
  if (detail) expect(body.detail).toMatch(detail);
  return body;
}

describe('reading a version', () => {
  it('defaults to the latest; ?version=N and ?alias= name others; the envelope says which', async () => {
    const latest = await json<ArtifactEnvelope>(await h.call(base(), { token }));
    expect(latest).toMatchObject({ version: 3, latest_version: 3, aliases: [] });
    expect(latest.file_path).toBe(`artifacts/report/${tenant}/${stored.id}/v3.json`);
    const first = await json<ArtifactEnvelope>(await h.call(`${base()}?version=1`, { token }));
    expect(first).toMatchObject({ version: 1, latest_version: 3, file_path: stored.row.file_path });
    expect(first.metadata.visuals).toEqual(stored.row.metadata.visuals);
    const prod = await json<ArtifactEnvelope>(await h.call(`${base()}?alias=prod`, { token }));
    expect(prod).toMatchObject({ version: 2, aliases: ['prod'] });
    expect((await json<ArtifactEnvelope>(await h.call(`${base()}?alias=latest`, { token }))).version).toBe(3);
  });

  it('?visuals=inline gives back each version exactly as it was published', async () => {
    const first = await json<ArtifactEnvelope>(await h.call(`${base()}?version=1&visuals=inline`, { token }));
    expect(first.artifact).toEqual(stored.document);
    for (const n of [2, 3]) {
      const res = await h.call(`${base()}?version=${n}&visuals=inline`, { token });
      expect((await json<ArtifactEnvelope>(res)).artifact).toEqual(documentOf(stored.document, n));
    }
  });

  it("each visual url names the version read, and serves that version's bytes", async () => {
    for (const [n, bytes] of [
      [1, GIF_BASE64],
      [2, PNG_BASE64],
    ] as const) {
      const body = await json<ArtifactEnvelope>(await h.call(`${base()}?version=${n}`, { token }));
      const url = (body.artifact as { components: { current_state: { chart_visual: { url: string } } } })
        .components.current_state.chart_visual.url;
      expect(url).toBe(`${base()}/visuals/${CHART}?version=${n}`);
      const res = await h.call(url, { token });
      expect(res.status).toBe(200);
      expect(Buffer.from(await res.arrayBuffer()).toString('base64')).toBe(bytes);
    }
    const prod = await h.call(`${base()}/visuals/${CHART}?alias=prod`, { token });
    expect(Buffer.from(await prod.arrayBuffer()).toString('base64')).toBe(PNG_BASE64);
  });

  it('a version or alias it does not have is a 404', async () => {
    await problem(await h.call(`${base()}?version=4`, { token }), 404, /artifact version not found/);
    await problem(await h.call(`${base()}?alias=nope`, { token }), 404, /artifact version not found/);
    await problem(await h.call(`${base()}/visuals/${CHART}?version=4`, { token }), 404, /visual not found/);
  });

  it('list items carry version, latest_version and aliases', async () => {
    const list = await json<ListResponse>(await h.call('/api/artifacts', { token }));
    expect(list.items.find((i) => i.artifact_id === stored.id)).toMatchObject({
      version: 3,
      latest_version: 3,
      aliases: [],
    });
  });
});

describe('validation', () => {
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
    ['alias=a%20b', /alias/],
    ['alias=', /alias/],
    ['version=1&alias=prod', /give version or alias, not both/],
    ['alias=prod&alias=latest', /alias must be given once/],
    ['colour=red', /colour/],
  ])('?%s is a 400 on the artifact and its visuals', async (query, detail) => {
    await problem(await h.call(`${base()}?${query}`, { token }), 400, detail);
    await problem(await h.call(`${base()}/visuals/workflow_visual?${query}`, { token }), 400, detail);
  });

  it.each([
    ['limit=0', /limit/],
    ['limit=201', /limit/],
    ['version=1', /version/],
    ['cursor=abc', /cursor is not valid/],
  ])('versions ?%s is a 400', async (query, detail) => {
    await problem(await h.call(`${base()}/versions?${query}`, { token }), 400, detail);
  });

  it('status takes no parameter but tenant_id', async () => {
    await problem(await h.call(`${base()}/status?version=1`, { token }), 400, /version/);
    await problem(await h.call('/api/artifacts/nope/status', { token }), 400, /artifact id/);
  });
});

describe('GET /api/artifacts/{id}/versions', () => {
  it('lists the versions newest first and pages with cursors until null', async () => {
    const all = await json<VersionList>(await h.call(`${base()}/versions`, { token }));
    expect(all.items.map((v) => v.version)).toEqual([3, 2, 1]);
    expect(all.items.map((v) => v.aliases)).toEqual([[], ['prod'], []]);
    expect(all.items[2]).toMatchObject({
      file_size: stored.row.file_size,
      file_hash: stored.row.file_hash,
      expires_at: null,
      metadata: { visuals: stored.row.metadata.visuals },
    });
    expect(all.next_cursor).toBeNull();

    const seen: number[] = [];
    let cursor: string | null = null;
    do {
      const q: string = cursor ? `&cursor=${encodeURIComponent(cursor)}` : '';
      const page: VersionList = await json<VersionList>(
        await h.call(`${base()}/versions?limit=2${q}`, { token }),
      );
      seen.push(...page.items.map((v) => v.version));
      cursor = page.next_cursor;
    } while (cursor);
    expect(seen).toEqual([3, 2, 1]);
  });

  it('a cursor is refused for another artifact or tenant; a list cursor is not a versions cursor', async () => {
    const page = await json<VersionList>(await h.call(`${base()}/versions?limit=1`, { token }));
    const cursor = encodeURIComponent(page.next_cursor!);
    const other = await h.store(tenant);
    await h.revise(other, 2);
    await problem(
      await h.call(`/api/artifacts/${other.id}/versions?cursor=${cursor}`, { token }),
      400,
      /cursor/,
    );
    const list = await json<ListResponse>(await h.call('/api/artifacts?limit=1', { token }));
    const listCursor = encodeURIComponent(list.next_cursor!);
    await problem(await h.call(`${base()}/versions?cursor=${listCursor}`, { token }), 400, /cursor/);
    const service = await h.service();
    await problem(
      await h.call(`${base()}/versions?cursor=${cursor}&tenant_id=${uniqueTenant('x')}`, { token: service }),
      400,
      /cursor/,
    );
  });
});

describe('aliases over HTTP', () => {
  const put = (alias: string, body: unknown, headers: Record<string, string> = {}) =>
    h.call(`${base()}/aliases/${alias}`, { method: 'PUT', token, body, headers });

  it('PUT sets and moves an alias (backwards too); reads follow it; DELETE removes it', async () => {
    expect(await json(await put('stable', { version: 1 }))).toEqual({ alias: 'stable', version: 1 });
    expect((await json<ArtifactEnvelope>(await h.call(`${base()}?alias=stable`, { token }))).version).toBe(1);
    expect(await json(await put('stable', { version: 3 }))).toEqual({ alias: 'stable', version: 3 });
    const latest = await json<ArtifactEnvelope>(await h.call(base(), { token }));
    expect(latest.aliases).toEqual(['stable']);
    expect(await json(await put('stable', { version: 2 }))).toEqual({ alias: 'stable', version: 2 });
    const versions = await json<VersionList>(await h.call(`${base()}/versions`, { token }));
    expect(versions.items.map((v) => v.aliases)).toEqual([[], ['prod', 'stable'], []]);

    const removed = await h.call(`${base()}/aliases/stable`, { method: 'DELETE', token });
    expect(removed.status).toBe(204);
    await problem(
      await h.call(`${base()}/aliases/stable`, { method: 'DELETE', token }),
      404,
      /alias not found/,
    );
    await problem(await h.call(`${base()}?alias=stable`, { token }), 404);
    expect((await h.call(`${base()}?version=2`, { token })).status).toBe(200);
  });

  it('a version that does not exist, or an artifact that does not, is a 404', async () => {
    await problem(await put('stable', { version: 4 }), 404, /not found/);
    await problem(
      await h.call(`/api/artifacts/${randomUUID()}/aliases/stable`, {
        method: 'PUT',
        token,
        body: { version: 1 },
      }),
      404,
    );
  });

  it.each([
    ['latest', { version: 1 }, /latest/],
    ['Stable', { version: 1 }, /alias/],
    ['stable', { version: 0 }, /version/],
    ['stable', { version: '1' }, /version/],
    ['stable', { version: 1, note: 'x' }, /note/],
    ['stable', {}, /version/],
  ])('PUT %s %j is a 400', async (alias, body, detail) => {
    await problem(await put(alias, body), 400, detail);
  });

  it('a body that is not JSON is a 415; no body a 400', async () => {
    await problem(
      await put('stable', '{"version":1}', { 'content-type': 'text/plain' }),
      415,
      /application\/json/,
    );
    await problem(
      await h.call(`${base()}/aliases/stable`, { method: 'PUT', token }),
      400,
      /body is required/,
    );
  });

  it('DELETE of latest is a 400', async () => {
    await problem(await h.call(`${base()}/aliases/latest`, { method: 'DELETE', token }), 400, /latest/);
  });

  it('a CORS preflight allows PUT with a JSON body from a listed origin', async () => {
    const res = await h.call(`${base()}/aliases/stable`, {
      method: 'OPTIONS',
      headers: {
        origin: ORIGIN,
        'access-control-request-method': 'PUT',
        'access-control-request-headers': 'authorization, content-type',
      },
    });
    expect(res.status).toBe(204);
    expect(res.headers.get('access-control-allow-methods')).toBe('PUT, DELETE');
    expect(res.headers.get('access-control-allow-headers')).toBe(
      'Authorization, Content-Type, If-None-Match, X-Request-Id',
    );
  });
});

describe('GET /api/artifacts/{id}/status', () => {
  const status = async (id: string, t = token) =>
    json(await h.call(`/api/artifacts/${id}/status`, { token: t }));

  it('stored with the latest version; unknown for an id never seen and for another tenant', async () => {
    expect(await status(stored.id)).toEqual({ state: 'stored', version: 3 });
    expect(await status(randomUUID())).toEqual({ state: 'unknown' });
    expect(await status(stored.id, await h.user(uniqueTenant('other')))).toEqual({ state: 'unknown' });
  });

  it('rejected with the error code while nothing is stored; deleted after a delete', async () => {
    const refused = randomUUID();
    await h.t.metadata.reject({
      uuid: refused,
      tenant_id: tenant,
      message_id: `m-${refused}`,
      error_code: 'INVALID_ARTIFACT',
      quarantine_path: `quarantine/2026-12-03/m-${refused}.json`,
    });
    expect(await status(refused)).toEqual({ state: 'rejected', error_code: 'INVALID_ARTIFACT' });
    expect(await status(refused, await h.user(uniqueTenant('other')))).toEqual({ state: 'unknown' });

    const doomed = await h.store(tenant, { document: sampleDocument('doomed') });
    await h.revise(doomed, 2, { document: documentOf(doomed.document, 2) });
    expect((await h.call(`/api/artifacts/${doomed.id}`, { method: 'DELETE', token })).status).toBe(204);
    expect(await status(doomed.id)).toEqual({ state: 'deleted' });
    expect(await h.t.objects(`artifacts/report/${tenant}/${doomed.id}`)).toEqual([]);
    await problem(await h.call(`/api/artifacts/${doomed.id}/versions`, { token }), 404);
  });
});

describe('retention per version', () => {
  it('an expired older version is a 404; once the latest expires, the whole artifact is', async () => {
    const aged = await h.store(tenant);
    await h.revise(aged, 2, { document: documentOf(aged.document, 2) });
    const at = `/api/artifacts/${aged.id}`;
    await h.sql(
      `UPDATE artifact_versions SET expires_at = now() - interval '1 minute' WHERE uuid = $1 AND version = 1`,
      [aged.id],
    );
    await problem(await h.call(`${at}?version=1`, { token }), 404);
    await problem(await h.call(`${at}/visuals/${CHART}?version=1`, { token }), 404);
    expect((await json<ArtifactEnvelope>(await h.call(at, { token }))).version).toBe(2);

    await h.sql(`UPDATE project_files SET expires_at = now() - interval '1 minute' WHERE uuid = $1`, [
      aged.id,
    ]);
    await problem(await h.call(at, { token }), 404);
    await problem(await h.call(`${at}?version=2`, { token }), 404);
    await problem(await h.call(`${at}/versions`, { token }), 404);
    await problem(await h.call(`${at}/aliases/x`, { method: 'PUT', token, body: { version: 2 } }), 404);
  });
});

/**
 * The contract of docs/design.md, "API" route by route, through the local stack: strict validation (ids, visual names,
 * limit, filters, cursors, unknown and repeated parameters), problem+json errors, visuals with ETag and
 * caching, inline documents, expiry, idempotent delete, CORS, request ids in responses and logs.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ArtifactEnvelope, ListResponse } from '../../functions/artifactsApi/schemas';
import { waitFor } from '../support/stack';
import {
  type ApiHarness,
  headerNames,
  ORIGIN,
  type StoredArtifact,
  sampleDocument,
  startApiHarness,
  uniqueTenant,
} from './support/harness';

let h: ApiHarness;
const tenant = uniqueTenant('contract');
let token: string;
let stored: StoredArtifact;

beforeAll(async () => {
  h = await startApiHarness();
  token = await h.user(tenant);
  stored = await h.store(tenant, { metadata: { execution_id: 'exec-1', session_id: 'sess-1' } });
}, 120_000);
afterAll(async () => {
  await h?.stop();
});

async function problem(res: Response, status: number, detail?: RegExp) {
  const text = await res.text();
  expect(res.status, text).toBe(status);
  expect(res.headers.get('content-type')).toBe('application/problem+json');
  expect(res.headers.get('cache-control')).toBe('no-store');
  const body = JSON.parse(text);
  expect(Object.keys(body).sort()).toEqual(['detail', 'request_id', 'status', 'title', 'type']);
  expect(body.status).toBe(status);
  expect(body.type).toMatch(/^urn:artifact-store:problem:[a-z_]+$/);
  expect(body.request_id).toBe(res.headers.get('x-request-id'));
  if (detail) expect(body.detail).toMatch(detail);
  return body as { detail: string; type: string };
}

describe('validation', () => {
  it.each([
    ['/api/artifacts/not-a-uuid', /artifact id/],
    ['/api/artifacts/not-a-uuid/visuals/workflow_visual', /artifact id/],
    [`/api/artifacts/${randomUUID()}/visuals/a..b`, /visual name/],
    [`/api/artifacts/${randomUUID()}/visuals/${'a'.repeat(101)}`, /visual name/],
    [`/api/artifacts/${randomUUID()}/visuals/a%2Fb`, /visual name/],
    ['/api/artifacts?limit=0', /limit/],
    ['/api/artifacts?limit=201', /limit/],
    ['/api/artifacts?limit=abc', /limit/],
    ['/api/artifacts?limit=1.5', /limit/],
    ['/api/artifacts?limit=-1', /limit/],
    ['/api/artifacts?limit=', /limit/],
    ['/api/artifacts?limit=1e2', /limit/],
    ['/api/artifacts?artifact_type=Bad-Type', /artifact_type/],
    [`/api/artifacts?execution_id=${'x'.repeat(201)}`, /execution_id/],
    ['/api/artifacts?session_id=', /session_id/],
    ['/api/artifacts?colour=red', /colour/],
    ['/api/artifacts?limit=1&limit=2', /limit must be given once/],
    ['/api/artifacts?cursor=abc', /cursor is not valid/],
    [`/api/artifacts/${randomUUID()}?visuals=embedded`, /visuals/],
    [`/api/artifacts/${randomUUID()}?foo=1`, /foo/],
    [`/api/artifacts/${randomUUID()}/visuals/workflow_visual?size=big`, /size/],
  ])('%s is a 400', async (path, detail) => {
    await problem(await h.call(path, { token }), 400, detail);
  });

  it('malformed percent-encoding in the path is a 400 (Express refuses it before the function runs)', async () => {
    const res = await h.call(`/api/artifacts/${randomUUID()}/visuals/%E0%A4%A`, { token });
    expect(res.status).toBe(400);
    await res.arrayBuffer();
  });

  it('a DELETE with a bad id or query is a 400 and deletes nothing', async () => {
    await problem(await h.call('/api/artifacts/nope', { method: 'DELETE', token }), 400, /artifact id/);
    await problem(
      await h.call(`/api/artifacts/${stored.id}?force=1`, { method: 'DELETE', token }),
      400,
      /force/,
    );
    expect(await h.t.metadata.get(stored.id, tenant)).not.toBeNull();
  });

  it('accepts limit 1 and 200, upper-case ids, and a trailing slash', async () => {
    for (const limit of [1, 200]) {
      expect((await h.call(`/api/artifacts?limit=${limit}`, { token })).status).toBe(200);
    }
    const res = await h.call(`/api/artifacts/${stored.id.toUpperCase()}/`, { token });
    expect(res.status).toBe(200);
    expect(((await res.json()) as ArtifactEnvelope).artifact_id).toBe(stored.id);
  });

  it('a cursor is refused for other filters or another tenant, never paging anything', async () => {
    const other = uniqueTenant('contract-other');
    await Promise.all([h.store(other), h.store(other)]);
    const otherToken = await h.user(other);
    const first = (await (
      await h.call('/api/artifacts?limit=1', { token: otherToken })
    ).json()) as ListResponse;
    expect(first.next_cursor).toBeTruthy();
    const cursor = encodeURIComponent(first.next_cursor!);
    await problem(
      await h.call(`/api/artifacts?limit=1&cursor=${cursor}`, { token }),
      400,
      /cursor is not valid/,
    );
    await problem(
      await h.call(`/api/artifacts?limit=1&artifact_type=report&cursor=${cursor}`, { token: otherToken }),
      400,
      /cursor is not valid/,
    );
    const [body, mac] = first.next_cursor!.split('.') as [string, string];
    const forged = Buffer.from(JSON.stringify({ ...JSON.parse(Buffer.from(body, 'base64url').toString()) }))
      .toString('base64url')
      .concat('x');
    await problem(await h.call(`/api/artifacts?cursor=${forged}.${mac}`, { token: otherToken }), 400);
    expect((await h.call(`/api/artifacts?limit=1&cursor=${cursor}`, { token: otherToken })).status).toBe(200);
  });

  it('unknown paths are 404 and other methods 405 with Allow, as problems', async () => {
    await problem(await h.call('/api/nothing', { token }), 404);
    await problem(await h.call(`/api/artifacts/${stored.id}/visuals`, { token }), 404);
    const res = await h.call(`/api/artifacts/${stored.id}`, { method: 'PUT', token });
    expect(res.headers.get('allow')).toBe('GET, DELETE, HEAD, OPTIONS');
    await problem(res, 405);
    const post = await h.call('/api/artifacts', { method: 'POST', token });
    expect(post.headers.get('allow')).toBe('GET, HEAD, OPTIONS');
    await problem(post, 405);
  });
});

describe('GET /api/artifacts/{id}', () => {
  it('returns the envelope, and the document with references and urls', async () => {
    const res = await h.call(`/api/artifacts/${stored.id}`, { token });
    expect(res.status).toBe(200);
    expect(res.headers.get('cache-control')).toBe('no-store');
    const body = (await res.json()) as ArtifactEnvelope;
    expect(body).toMatchObject({
      artifact_id: stored.id,
      artifact_type: 'report',
      tenant_id: tenant,
      status: 'active',
      expires_at: null,
      file_path: `artifacts/report/${tenant}/${stored.id}.json`,
      metadata: { execution_id: 'exec-1', session_id: 'sess-1', has_visuals: true },
    });
    const artifact = body.artifact as {
      workflow_visual: Record<string, unknown>;
      components: { current_state: { chart_visual: { url: string } } };
    };
    expect(artifact.workflow_visual).toMatchObject({
      title: `artifact of ${tenant} flow`,
      format: 'png',
      content_type: 'image/png',
      url: `/api/artifacts/${stored.id}/visuals/workflow_visual?version=1`,
    });
    expect(artifact.components.current_state.chart_visual.url).toBe(
      `/api/artifacts/${stored.id}/visuals/components.current_state.chart_visual?version=1`,
    );
    expect(JSON.stringify(artifact)).not.toContain('image_base64');
  });

  it('?visuals=inline gives back exactly the published document, with an exact Content-Length', async () => {
    const res = await h.call(`/api/artifacts/${stored.id}?visuals=inline`, { token });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/json; charset=utf-8');
    const text = Buffer.from(await res.arrayBuffer());
    expect(Number(res.headers.get('content-length'))).toBe(text.length);
    const body = JSON.parse(text.toString('utf8')) as ArtifactEnvelope;
    expect(body.artifact).toEqual(stored.document);
    expect(body.metadata.visuals).toHaveLength(3);

    const head = await h.call(`/api/artifacts/${stored.id}?visuals=inline`, { method: 'HEAD', token });
    expect(head.status).toBe(200);
    expect(head.headers.get('content-length')).toBe(String(text.length));
    expect((await head.arrayBuffer()).byteLength).toBe(0);
  });

  it('a document whose visual objects are gone is a 500 problem, not a broken document', async () => {
    const gone = await h.store(tenant);
    for (const v of gone.row.metadata.visuals) await h.t.blobs.delete(v.storage_path);
    await problem(await h.call(`/api/artifacts/${gone.id}?visuals=inline`, { token }), 500, /unexpected/);
  });
});

describe('GET /api/artifacts', () => {
  it('lists newest first, filters, and pages with next_cursor until null', async () => {
    const lister = uniqueTenant('contract-list');
    const ids: string[] = [];
    for (const i of [0, 1, 2]) {
      ids.push((await h.store(lister, { metadata: { execution_id: `exec-${i % 2}` } })).id);
    }
    const me = await h.user(lister);
    const all = (await (await h.call('/api/artifacts', { token: me })).json()) as ListResponse;
    expect(all.items.map((i) => i.artifact_id)).toEqual([...ids].reverse());
    expect(all.next_cursor).toBeNull();
    expect(JSON.stringify(all)).not.toContain('"artifact"');

    const filtered = (await (
      await h.call('/api/artifacts?execution_id=exec-0', { token: me })
    ).json()) as ListResponse;
    expect(filtered.items.map((i) => i.artifact_id)).toEqual([ids[2], ids[0]]);
    const none = (await (
      await h.call('/api/artifacts?artifact_type=sop', { token: me })
    ).json()) as ListResponse;
    expect(none).toEqual({ items: [], next_cursor: null });

    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const query: string = cursor ? `&cursor=${encodeURIComponent(cursor)}` : '';
      const page = (await (
        await h.call(`/api/artifacts?limit=2${query}`, { token: me })
      ).json()) as ListResponse;
      seen.push(...page.items.map((i) => i.artifact_id));
      cursor = page.next_cursor;
    } while (cursor);
    expect(seen).toEqual([...ids].reverse());
  });
});

describe('GET /api/artifacts/{id}/visuals/{name}', () => {
  const path = () => `/api/artifacts/${stored.id}/visuals/workflow_visual`;

  it('streams the bytes with their type, a strong ETag and private caching', async () => {
    const visual = stored.row.metadata.visuals.find((v) => v.name === 'workflow_visual')!;
    const res = await h.call(path(), { token });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('image/png');
    expect(res.headers.get('etag')).toBe(`"${visual.sha256}"`);
    expect(res.headers.get('cache-control')).toBe('private, max-age=300');
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    const bytes = Buffer.from(await res.arrayBuffer());
    expect(bytes.toString('base64')).toBe(
      (stored.document.workflow_visual as { image_base64: string }).image_base64,
    );
    expect(res.headers.get('content-length')).toBe(String(bytes.length));
  });

  it('answers If-None-Match with 304 (strong, weak, listed or *), else 200', async () => {
    const etag = (await h.call(path(), { token })).headers.get('etag')!;
    for (const header of [etag, `W/${etag}`, `"other", ${etag}`, '*']) {
      const res = await h.call(path(), { token, headers: { 'if-none-match': header } });
      expect(res.status, header).toBe(304);
      expect(res.headers.get('etag')).toBe(etag);
      expect(res.headers.get('cache-control')).toBe('private, max-age=300');
      expect((await res.arrayBuffer()).byteLength).toBe(0);
    }
    const changed = await h.call(path(), { token, headers: { 'if-none-match': '"something-else"' } });
    expect(changed.status).toBe(200);
    await changed.arrayBuffer();
  });

  it("a foreign If-None-Match never gets a 304 for someone else's visual", async () => {
    const etag = (await h.call(path(), { token })).headers.get('etag')!;
    const res = await h.call(path(), {
      token: await h.user('someone-else'),
      headers: { 'if-none-match': etag },
    });
    await problem(res, 404, /visual not found/);
  });

  it('HEAD gives the headers without the bytes', async () => {
    const res = await h.call(path(), { method: 'HEAD', token });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('image/png');
    expect(Number(res.headers.get('content-length'))).toBeGreaterThan(0);
    expect((await res.arrayBuffer()).byteLength).toBe(0);
  });

  it('serves an SVG with a sandboxing Content-Security-Policy', async () => {
    const res = await h.call(`/api/artifacts/${stored.id}/visuals/slides.0.slide_visual`, { token });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('image/svg+xml');
    expect(res.headers.get('content-security-policy')).toContain('sandbox');
    await res.arrayBuffer();
  });

  it('a visual name the artifact does not have is a 404', async () => {
    await problem(await h.call(`/api/artifacts/${stored.id}/visuals/other_visual`, { token }), 404, /visual/);
  });
});

describe('expired artifacts', () => {
  it('read as 404 everywhere, and are not listed', async () => {
    const expiring = uniqueTenant('contract-expiry');
    const kept = await h.store(expiring, { materialization: { mode: 'persist', retention_days: 1 } });
    expect(kept.row.expires_at).not.toBeNull();
    const me = await h.user(expiring);
    expect((await h.call(`/api/artifacts/${kept.id}`, { token: me })).status).toBe(200);
    await h.sql(`UPDATE project_files SET expires_at = now() - interval '1 minute' WHERE uuid = $1`, [
      kept.id,
    ]);
    await problem(await h.call(`/api/artifacts/${kept.id}`, { token: me }), 404, /artifact not found/);
    await problem(await h.call(`/api/artifacts/${kept.id}?visuals=inline`, { token: me }), 404);
    await problem(await h.call(`/api/artifacts/${kept.id}/visuals/workflow_visual`, { token: me }), 404);
    await problem(await h.call(`/api/artifacts/${kept.id}`, { method: 'DELETE', token: me }), 404);
    const list = (await (await h.call('/api/artifacts', { token: me })).json()) as ListResponse;
    expect(list.items).toEqual([]);
  });
});

describe('DELETE /api/artifacts/{id}', () => {
  it('204, then 404; no object of it remains and it reads as not found', async () => {
    const doomed = await h.store(tenant, { document: sampleDocument('doomed') });
    const prefix = `artifacts/report/${tenant}/${doomed.id}`;
    expect(await h.t.objects(prefix)).toHaveLength(4);
    const first = await h.call(`/api/artifacts/${doomed.id}`, { method: 'DELETE', token });
    expect(first.status).toBe(204);
    expect((await first.arrayBuffer()).byteLength).toBe(0);
    await problem(await h.call(`/api/artifacts/${doomed.id}`, { method: 'DELETE', token }), 404);
    expect(await h.t.objects(prefix)).toEqual([]);
    await problem(await h.call(`/api/artifacts/${doomed.id}`, { token }), 404);
    await problem(await h.call(`/api/artifacts/${doomed.id}/visuals/workflow_visual`, { token }), 404);
    await h.t.stack.eventsIdle();
    expect(await h.t.metadata.rowStates([doomed.id])).toMatchObject([{ deleted: true }]);
    expect(await h.t.objects(prefix)).toEqual([]);
  });

  it('two concurrent deletes both leave nothing behind', async () => {
    const doomed = await h.store(tenant);
    const statuses = await Promise.all(
      [0, 1].map(
        async () => (await h.call(`/api/artifacts/${doomed.id}`, { method: 'DELETE', token })).status,
      ),
    );
    expect(statuses.every((s) => s === 204 || s === 404)).toBe(true);
    expect(statuses).toContain(204);
    expect(await h.t.objects(`artifacts/report/${tenant}/${doomed.id}`)).toEqual([]);
  });
});

describe('CORS', () => {
  const preflight = (origin: string, path = `/api/artifacts/${randomUUID()}`) =>
    h.call(path, {
      method: 'OPTIONS',
      headers: {
        origin,
        'access-control-request-method': 'DELETE',
        'access-control-request-headers': 'authorization, if-none-match',
      },
    });

  it('answers a preflight from a listed origin, without a token', async () => {
    const res = await preflight(ORIGIN);
    expect(res.status).toBe(204);
    expect(res.headers.get('access-control-allow-origin')).toBe(ORIGIN);
    expect(res.headers.get('access-control-allow-methods')).toBe('GET, DELETE, HEAD');
    expect(res.headers.get('access-control-allow-headers')).toBe(
      'Authorization, Content-Type, If-None-Match, X-Request-Id',
    );
    expect(res.headers.get('access-control-max-age')).toBe('7200');
    expect(res.headers.get('access-control-allow-credentials')).toBeNull();
    expect(res.headers.get('vary')).toMatch(/Origin/);
    expect(res.headers.get('x-request-id')).toBeTruthy();
  });

  it('gives an unlisted origin no CORS header at all', async () => {
    for (const origin of ['https://evil.example.com', 'https://app.example.com.evil.com', 'null']) {
      const res = await preflight(origin);
      expect(res.status).toBe(204);
      expect(headerNames(res.headers).filter((k) => k.startsWith('access-control-'))).toEqual([]);
      const get = await h.call(`/api/artifacts/${stored.id}`, { token, headers: { origin } });
      expect(get.status).toBe(200);
      expect(get.headers.get('access-control-allow-origin')).toBeNull();
      expect(get.headers.get('vary')).toMatch(/Origin/);
      await get.arrayBuffer();
    }
  });

  it('marks responses to a listed origin, errors included, and exposes ETag and X-Request-Id', async () => {
    for (const [path, status] of [
      [`/api/artifacts/${stored.id}/visuals/workflow_visual`, 200],
      [`/api/artifacts/${randomUUID()}`, 404],
    ] as const) {
      const res = await h.call(path, { token, headers: { origin: ORIGIN } });
      expect(res.status).toBe(status);
      expect(res.headers.get('access-control-allow-origin')).toBe(ORIGIN);
      expect(res.headers.get('access-control-expose-headers')).toBe('ETag, X-Request-Id');
      expect(res.headers.get('vary')).toMatch(/Origin/);
      await res.arrayBuffer();
    }
    const unauthenticated = await h.call('/api/artifacts', { headers: { origin: ORIGIN } });
    expect(unauthenticated.status).toBe(401);
    expect(unauthenticated.headers.get('access-control-allow-origin')).toBe(ORIGIN);
  });

  it('an OPTIONS to an unknown path is a 404', async () => {
    expect((await preflight(ORIGIN, '/api/nowhere')).status).toBe(404);
  });
});

describe('request ids and logs', () => {
  it('echoes a sane X-Request-Id, replaces anything else with a UUID', async () => {
    const mine = `req-${randomUUID()}`;
    const res = await h.call(`/api/artifacts/${randomUUID()}`, { token, headers: { 'x-request-id': mine } });
    expect(res.headers.get('x-request-id')).toBe(mine);
    expect((await res.json()).request_id).toBe(mine);
    const odd = await h.call('/api/artifacts', {
      token,
      headers: { 'x-request-id': 'has spaces <and> more' },
    });
    expect(odd.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
    await odd.arrayBuffer();
  });

  it('every log line of a request carries its id, and no line carries a token', async () => {
    const id = `logs-${randomUUID()}`;
    const doomed = await h.store(tenant);
    const res = await h.call(`/api/artifacts/${doomed.id}`, {
      method: 'DELETE',
      token,
      headers: { 'x-request-id': id },
    });
    expect(res.status).toBe(204);
    const bad = `${token.slice(0, -4)}AAAA`;
    await (
      await h.call('/api/artifacts', { token: bad, headers: { 'x-request-id': `${id}-bad` } })
    ).arrayBuffer();
    // The closing `request` line is written when each response has gone out.
    const lines = await waitFor(async () => {
      const all = h.t.logs('artifactsApi');
      const closed = all.filter(
        (l) => l.message === 'request' && [id, `${id}-bad`].includes(String(l.request_id)),
      );
      return closed.length === 2 ? all : undefined;
    }, 'the request lines');
    const mine = lines.filter((l) => l.request_id === id);
    expect(mine.map((l) => l.message)).toEqual(['artifact deleted', 'request']);
    expect(mine.every((l) => l.tenant_id === tenant)).toBe(true);
    expect(mine.at(-1)).toMatchObject({ method: 'DELETE', status: 204, path: `/api/artifacts/${doomed.id}` });
    const refused = lines.find((l) => l.request_id === `${id}-bad`);
    expect(refused).toMatchObject({ message: 'request', status: 401, problem: 'token signature is invalid' });
    const all = h.t.stack.functions.artifactsApi.lines.join('\n');
    for (const part of [token, bad].flatMap((t) => t.split('.'))) expect(all).not.toContain(part);
  });
});

describe('clients that go away', () => {
  it('a client gone before the first byte is an INFO line, never an ERROR (20 times)', async () => {
    const { connect } = await import('node:net');
    const url = new URL(h.t.stack.urls.api);
    const ids: string[] = [];
    for (let i = 0; i < 20; i++) {
      const id = `gone-${randomUUID()}`;
      ids.push(id);
      const socket = connect(Number(url.port), url.hostname);
      await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
      socket.write(
        `GET /api/artifacts/${stored.id}/visuals/workflow_visual HTTP/1.1\r\nHost: x\r\n` +
          `Authorization: Bearer ${token}\r\nX-Request-Id: ${id}\r\n\r\n`,
      );
      // Gone right after asking: before the row lookup and the stream to storage are done.
      await new Promise((r) => setTimeout(r, i % 5));
      socket.destroy();
    }
    await waitFor(
      async () =>
        h.t.logs('artifactsApi').filter((l) => ids.includes(String(l.request_id)) && l.message === 'request')
          .length === ids.length || undefined,
      'a request line per request',
    );
    const lines = h.t.logs('artifactsApi').filter((l) => ids.includes(String(l.request_id)));
    expect(lines.filter((l) => l.severity === 'ERROR')).toEqual([]);
    expect(lines.some((l) => l.message === 'unexpected error')).toBe(false);
  });
});

describe('GET /api/openapi.json', () => {
  it('is served without a token', async () => {
    const res = await h.call('/api/openapi.json');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/json; charset=utf-8');
    expect((await res.json()).openapi).toBe('3.1.0');
  });
});

/**
 * The OpenAPI document: generated from the schemas (the committed docs/openapi.json is exactly what the
 * generator gives, and the API serves the same), describing every route, and describing what the API really
 * answers: real responses of every documented operation and status (500 aside) are checked against the
 * document's own schemas, so a drift between the two fails here.
 */
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildOpenApiDocument } from '../../functions/artifactsApi/openapi';
import { OPERATIONS } from '../../functions/artifactsApi/route-table';
import { ROUTES } from '../../functions/artifactsApi/router';
import { OPENAPI_FILE, openApiFileText } from '../../scripts/openapi';
import { type ApiHarness, type StoredArtifact, startApiHarness, uniqueTenant } from './support/harness';
import { type CheckedResponse, createOpenApiChecker } from './support/openapi-check';

interface Operation {
  operationId: string;
  responses: Record<string, unknown>;
}
interface Doc {
  openapi: string;
  paths: Record<string, Record<string, Operation>>;
  components: { schemas: Record<string, { properties: Record<string, Record<string, unknown>> }> };
}
const doc = buildOpenApiDocument(OPERATIONS) as unknown as Doc;
const checker = createOpenApiChecker(doc as unknown as Record<string, unknown>);

describe('the document', () => {
  it('docs/openapi.json is the generated document (run `npm run openapi` after changing the schemas)', () => {
    expect(readFileSync(OPENAPI_FILE, 'utf8')).toBe(openApiFileText());
  });

  it('is OpenAPI 3.1 and describes every API route and method the router serves (the browser is not API)', () => {
    expect(doc.openapi).toBe('3.1.0');
    const api = ROUTES.filter((r) => r.path.startsWith('/api/'));
    expect(ROUTES.filter((r) => !api.includes(r)).map((r) => r.path)).toEqual([
      '/',
      '/ui/app.js',
      '/ui/app.css',
    ]);
    for (const route of api) {
      for (const method of Object.keys(route.operations)) {
        expect(doc.paths[route.path]?.[method.toLowerCase()], `${method} ${route.path}`).toBeDefined();
      }
    }
    expect(Object.keys(doc.paths).sort()).toEqual(api.map((r) => r.path).sort());
  });

  it('has a unique operationId per operation and only resolvable references', () => {
    const ids = Object.values(doc.paths).flatMap((item) => Object.values(item).map((op) => op.operationId));
    expect(new Set(ids).size).toBe(ids.length);
    const refs = JSON.stringify(doc).match(/"\$ref":"[^"]+"/g) ?? [];
    for (const ref of refs) expect(() => checker.resolve(JSON.parse(`{${ref}}`))).not.toThrow();
  });
});

describe('real responses', () => {
  let h: ApiHarness;
  const tenant = uniqueTenant('openapi');
  let stored: StoredArtifact;
  let spare: StoredArtifact;
  const seen = new Set<string>();

  async function exchange(
    method: string,
    path: string,
    url: string,
    init: { token?: string; headers?: Record<string, string>; body?: unknown } = {},
  ): Promise<CheckedResponse> {
    const res = await h.call(url, { method, ...init });
    const checked = {
      method,
      path,
      status: res.status,
      headers: res.headers,
      body: Buffer.from(await res.arrayBuffer()),
    };
    expect(checker.check(checked), `${method} ${url}`).toEqual([]);
    seen.add(`${method} ${path} ${res.status}`);
    return checked;
  }

  beforeAll(async () => {
    h = await startApiHarness();
    [stored, spare] = await Promise.all([
      h.store(tenant, { metadata: { execution_id: 'e', session_id: 's', note: 'extra', n: 1 } }),
      h.store(tenant, { materialization: { mode: 'persist', retention_days: 7 } }),
    ]);
    await h.revise(stored, 2, { aliases: ['prod'] });
  }, 120_000);
  afterAll(async () => {
    await h?.stop();
  });

  it('503 while the JWKS cannot be fetched (checked first: the function has not fetched it yet)', async () => {
    h.jwks.failWith(500);
    try {
      const token = await h.rs256(tenant);
      const id = stored.id;
      await exchange('GET', '/api/artifacts', '/api/artifacts', { token });
      await exchange('GET', '/api/artifacts/{id}', `/api/artifacts/${id}`, { token });
      await exchange('DELETE', '/api/artifacts/{id}', `/api/artifacts/${id}`, { token });
      await exchange('GET', '/api/artifacts/{id}/versions', `/api/artifacts/${id}/versions`, { token });
      await exchange('GET', '/api/artifacts/{id}/status', `/api/artifacts/${id}/status`, { token });
      await exchange('GET', '/api/artifacts/{id}/lineage', `/api/artifacts/${id}/lineage`, { token });
      const alias = '/api/artifacts/{id}/aliases/{alias}';
      await exchange('PUT', alias, `/api/artifacts/${id}/aliases/x`, { token, body: { version: 1 } });
      await exchange('DELETE', alias, `/api/artifacts/${id}/aliases/x`, { token });
      for (const method of ['GET', 'HEAD']) {
        const res = await exchange(
          method,
          '/api/artifacts/{id}/visuals/{name}',
          `/api/artifacts/${id}/visuals/workflow_visual`,
          { token },
        );
        expect(res.status).toBe(503);
      }
    } finally {
      h.jwks.failWith(null);
    }
  });

  it('every other documented status of every operation', async () => {
    const token = await h.user(tenant);
    const bad = `${token.slice(0, -4)}AAAA`;
    const missing = randomUUID();
    const list = '/api/artifacts';
    await exchange('GET', list, '/api/artifacts?limit=1', { token });
    await exchange('GET', list, '/api/artifacts', { token });
    await exchange('GET', list, '/api/artifacts?limit=0', { token });
    await exchange('GET', list, '/api/artifacts');

    const one = '/api/artifacts/{id}';
    await exchange('GET', one, `/api/artifacts/${stored.id}`, { token });
    await exchange('GET', one, `/api/artifacts/${spare.id}?visuals=inline`, { token });
    await exchange('GET', one, `/api/artifacts/${stored.id}?visuals=inline`, { token });
    await exchange('GET', one, '/api/artifacts/nope', { token });
    await exchange('GET', one, `/api/artifacts/${stored.id}`, { token: bad });
    await exchange('GET', one, `/api/artifacts/${missing}`, { token });

    const visual = '/api/artifacts/{id}/visuals/{name}';
    const v = (name = 'workflow_visual', id = stored.id) => `/api/artifacts/${id}/visuals/${name}`;
    for (const name of [
      'workflow_visual',
      'components.current_state.chart_visual',
      'slides.0.slide_visual',
    ]) {
      const res = await exchange('GET', visual, v(name), { token });
      await exchange('GET', visual, v(name), {
        token,
        headers: { 'if-none-match': res.headers.get('etag')! },
      });
    }
    for (const method of ['GET', 'HEAD']) {
      await exchange(method, visual, v(), { token });
      await exchange(method, visual, v('a..b'), { token });
      await exchange(method, visual, v(), {});
      await exchange(method, visual, v('workflow_visual', missing), { token });
    }

    await exchange('GET', one, `/api/artifacts/${stored.id}?version=1`, { token });
    await exchange('GET', one, `/api/artifacts/${stored.id}?alias=prod&visuals=inline`, { token });
    await exchange('GET', visual, `${v()}?version=1`, { token });

    const versions = '/api/artifacts/{id}/versions';
    const vs = (q = '', id = stored.id) => `/api/artifacts/${id}/versions${q}`;
    const page = await exchange('GET', versions, vs('?limit=1'), { token });
    const next = JSON.parse(page.body.toString('utf8')).next_cursor as string;
    await exchange('GET', versions, vs(`?limit=1&cursor=${encodeURIComponent(next)}`), { token });
    await exchange('GET', versions, vs('?limit=0'), { token });
    await exchange('GET', versions, vs(), {});
    await exchange('GET', versions, vs('', missing), { token });

    const alias = '/api/artifacts/{id}/aliases/{alias}';
    const a = (name = 'stable', id = stored.id) => `/api/artifacts/${id}/aliases/${name}`;
    await exchange('PUT', alias, a(), { token, body: { version: 1 } });
    await exchange('PUT', alias, a('latest'), { token, body: { version: 1 } });
    await exchange('PUT', alias, a(), { body: { version: 1 } });
    await exchange('PUT', alias, a(), { token, body: { version: 9 } });
    await exchange('PUT', alias, a(), {
      token,
      body: 'version=1',
      headers: { 'content-type': 'text/plain' },
    });
    await exchange('DELETE', alias, a(), { token });
    await exchange('DELETE', alias, a(), { token });
    await exchange('DELETE', alias, a('latest'), { token });
    await exchange('DELETE', alias, a());

    const lineage = '/api/artifacts/{id}/lineage';
    const ln = (q = '', id = stored.id) => `/api/artifacts/${id}/lineage${q}`;
    await exchange('GET', lineage, ln('?direction=both&depth=2'), { token });
    await exchange('GET', lineage, ln('?depth=6'), { token });
    await exchange('GET', lineage, ln(), {});
    await exchange('GET', lineage, ln('', missing), { token });
    await exchange('GET', '/api/artifacts', `/api/artifacts?derived_from=${stored.id}`, { token });

    const status = '/api/artifacts/{id}/status';
    for (const id of [stored.id, missing, spare.id]) {
      await exchange('GET', status, `/api/artifacts/${id}/status`, { token });
    }
    await exchange('GET', status, '/api/artifacts/nope/status', { token });
    await exchange('GET', status, `/api/artifacts/${stored.id}/status`);

    await exchange('DELETE', one, `/api/artifacts/${spare.id}?x=1`, { token });
    await exchange('DELETE', one, `/api/artifacts/${spare.id}`);
    await exchange('DELETE', one, `/api/artifacts/${spare.id}`, { token });
    await exchange('DELETE', one, `/api/artifacts/${spare.id}`, { token });
    const deleted = await exchange('GET', status, `/api/artifacts/${spare.id}/status`, { token });
    expect(JSON.parse(deleted.body.toString('utf8'))).toEqual({ state: 'deleted' });
    await h.t.metadata.reject({
      uuid: missing,
      tenant_id: tenant,
      message_id: 'openapi-rejected',
      error_code: 'INVALID_ARTIFACT',
      quarantine_path: 'quarantine/2026-12-03/openapi-rejected.json',
    });
    const rejected = await exchange('GET', status, `/api/artifacts/${missing}/status`, { token });
    expect(JSON.parse(rejected.body.toString('utf8'))).toMatchObject({ state: 'rejected' });

    const served = await exchange('GET', '/api/openapi.json', '/api/openapi.json');
    expect(JSON.parse(served.body.toString('utf8'))).toEqual(doc);
  });

  it('covered every documented operation and status but 500 (and 302, in signed-visuals.test.ts)', () => {
    const documented = Object.entries(doc.paths).flatMap(([path, item]) =>
      Object.entries(item).flatMap(([method, op]) =>
        Object.keys(op.responses).map((status) => `${method.toUpperCase()} ${path} ${status}`),
      ),
    );
    const expected = documented.filter((d) => !d.endsWith(' 500') && !d.endsWith(' 302'));
    expect(expected.filter((d) => !seen.has(d))).toEqual([]);
  });

  it('a drift between the document and the responses is caught', async () => {
    const drifted = structuredClone(doc);
    const schemas = drifted.components.schemas;
    delete schemas.ArtifactSummary!.properties.ui_name;
    const status = schemas.Problem!.properties.status!;
    status.maximum = 450;
    const strict = createOpenApiChecker(drifted as unknown as Record<string, unknown>);
    const token = await h.user(tenant);
    const res = await h.call('/api/artifacts', { token });
    const listed = {
      method: 'GET',
      path: '/api/artifacts',
      status: res.status,
      headers: res.headers,
      body: Buffer.from(await res.arrayBuffer()),
    };
    expect(strict.check(listed).join('\n')).toMatch(/unexpected property ui_name/);
    const gone = await h.call('/api/artifacts', { token: 'x.y.z' });
    const problem = {
      method: 'GET',
      path: '/api/artifacts',
      status: gone.status,
      headers: gone.headers,
      body: Buffer.from(await gone.arrayBuffer()),
    };
    expect(checker.check(problem)).toEqual([]);
    status.maximum = 400;
    expect(strict.check(problem).join('\n')).toMatch(/above 400/);
  });
});

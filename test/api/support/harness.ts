/**
 * The API test harness: a local stack (test/support/stack.ts) configured as production would be (audience
 * check, a JWKS beside the shared secret, CORS for one origin), the tokens every test needs, raw requests, and
 * artifacts stored through the real pipeline (publish → storeArtifact → syncArtifactMetadata).
 */
import { randomUUID } from 'node:crypto';
import type { JWTPayload } from 'jose';
import pg from 'pg';
import { mintJwt } from '../../../local/tokens';
import type { ArtifactRow } from '../../../shared/domain/artifact-row';
import type { JsonObject } from '../../../shared/domain/json';
import type { StoreRequestInput } from '../../../shared/domain/store-request';
import { startTestStack, type TestStack, waitFor } from '../../support/stack';
import { type SeededVersion, seedVersion } from '../../support/versions';
import { type JwksServer, makeKey, signWith, startJwksServer, type TestKey } from './jwks-server';

export const ORIGIN = 'https://app.example.com';
export const AUDIENCE = 'authenticated';

/** Tiny but real images: the store types visuals by their bytes. */
export const PNG_BASE64 =
  'iVBORw0KGgoAAAANSUhEUgAAABAAAAAQCAIAAACQkWg2AAAAFklEQVR4nGPQzblPEmIY1TCqYfhqAAAywXgQgkPGPgAAAABJRU5ErkJggg==';
export const GIF_BASE64 = Buffer.concat([Buffer.from('GIF89a'), Buffer.from([1, 0, 1, 0, 0, 0, 0])]).toString(
  'base64',
);
export const SVG_BASE64 = Buffer.from(
  '<svg xmlns="http://www.w3.org/2000/svg" width="1" height="1"/>',
).toString('base64');

/** A document with three visuals: at the root, nested in components, and in an array. */
export function sampleDocument(label: string): Record<string, unknown> {
  return {
    title: label,
    steps: [{ id: 's1', name: 'first' }],
    workflow_visual: { image_base64: PNG_BASE64, title: `${label} flow` },
    components: {
      current_state: { summary: 'now', chart_visual: { image_base64: GIF_BASE64, caption: 'chart' } },
    },
    slides: [{ heading: 'one', slide_visual: { image_base64: SVG_BASE64 } }],
  };
}

export interface StoredArtifact {
  id: string;
  tenant: string;
  document: Record<string, unknown>;
  row: ArtifactRow;
}

export interface ApiHarness {
  t: TestStack;
  jwks: JwksServer;
  rsa: TestKey;
  /** An HS256 user token for `tenant` (audience included), with `claims` merged in. */
  user(tenant: string, claims?: JWTPayload, expiresIn?: string): Promise<string>;
  /** An RS256 user token from the JWKS. */
  rs256(tenant: string): Promise<string>;
  /** An HS256 service_role token (audience included). */
  service(): Promise<string>;
  /**
   * A request to the API; `token` becomes `Authorization: Bearer`; `body` is sent as JSON
   * (`application/json`), or as it is when a string. Redirects are not followed.
   */
  call(
    path: string,
    init?: { method?: string; token?: string; headers?: Record<string, string>; body?: unknown },
  ): Promise<Response>;
  /** Publishes `document` for `tenant` with a persist override and waits for its row. */
  store(
    tenant: string,
    options?: Partial<StoreRequestInput> & { document?: Record<string, unknown> },
  ): Promise<StoredArtifact>;
  /**
   * Version `version` of a stored artifact, written into the bucket and recorded through the stack's own
   * stores (test/support/versions.ts), its visuals reusing those of earlier versions with the same bytes.
   */
  revise(
    stored: StoredArtifact,
    version: number,
    options?: { document?: Record<string, unknown>; aliases?: string[] },
  ): Promise<SeededVersion>;
  /** Runs SQL on the stack's database. */
  sql(text: string, values?: unknown[]): Promise<pg.QueryResult>;
  stop(): Promise<void>;
}

export const uniqueTenant = (prefix: string) => `${prefix}-${randomUUID().slice(0, 8)}`;

export async function startApiHarness(env: Record<string, string> = {}): Promise<ApiHarness> {
  const rsa = await makeKey('RS256', 'harness-rsa');
  const jwks = await startJwksServer([rsa]);
  const t = await startTestStack({
    functionEnv: { AUTH_AUDIENCE: AUDIENCE, AUTH_JWKS_URL: jwks.url, CORS_ORIGINS: ORIGIN, ...env },
  });
  const db = new pg.Pool({ connectionString: t.stack.databaseUrl, max: 2 });
  const secret = t.stack.jwtSecret;
  const user = (tenant: string, claims: JWTPayload = {}, expiresIn = '10m') =>
    mintJwt(
      {
        sub: 'api-test',
        role: 'authenticated',
        aud: AUDIENCE,
        app_metadata: { tenant_id: tenant },
        ...claims,
      },
      secret,
      { expiresIn },
    );
  return {
    t,
    jwks,
    rsa,
    user,
    rs256: (tenant) =>
      signWith(rsa, {
        sub: 'api-test',
        role: 'authenticated',
        aud: AUDIENCE,
        app_metadata: { tenant_id: tenant },
      }),
    service: () =>
      mintJwt({ role: 'service_role', iss: 'supabase', aud: AUDIENCE }, secret, { expiresIn: '10m' }),
    call(path, init = {}) {
      const headers: Record<string, string> = { ...init.headers };
      if (init.token) headers.authorization = `Bearer ${init.token}`;
      let body: string | undefined;
      if (typeof init.body === 'string') body = init.body;
      else if (init.body !== undefined) {
        body = JSON.stringify(init.body);
        headers['content-type'] ??= 'application/json';
      }
      return fetch(`${t.stack.urls.api}${path}`, {
        method: init.method ?? 'GET',
        headers,
        body,
        redirect: 'manual',
      });
    },
    async store(tenant, options = {}) {
      const { document = sampleDocument(`artifact of ${tenant}`), ...request } = options;
      const published = await t.publish({
        artifact_type: 'report',
        tenant_id: tenant,
        artifact: document,
        materialization: { mode: 'persist', reason: 'api test' },
        ...request,
      });
      const row = await waitFor(
        () => t.metadata.get(published.artifact_id, tenant).then((r) => r ?? undefined),
        `row of ${published.artifact_id}`,
      );
      return { id: published.artifact_id, tenant, document, row };
    },
    async revise(stored, version, options = {}) {
      const earlier = await t.metadata.versions(stored.id, stored.tenant, 200);
      return seedVersion(
        t,
        { artifact_type: stored.row.artifact_type, tenant_id: stored.tenant, artifact_id: stored.id },
        {
          version,
          document: (options.document ?? stored.document) as JsonObject,
          earlier: (earlier?.items ?? []).flatMap((v) => v.metadata.visuals),
          ...(options.aliases ? { aliases: options.aliases } : {}),
        },
      );
    },
    sql: (text, values) => db.query(text, values),
    async stop() {
      await db.end();
      await t.stop();
      await jwks.close();
    },
  };
}

/** A problem body without its request id: what two answers to different requests can share. */
export function withoutRequestId(problem: Record<string, unknown>): Record<string, unknown> {
  const { request_id: _id, ...rest } = problem;
  return rest;
}

/** The names of a response's headers (lower case). */
export function headerNames(headers: Headers): string[] {
  const names: string[] = [];
  headers.forEach((_value, name) => {
    names.push(name);
  });
  return names;
}

/**
 * VISUAL_URL_MODE=signed: visual requests are answered with a 302 to a V4 signed URL. Signing happens
 * locally with a throwaway service account key (an RSA key made here), so no network is needed, and each URL's
 * signature is verified with the matching public key, from the canonical request GCS would rebuild.
 */
import { createHash, createVerify, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Storage } from '@google-cloud/storage';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildOpenApiDocument } from '../../functions/artifactsApi/openapi';
import { OPERATIONS } from '../../functions/artifactsApi/route-table';
import { GcsBlobStore } from '../../shared/adapters/gcs-blob-store';
import { type ApiHarness, type StoredArtifact, startApiHarness, uniqueTenant } from './support/harness';
import { createOpenApiChecker } from './support/openapi-check';

const CLIENT_EMAIL = 'artifacts-api@test-project.iam.gserviceaccount.com';
const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const PRIVATE_PEM = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();

/**
 * Verifies a V4 signed URL (GOOG4-RSA-SHA256, only `host` signed) with `key`, as GCS would: the canonical
 * request from the method, path, sorted query without the signature, and host (the client signs the host name
 * without a port); the string to sign from it.
 */
function verifySignedUrl(url: URL, key: KeyObject, method = 'GET'): boolean {
  const params = [...url.searchParams.entries()].filter(([k]) => k !== 'X-Goog-Signature');
  const enc = (s: string) =>
    encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
  const query = params
    .map(([k, v]) => [enc(k), enc(v)] as const)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([k, v]) => `${k}=${v}`)
    .join('&');
  const canonical = [
    method,
    url.pathname,
    query,
    `host:${url.hostname}`,
    '',
    'host',
    'UNSIGNED-PAYLOAD',
  ].join('\n');
  const date = url.searchParams.get('X-Goog-Date')!;
  const scope = url.searchParams.get('X-Goog-Credential')!.split('/').slice(1).join('/');
  const toSign = ['GOOG4-RSA-SHA256', date, scope, createHash('sha256').update(canonical).digest('hex')].join(
    '\n',
  );
  return createVerify('RSA-SHA256')
    .update(toSign)
    .verify(key, Buffer.from(url.searchParams.get('X-Goog-Signature')!, 'hex'));
}

describe('GcsBlobStore.signedReadUrl', () => {
  const store = new GcsBlobStore({
    bucket: 'prod-artifacts',
    storage: new Storage({
      credentials: { client_email: CLIENT_EMAIL, private_key: PRIVATE_PEM },
      projectId: 'p',
    }),
  });

  it('signs a V4 read URL locally, for the object, with the given lifetime and response type', async () => {
    const before = Date.now();
    const name = 'artifacts/report/tenant-a/0b0e5a3c-4f5e-4c8e-9a51-7f7f0f0f0f0f/components.chart_visual.png';
    const url = new URL(
      await store.signedReadUrl(name, { expiresInSeconds: 300, responseType: 'image/png' }),
    );
    expect(url.origin).toBe('https://storage.googleapis.com');
    expect(url.pathname).toBe(`/prod-artifacts/${name}`);
    const q = url.searchParams;
    expect(q.get('X-Goog-Algorithm')).toBe('GOOG4-RSA-SHA256');
    const day = new Date(before).toISOString().slice(0, 10).replace(/-/g, '');
    expect(q.get('X-Goog-Credential')).toBe(`${CLIENT_EMAIL}/${day}/auto/storage/goog4_request`);
    expect(q.get('X-Goog-Expires')).toBe('300');
    expect(q.get('X-Goog-SignedHeaders')).toBe('host');
    expect(q.get('response-content-type')).toBe('image/png');
    expect(q.get('X-Goog-Signature')).toMatch(/^[0-9a-f]{512}$/);
    expect(verifySignedUrl(url, publicKey)).toBe(true);
    const other = generateKeyPairSync('rsa', { modulusLength: 2048 }).publicKey;
    expect(verifySignedUrl(url, other)).toBe(false);
  });
});

describe('the API in signed mode', () => {
  let h: ApiHarness;
  let dir: string;
  const tenant = uniqueTenant('signed');
  let stored: StoredArtifact;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'artifact-store-sa-'));
    const keyFile = join(dir, 'service-account.json');
    writeFileSync(
      keyFile,
      JSON.stringify({
        type: 'service_account',
        project_id: 'test-project',
        private_key_id: 'test-key',
        private_key: PRIVATE_PEM,
        client_email: CLIENT_EMAIL,
        client_id: '1',
        token_uri: 'https://oauth2.googleapis.com/token',
      }),
    );
    h = await startApiHarness({
      VISUAL_URL_MODE: 'signed',
      SIGNED_URL_TTL_SECONDS: '120',
      GOOGLE_APPLICATION_CREDENTIALS: keyFile,
    });
    stored = await h.store(tenant);
  }, 120_000);
  afterAll(async () => {
    await h?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('answers 302 to a signed URL of exactly that object, never cached', async () => {
    const visual = stored.row.metadata.visuals.find(
      (v) => v.name === 'components.current_state.chart_visual',
    )!;
    for (const method of ['GET', 'HEAD']) {
      const res = await h.call(`/api/artifacts/${stored.id}/visuals/${visual.name}`, {
        method,
        token: await h.user(tenant),
      });
      expect(res.status).toBe(302);
      expect(res.headers.get('cache-control')).toBe('private, no-store');
      expect(res.headers.get('etag')).toBeNull();
      const body = Buffer.from(await res.arrayBuffer());
      expect(body.length).toBe(0);
      const location = new URL(res.headers.get('location')!);
      // Locally the client's endpoint is the GCS stand-in; in production it is storage.googleapis.com.
      expect(location.origin).toBe(h.t.stack.urls.gcs);
      expect(location.pathname).toBe(`/test-artifacts/${visual.storage_path}`);
      expect(location.searchParams.get('X-Goog-Expires')).toBe('120');
      expect(location.searchParams.get('X-Goog-Credential')).toMatch(new RegExp(`^${CLIENT_EMAIL}/`));
      expect(location.searchParams.get('response-content-type')).toBe('image/gif');
      expect(verifySignedUrl(location, publicKey)).toBe(true);
      if (method === 'GET') {
        const checked = {
          method,
          path: '/api/artifacts/{id}/visuals/{name}',
          status: res.status,
          headers: res.headers,
          body,
        };
        expect(createOpenApiChecker(buildOpenApiDocument(OPERATIONS)).check(checked)).toEqual([]);
      }
    }
  });

  it('checks the tenant before signing anything', async () => {
    const res = await h.call(`/api/artifacts/${stored.id}/visuals/workflow_visual`, {
      token: await h.user(uniqueTenant('signed-other')),
    });
    expect(res.status).toBe(404);
    expect(res.headers.get('location')).toBeNull();
    expect(await res.text()).not.toContain('X-Goog');
  });

  it('leaves the JSON routes as they are', async () => {
    const res = await h.call(`/api/artifacts/${stored.id}?visuals=inline`, { token: await h.user(tenant) });
    expect(res.status).toBe(200);
    expect((await res.json()).artifact).toEqual(stored.document);
  });
});

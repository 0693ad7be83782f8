/**
 * The artifact browser (docs/design.md, "Artifact browser"): `GET /` is its page, `GET /ui/app.js` and
 * `/ui/app.css` its script and style, all from the bundle (browser-assets.ts). No token: they hold no tenant
 * data; the app then calls the API from the same origin with the token the person gives it.
 *
 * Caching: the page is `no-store` (it names the current assets); an asset asked for with the `?v=` of its
 * current content is immutable for a year, anything else `no-cache` (a stale `v` never pins new content).
 * Every answer carries the browser's Content-Security-Policy, `nosniff` and `Referrer-Policy: no-referrer`.
 */
import type { Response } from '@google-cloud/functions-framework';
import { z } from 'zod';
import { BROWSER_CSP, type BrowserAsset, browserAssets } from '../browser-assets';
import { type AnyOperation, operation } from '../operation';
import { HttpProblem } from '../problem';

export const IMMUTABLE = 'public, max-age=31536000, immutable';

const AssetQuery = z.strictObject({
  v: z
    .string()
    .regex(/^[0-9a-f]{16}$/, 'the asset hash')
    .optional(),
});

function assetsOrFail() {
  const assets = browserAssets();
  if (!assets) {
    throw new HttpProblem(
      'not_found',
      'the artifact browser is not built into this function (npm run build)',
    );
  }
  return assets;
}

function send(res: Response, asset: BrowserAsset, cacheControl: string): void {
  res.status(200);
  res.setHeader('Content-Type', asset.contentType);
  res.setHeader('Cache-Control', cacheControl);
  res.setHeader('Content-Security-Policy', BROWSER_CSP);
  res.setHeader('X-Content-Type-Options', 'nosniff');
  res.setHeader('Referrer-Policy', 'no-referrer');
  res.setHeader('ETag', `"${asset.hash}"`);
  res.send(asset.body);
}

const common = { params: [] as const, auth: false, tags: ['browser'], problems: ['NotFound' as const] };

function assetOperation(operationId: string, path: string, what: string): AnyOperation {
  return operation({
    ...common,
    operationId,
    method: 'GET',
    path,
    query: AssetQuery,
    summary: `The artifact browser's ${what}`,
    responses: { '200': { description: `The ${what}.`, headers: ['Cache-Control'] } },
    handler: async ({ res, query }) => {
      const asset = assetsOrFail().assets[path];
      if (!asset) throw new HttpProblem('not_found', 'no such resource');
      send(res, asset, query.v === asset.hash ? IMMUTABLE : 'no-cache');
    },
  });
}

/**
 * The browser's operations, appended to the route table. Not part of the API: the OpenAPI document
 * describes `/api/...` only (openapi.ts).
 */
export const BROWSER_OPERATIONS: AnyOperation[] = [
  operation({
    ...common,
    operationId: 'browserPage',
    method: 'GET',
    path: '/',
    // The page takes no query; whatever is there is left to the app (nothing reads it).
    query: z.object({}),
    summary: 'The artifact browser',
    responses: { '200': { description: 'The page.', headers: ['Cache-Control'] } },
    handler: async ({ res }) => send(res, assetsOrFail().html, 'no-store'),
  }),
  assetOperation('browserScript', '/ui/app.js', 'script'),
  assetOperation('browserStyle', '/ui/app.css', 'style sheet'),
];

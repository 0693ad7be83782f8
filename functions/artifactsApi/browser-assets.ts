/**
 * The artifact browser's files (docs/design.md, "Artifact browser"): built from `ui/` by scripts/build
 * (scripts/build/browser-app.ts) and embedded in this function's bundle as the constant `__BROWSER_ASSETS__`,
 * so the function serves them from memory: no file to read, no build step at run time. Run from source (tsx,
 * vitest) there is no such constant and the browser routes answer 404, saying so.
 */

/** One built file, served at `path` (the HTML at `/`, the others under `/ui/`). */
export interface BrowserAsset {
  path: string;
  contentType: string;
  body: string;
  /** The first 16 hex digits of the body's sha256: asset URLs carry it as `?v=`. */
  hash: string;
}

export interface BrowserAssets {
  html: BrowserAsset;
  /** By path: `/ui/app.js`, `/ui/app.css`. */
  assets: Record<string, BrowserAsset>;
}

declare const __BROWSER_ASSETS__: BrowserAssets | undefined;

/** The embedded files, or null in a build without them (running from source). */
export function browserAssets(): BrowserAssets | null {
  return typeof __BROWSER_ASSETS__ === 'undefined' ? null : __BROWSER_ASSETS__;
}

/**
 * The Content-Security-Policy of the browser's HTML and assets: its own script and style only (no inline
 * code of any kind), images from itself and from object URLs (visuals are fetched with the token and shown
 * as blobs), requests to itself only; no plugin, frame, form target, base URL or framing. Trusted Types are
 * required with no policy, so no HTML string can ever reach a DOM sink: the app builds nodes only.
 */
export const BROWSER_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' blob: data:",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
  "require-trusted-types-for 'script'",
  "trusted-types 'none'",
].join('; ');

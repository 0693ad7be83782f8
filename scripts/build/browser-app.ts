/**
 * The web app of a function that has one (`functions/<name>/ui/main.ts`, today the artifact browser of
 * artifactsApi): its script and style sheet bundled and minified by esbuild for browsers, its page
 * (`ui/index.html`) pointing at them by content hash, all three embedded in the function's bundle as the
 * constant `__BROWSER_ASSETS__` (functions/artifactsApi/browser-assets.ts). Nothing is built at run time and
 * nothing is written beside the bundle.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join, relative, resolve, sep } from 'node:path';
import { gzipSync } from 'node:zlib';
import * as esbuild from 'esbuild';
import type { BrowserAsset, BrowserAssets } from '../../functions/artifactsApi/browser-assets';
import type { BrowserFileInfo } from './bundle-info';

export interface BrowserApp {
  assets: BrowserAssets;
  files: BrowserFileInfo[];
  /** Source files of the app, relative to the repository, `/`-separated. */
  inputs: string[];
}

/** Browsers of the last two years or so: ES2022 and modern CSS without prefixes. */
const TARGETS = ['chrome111', 'edge111', 'firefox115', 'safari16.4'];

export const hasBrowserApp = (functionDir: string) => existsSync(join(functionDir, 'ui', 'main.ts'));

function asset(path: string, contentType: string, body: string): BrowserAsset {
  const hash = createHash('sha256').update(body).digest('hex').slice(0, 16);
  return { path, contentType, body, hash };
}

async function bundleOne(root: string, entry: string): Promise<{ text: string; inputs: string[] }> {
  const result = await esbuild.build({
    absWorkingDir: root,
    entryPoints: [entry],
    bundle: true,
    minify: true,
    platform: 'browser',
    format: 'iife',
    target: TARGETS,
    legalComments: 'none',
    charset: 'utf8',
    metafile: true,
    write: false,
    outdir: 'out',
    logLevel: 'silent',
  });
  const file = result.outputFiles[0];
  if (!file) throw new Error(`build: esbuild wrote nothing for ${entry}`);
  const inputs = Object.keys(result.metafile.inputs).map((i) =>
    relative(root, resolve(root, i)).split(sep).join('/'),
  );
  return { text: file.text, inputs };
}

/** Builds the app of `functionDir` (which must have one: see hasBrowserApp). */
export async function buildBrowserApp(root: string, functionDir: string): Promise<BrowserApp> {
  const ui = join(functionDir, 'ui');
  const [script, style] = await Promise.all([
    bundleOne(root, join(ui, 'main.ts')),
    bundleOne(root, join(ui, 'styles.css')),
  ]);
  const js = asset('/ui/app.js', 'text/javascript; charset=utf-8', script.text);
  const css = asset('/ui/app.css', 'text/css; charset=utf-8', style.text);
  const template = readFileSync(join(ui, 'index.html'), 'utf8');
  const page = template
    .replace('%SCRIPT%', `${js.path}?v=${js.hash}`)
    .replace('%STYLE%', `${css.path}?v=${css.hash}`);
  if (/%[A-Z]+%/.test(page)) throw new Error(`build: ${join(ui, 'index.html')} has a placeholder left`);
  const html = asset('/', 'text/html; charset=utf-8', page);
  const files = [html, js, css].map((a) => {
    const bytes = Buffer.from(a.body);
    return { path: a.path, bytes: bytes.length, gzipBytes: gzipSync(bytes).length };
  });
  const inputs = [...new Set([...script.inputs, ...style.inputs, relative(root, join(ui, 'index.html'))])];
  return { assets: { html, assets: { [js.path]: js, [css.path]: css } }, files, inputs: inputs.sort() };
}

/**
 * `npm run screenshots`: the artifact browser's main pages, photographed in Chromium against a whole local
 * stack (the browser tests' harness and fixtures) into docs/screenshots/, for the README. Run by its own
 * vitest configuration (screenshots.config.ts), never by `npm test`.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { ROOT } from '../../scripts/build';
import { type ApiHarness, startApiHarness } from '../api/support/harness';
import { waitFor } from '../support/stack';
import { type Chromium, launchChromium } from './support/chromium';
import { type BrowserData, roadmapDocument, seedBrowserData } from './support/fixtures';
import { openPage, signInByLink } from './support/pages';

const OUT = join(ROOT, 'docs', 'screenshots');

let h: ApiHarness;
let chromium: Chromium;
let data: BrowserData;
let token: string;

beforeAll(async () => {
  h = await startApiHarness();
  data = await seedBrowserData(h, 'tenant-demo');
  token = await h.user(data.tenant, {}, '1h');
  // A second version of the roadmap, aliased, so that the artifact page shows versions and aliases.
  await h.t.publish({
    artifact_type: 'roadmap',
    tenant_id: data.tenant,
    artifact_id: data.roadmap.id,
    expected_version: 1,
    aliases: ['prod'],
    artifact: { ...roadmapDocument('Service desk roadmap'), revision: 'Portal pilot extended to 8 weeks' },
    metadata: { ui_name: 'Service desk roadmap', execution_id: 'exec-roadmap', session_id: 'session-a' },
    materialization: { mode: 'persist', reason: 'screenshots' },
  });
  await waitFor(
    async () => (await h.call(`/api/artifacts/${data.roadmap.id}?version=2`, { token })).ok,
    'version 2 of the roadmap',
  );
  chromium = await launchChromium();
  mkdirSync(OUT, { recursive: true });
}, 180_000);

afterAll(async () => {
  await chromium?.close();
  await h?.stop();
});

async function shoot(
  name: string,
  place: string,
  ready: string,
  options: { viewport?: { width: number; height: number }; element?: string; fullPage?: boolean } = {},
) {
  const { page, problems } = await openPage(chromium, options.viewport ?? { width: 1280, height: 860 });
  try {
    await signInByLink(page, h.t.stack.urls.api, token, place);
    await page.locator(ready).first().waitFor();
    await page.waitForFunction(() =>
      Array.from(document.images).every((img) => img.complete && img.naturalWidth > 0),
    );
    await page.evaluate(() => (document.activeElement as HTMLElement | null)?.blur());
    const path = join(OUT, `${name}.png`);
    if (options.element) await page.locator(options.element).screenshot({ path });
    else await page.screenshot({ path, fullPage: options.fullPage ?? false });
    expect(await problems()).toEqual([]);
    console.log(`wrote ${path}`);
  } finally {
    await page.close();
  }
}

it('photographs the list, an artifact with its images, its lineage, and the list on a phone', {
  timeout: 120_000,
}, async () => {
  await shoot('list', '#/', '#list-count');
  await shoot('artifact', `#/artifacts/${data.roadmap.id}`, '.gallery img', { fullPage: true });
  await shoot('lineage', `#/artifacts/${data.roadmap.id}`, 'svg.graph', { element: 'section.lineage' });
  await shoot('narrow', '#/?artifact_type=roadmap', '#list-count', { viewport: { width: 375, height: 700 } });
});

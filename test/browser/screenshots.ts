/**
 * `npm run screenshots`: the artifact browser's main pages, photographed in Chromium against a whole local
 * stack (the browser tests' harness and fixtures) into docs/screenshots/, for the README. Run by its own
 * vitest configuration (screenshots.config.ts), never by `npm test`.
 *
 * Lineage comes from the real route when the API has one, else from the documented answer served by a
 * stand-in route (support/stand-ins.ts); run it again once lineage is merged.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { OPERATIONS } from '../../functions/artifactsApi/route-table';
import { ROOT } from '../../scripts/build';
import { type ApiHarness, startApiHarness } from '../api/support/harness';
import { type Chromium, launchChromium } from './support/chromium';
import { type BrowserData, seedBrowserData } from './support/fixtures';
import { openPage, signInByLink } from './support/pages';
import { standInLineage } from './support/stand-ins';

const OUT = join(ROOT, 'docs', 'screenshots');
const served = (path: string) => OPERATIONS.some((op) => op.path === path);

let h: ApiHarness;
let chromium: Chromium;
let data: BrowserData;
let token: string;

beforeAll(async () => {
  h = await startApiHarness();
  data = await seedBrowserData(h, 'tenant-demo');
  token = await h.user(data.tenant, {}, '1h');
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
    if (!served('/api/artifacts/{id}/lineage')) {
      await standInLineage(
        page,
        [data.blueprint, data.roadmap, data.solution],
        served('/api/artifacts/{id}/versions'),
      );
    }
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

/**
 * The artifact browser (docs/design.md, "Artifact browser") in a real headless Chromium against a whole local
 * stack: sign in (pasted token, the `#token=` link), the list with a filter and paging, an artifact with its
 * images really rendered and its document tree driven by the keyboard, its versions and lineage, the 404,
 * 400, 401 and 503 states, a 375 px window, and the Content-Security-Policy: no violation while in use, and
 * in force when something tries. The routes' headers are checked without a browser.
 */
import { randomUUID } from 'node:crypto';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BROWSER_CSP } from '../../functions/artifactsApi/browser-assets';
import { type ApiHarness, startApiHarness, uniqueTenant } from '../api/support/harness';
import { waitFor } from '../support/stack';
import { type Chromium, hasChromium, launchChromium, runBrowserTests } from './support/chromium';
import { type BrowserData, roadmapDocument, seedBrowserData } from './support/fixtures';
import { openPage, signInByLink, type WatchedPage } from './support/pages';

let h: ApiHarness;
let data: BrowserData;
let base: string;
let token: string;

beforeAll(async () => {
  h = await startApiHarness();
  base = h.t.stack.urls.api;
  data = await seedBrowserData(h, uniqueTenant('browser'));
  token = await h.user(data.tenant, {}, '1h');
}, 180_000);

afterAll(async () => {
  await h?.stop();
});

describe('the browser routes', () => {
  it('GET / is the page: HTML, no-store, the CSP, nosniff, no referrer; pointing at hashed assets', async () => {
    const res = await h.call('/');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(res.headers.get('content-security-policy')).toBe(BROWSER_CSP);
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect(res.headers.get('referrer-policy')).toBe('no-referrer');
    const html = await res.text();
    expect(html).toMatch(/<script defer src="\/ui\/app\.js\?v=[0-9a-f]{16}"><\/script>/);
    expect(html).toMatch(/<link rel="stylesheet" href="\/ui\/app\.css\?v=[0-9a-f]{16}">/);
    expect(html).not.toMatch(/<script>|<style|style=/);
    const head = await h.call('/', { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(await head.text()).toBe('');
    expect((await h.call('/', { method: 'POST' })).status).toBe(405);
  });

  it('assets: immutable for the current hash, no-cache otherwise; 400 for a malformed hash', async () => {
    const html = await (await h.call('/')).text();
    for (const [path, type] of [
      ['/ui/app.js', 'text/javascript; charset=utf-8'],
      ['/ui/app.css', 'text/css; charset=utf-8'],
    ] as const) {
      const hash = new RegExp(`${path.replace(/\./g, '\\.')}\\?v=([0-9a-f]{16})`).exec(html)![1]!;
      const current = await h.call(`${path}?v=${hash}`);
      expect(current.status).toBe(200);
      expect(current.headers.get('content-type')).toBe(type);
      expect(current.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
      expect(current.headers.get('content-security-policy')).toBe(BROWSER_CSP);
      expect((await current.text()).length).toBeGreaterThan(100);
      for (const url of [path, `${path}?v=${'0'.repeat(16)}`]) {
        const other = await h.call(url);
        expect(other.status, url).toBe(200);
        expect(other.headers.get('cache-control'), url).toBe('no-cache');
      }
      expect((await h.call(`${path}?v=nope`)).status).toBe(400);
    }
    expect((await h.call('/ui/other.js')).status).toBe(404);
  });
});

describe.skipIf(!runBrowserTests)('the artifact browser in Chromium', () => {
  let chromium: Chromium;

  beforeAll(async () => {
    if (hasChromium) chromium = await launchChromium();
  }, 60_000);

  afterAll(async () => {
    await chromium?.close();
  });

  /** A fresh tab (its own session storage); fails the test on any uncaught error or CSP violation. */
  async function tab(
    use: (page: Page) => Promise<void>,
    viewport?: { width: number; height: number },
  ): Promise<void> {
    const watched: WatchedPage = await openPage(chromium, viewport);
    try {
      await use(watched.page);
      expect(await watched.problems()).toEqual([]);
    } finally {
      await watched.page.close();
    }
  }

  const heading = (page: Page, name: string) => page.getByRole('heading', { level: 1, name, exact: true });
  const rowNames = (page: Page) => page.locator('table.artifacts tbody td:first-child a').allTextContents();
  const go = (page: Page, hash: string) =>
    page.evaluate((h) => {
      location.hash = h;
    }, hash);

  it('is installed (required under CI)', () => {
    expect(hasChromium, 'Chromium must be installed under CI=true (.ci/run installs it)').toBe(true);
  });

  it('signs in with a pasted token (refusing what is not a JWT) and signs out', async () => {
    await tab(async (page) => {
      await page.goto(`${base}/`);
      await heading(page, 'Sign in').waitFor();
      const field = page.getByLabel('Access token (JWT)');
      await field.fill('not a token');
      await page.keyboard.press('Enter');
      await page.getByText('That is not a JWT').waitFor();
      expect(await field.getAttribute('aria-invalid')).toBe('true');
      await field.fill(`Bearer ${token}`);
      await page.getByRole('button', { name: 'Sign in' }).click();
      await heading(page, 'Artifacts').waitFor();
      expect(await page.locator('#tenant').textContent()).toBe(data.tenant);
      expect(await page.evaluate(() => sessionStorage.getItem('artifact-store.token'))).toBe(token);
      await page.getByRole('button', { name: 'Sign out' }).click();
      await heading(page, 'Sign in').waitFor();
      expect(await page.locator('#sign-in-message').textContent()).toBe('Signed out.');
      expect(await page.evaluate(() => sessionStorage.length)).toBe(0);
    });
  });

  it('signs in from the #token= link, which leaves the URL at once; the token is in session storage only', async () => {
    await tab(async (page) => {
      await signInByLink(page, base, token);
      expect(page.url()).toBe(`${base}/`);
      const storage = await page.evaluate(() => ({
        session: sessionStorage.getItem('artifact-store.token'),
        local: localStorage.length,
        cookie: document.cookie,
      }));
      expect(storage).toEqual({ session: token, local: 0, cookie: '' });
      expect(await rowNames(page)).toContain('Service desk roadmap');
    });
  });

  it('lists with a filter and pages with next_cursor', async () => {
    await tab(async (page) => {
      await signInByLink(page, base, token, '#/?execution_id=exec-paging&limit=2');
      await page.locator('#list-count', { hasText: '2 artifacts, more available' }).waitFor();
      expect(await rowNames(page)).toHaveLength(2);
      const names = new Set(await rowNames(page));
      await page.getByRole('button', { name: 'Load more' }).click();
      await page.locator('#list-count', { hasText: '4 artifacts, more available' }).waitFor();
      await page.getByRole('button', { name: 'Load more' }).click();
      await page.locator('#list-count', { hasText: /^5 artifacts$/ }).waitFor();
      expect(await page.getByRole('button', { name: 'Load more' }).count()).toBe(0);
      const all = await rowNames(page);
      expect(new Set(all).size).toBe(5);
      for (const n of names) expect(all).toContain(n);
      expect([...all].sort()).toEqual(data.reports.map((_, i) => `Weekly report ${i + 1}`).sort());
      // Focus went to the first artifact of the new page.
      expect(await page.evaluate(() => document.activeElement?.textContent)).toBe(all[4]);

      await page.getByLabel('Execution id').fill('');
      await page.getByLabel('Type').fill('roadmap');
      await page.getByRole('button', { name: 'Apply' }).click();
      await page.locator('#list-count', { hasText: /^1 artifact$/ }).waitFor();
      expect(await rowNames(page)).toEqual(['Service desk roadmap']);
      expect(new URL(page.url()).hash).toBe('#/?artifact_type=roadmap&limit=2');

      await page.getByLabel('Type').fill('no_such_type');
      await page.keyboard.press('Enter');
      await page.getByText('No artifacts match these filters.').waitFor();
    });
  });

  it('opens an artifact: its envelope, its images really rendered (blob URLs), its document', async () => {
    await tab(async (page) => {
      await signInByLink(page, base, token);
      await page.getByRole('link', { name: 'Service desk roadmap' }).click();
      await heading(page, 'Service desk roadmap').waitFor();
      expect(new URL(page.url()).hash).toBe(`#/artifacts/${data.roadmap.id}`);
      expect(await page.locator('.envelope').textContent()).toContain(data.roadmap.id);
      expect(await page.locator('.envelope').textContent()).toContain('exec-roadmap');
      const names = [
        'workflow_visual',
        'components.current_state.chart_visual',
        'components.target_state.chart_visual',
      ];
      for (const name of names) await page.locator(`img[data-visual="${name}"]`).waitFor();
      const images = await page.locator('.gallery img').evaluateAll((imgs) =>
        Promise.all(
          (imgs as HTMLImageElement[]).map(async (img) => {
            await img.decode();
            return { name: img.dataset.visual, src: img.src.slice(0, 5), width: img.naturalWidth };
          }),
        ),
      );
      expect(images.map((i) => i.name).sort()).toEqual([...names].sort());
      for (const image of images) {
        expect(image.src).toBe('blob:');
        expect(image.width, image.name).toBeGreaterThan(0);
      }
      expect(images.find((i) => i.name === 'workflow_visual')!.width).toBe(16);
      expect(images.find((i) => i.name === 'components.current_state.chart_visual')!.width).toBe(360);
      const tree = page.locator('.tree');
      expect(await tree.textContent()).toContain('"2027-H1"');
      expect(await page.getByRole('button', { name: 'phases [3 items]' }).getAttribute('aria-expanded')).toBe(
        'true',
      );
      await page.getByRole('link', { name: '← All artifacts' }).click();
      await heading(page, 'Artifacts').waitFor();
    });
  });

  it('expands and collapses the document tree with the keyboard', async () => {
    await tab(async (page) => {
      await signInByLink(page, base, token, `#/artifacts/${data.roadmap.id}`);
      await heading(page, 'Service desk roadmap').waitFor();
      const risks = page.getByRole('button', { name: 'risks {2 keys}' });
      expect(await risks.count()).toBe(0);
      const phase = page.getByRole('button', { name: '2 {5 keys}' });
      const expanded = () => phase.getAttribute('aria-expanded');
      await phase.focus();
      expect(await expanded()).toBe('false');
      await page.keyboard.press('Enter');
      expect(await expanded()).toBe('true');
      await risks.waitFor();
      await page.keyboard.press('Space');
      expect(await expanded()).toBe('false');
      expect(await risks.isVisible()).toBe(false);
      await page.keyboard.press('ArrowRight');
      expect(await expanded()).toBe('true');
      await page.keyboard.press('ArrowRight');
      expect(await page.evaluate(() => document.activeElement?.textContent)).toBe('owners [1 item]');
      await page.keyboard.press('ArrowLeft'); // owners is closed: up to its parent
      expect(await page.evaluate(() => document.activeElement?.textContent)).toBe('2 {5 keys}');
      await page.keyboard.press('ArrowLeft');
      expect(await expanded()).toBe('false');
      // Tab moves from toggle to toggle; a toggle's controlled group follows aria-controls.
      const controls = await phase.getAttribute('aria-controls');
      expect(await page.locator(`#${controls}`).isHidden()).toBe(true);
      await page.getByRole('button', { name: 'Expand all' }).click();
      expect(await page.locator('.tree .toggle[aria-expanded="false"]').count()).toBe(0);
      await page.getByRole('button', { name: 'Collapse all' }).click();
      expect(await page.locator('.tree .toggle[aria-expanded="true"]').count()).toBe(1);
    });
  });

  it('says when the API serves no versions or lineage (404/405) and shows the rest', async () => {
    await tab(async (page) => {
      await page.route(
        (url) => /\/(versions|lineage)$/.test(url.pathname),
        (route) =>
          route.fulfill({
            status: route.request().url().includes('/versions') ? 404 : 405,
            contentType: 'application/problem+json',
            body: JSON.stringify({
              type: 'urn:x',
              title: 'Not found',
              status: 404,
              detail: 'no such resource',
            }),
          }),
      );
      await signInByLink(page, base, token, `#/artifacts/${data.blueprint.id}`);
      await heading(page, 'Intake blueprint').waitFor();
      await page.locator('#no-versions').waitFor();
      await page.locator('#no-lineage').waitFor();
      expect(await page.locator('.error').count()).toBe(0);
    });
  });

  it('draws the lineage (parents above, children below) and follows an edge by mouse and keyboard', async () => {
    await tab(async (page) => {
      await signInByLink(page, base, token, `#/artifacts/${data.roadmap.id}`);
      await heading(page, 'Service desk roadmap').waitFor();
      const node = (a: { id: string }) => page.locator(`svg.graph a.node[data-key="${a.id}@1"]`);
      await node(data.roadmap).waitFor();
      const y = async (a: { id: string }) => Number(await node(a).locator('rect').getAttribute('y'));
      expect(await y(data.blueprint)).toBeLessThan(await y(data.roadmap));
      expect(await y(data.solution)).toBeGreaterThan(await y(data.roadmap));
      expect(await page.locator('#lineage-parents').textContent()).toContain('Intake blueprint');
      expect(await page.locator('#lineage-children').textContent()).toContain('Portal solution');
      await node(data.blueprint).click();
      await heading(page, 'Intake blueprint').waitFor();
      expect(new URL(page.url()).hash).toBe(`#/artifacts/${data.blueprint.id}?version=1`);
      await node(data.solution).waitFor();
      await node(data.solution).focus();
      await page.keyboard.press('Enter');
      await heading(page, 'Portal solution').waitFor();
    });
  });

  it('follows an edge to a parent named without a version (its latest when stored)', async () => {
    const child = await h.store(data.tenant, {
      artifact_type: 'solution',
      document: { synthesis: 'derived', n: 1 },
      metadata: { ui_name: 'Derived solution' },
      derived_from: [{ artifact_id: data.blueprint.id }],
    });
    await tab(async (page) => {
      await signInByLink(page, base, token, `#/artifacts/${child.id}`);
      await heading(page, 'Derived solution').waitFor();
      const parent = page.locator(`svg.graph a.node[data-key^="${data.blueprint.id}@"]`);
      await parent.click();
      await heading(page, 'Intake blueprint').waitFor();
    });
  });

  it('switches versions, with their aliases', async () => {
    const first = await h.store(data.tenant, {
      artifact_type: 'roadmap',
      document: roadmapDocument('Versioned roadmap, first draft'),
      metadata: { ui_name: 'Versioned roadmap' },
    });
    await h.t.publish({
      artifact_type: 'roadmap',
      tenant_id: data.tenant,
      artifact_id: first.id,
      expected_version: 1,
      aliases: ['prod'],
      artifact: roadmapDocument('Versioned roadmap, second draft'),
      metadata: { ui_name: 'Versioned roadmap' },
      materialization: { mode: 'persist', reason: 'browser test' },
    });
    await waitFor(
      async () => (await h.call(`/api/artifacts/${first.id}?version=2`, { token })).status === 200,
      'version 2',
    );
    await tab(async (page) => {
      await signInByLink(page, base, token, `#/artifacts/${first.id}`);
      await page.locator('#version-line', { hasText: 'Version 2 of 2' }).waitFor();
      const versions = page.locator('ol.versions li');
      await versions.nth(1).waitFor();
      expect(await versions.allTextContents()).toEqual([
        expect.stringMatching(/^Version 2latestprod/),
        expect.stringMatching(/^Version 1/),
      ]);
      expect(await page.locator('.tree').textContent()).toContain('second draft');
      await page.getByRole('link', { name: 'Version 1', exact: true }).click();
      await page.locator('#version-line', { hasText: 'Version 1 of 2' }).waitFor();
      expect(new URL(page.url()).hash).toBe(`#/artifacts/${first.id}?version=1`);
      await page.locator('.tree', { hasText: 'first draft' }).waitFor();
      expect(
        await page.getByRole('link', { name: 'Version 1', exact: true }).getAttribute('aria-current'),
      ).toBe('page');
      const img = page.locator('img[data-visual="components.current_state.chart_visual"]');
      await img.waitFor();
      const width = await img.evaluate(async (i: HTMLImageElement) => {
        await i.decode();
        return i.naturalWidth;
      });
      expect(width).toBe(360);
    });
  });

  it('an unknown id is a Not found page; a malformed one a Bad request', async () => {
    await tab(async (page) => {
      await signInByLink(page, base, token, `#/artifacts/${randomUUID()}`);
      await page.getByRole('alert').filter({ hasText: 'Not found' }).waitFor();
      expect(await page.getByRole('alert').textContent()).toContain('artifact not found');
      await page.getByRole('link', { name: '← All artifacts' }).waitFor();
      await go(page, '#/artifacts/not-an-id');
      await page.getByRole('alert').filter({ hasText: 'Bad request' }).waitFor();
      await go(page, '#/nowhere');
      await heading(page, 'Nothing here').waitFor();
    });
  });

  it('an expired token goes back to sign-in, saying why', async () => {
    const expired = await h.user(data.tenant, {}, '-10m');
    await tab(async (page) => {
      await page.goto(`${base}/#token=${expired}`);
      await heading(page, 'Sign in').waitFor();
      const message = await page.locator('#sign-in-message').textContent();
      expect(message).toMatch(/^You were signed out: .*expired.*Paste a new token\.$/);
      expect(await page.evaluate(() => sessionStorage.length)).toBe(0);
      expect(page.url()).toBe(`${base}/`);
      await page.getByLabel('Access token (JWT)').fill(token);
      await page.keyboard.press('Enter');
      await heading(page, 'Artifacts').waitFor();
    });
  });

  it('a 503 shows the problem with Retry, and Retry recovers', async () => {
    await tab(async (page) => {
      let failing = true;
      await page.route(
        (url) => url.pathname === '/api/artifacts',
        (route) =>
          failing
            ? route.fulfill({
                status: 503,
                contentType: 'application/problem+json',
                body: JSON.stringify({
                  type: 'urn:artifact-store:problem:unavailable',
                  title: 'Service unavailable',
                  status: 503,
                  detail: 'a backing service is unavailable; retry later',
                  request_id: 'req-503',
                }),
              })
            : route.continue(),
      );
      await signInByLink(page, base, token);
      const alert = page.getByRole('alert');
      await alert.filter({ hasText: 'The server could not answer (503)' }).waitFor();
      expect(await alert.textContent()).toContain('req-503');
      failing = false;
      await page.getByRole('button', { name: 'Retry' }).click();
      await page.locator('#list-count').waitFor();
    });
  });

  it('fits a 375 px window: nothing wider than the page, on the list and on an artifact', async () => {
    await tab(
      async (page) => {
        const overflow = () =>
          page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
        await signInByLink(page, base, token);
        await page.locator('#list-count').waitFor();
        expect(await overflow()).toBe(0);
        expect(await page.locator('table.artifacts thead').isVisible()).toBe(false);
        await go(page, `#/artifacts/${data.roadmap.id}`);
        await page.locator('svg.graph').waitFor();
        await page.locator('.gallery img').first().waitFor();
        await page.getByRole('button', { name: 'Expand all' }).click();
        expect(await overflow()).toBe(0);
        const box = await page.locator('.graph-wrap').boundingBox();
        expect(box!.x + box!.width).toBeLessThanOrEqual(375);
      },
      { width: 375, height: 740 },
    );
  });

  it('the CSP is in force: inline style, a request elsewhere and an HTML sink are all refused', async () => {
    const watched = await openPage(chromium);
    const { page } = watched;
    try {
      const response = await page.goto(`${base}/#token=${token}`);
      expect(response!.headers()['content-security-policy']).toBe(BROWSER_CSP);
      await heading(page, 'Artifacts').waitFor();
      expect(await watched.problems()).toEqual([]);
      const refused = await page.evaluate(async () => {
        const out: string[] = [];
        document.body.setAttribute('style', 'background: red');
        try {
          await fetch('http://127.0.0.1:9/elsewhere');
        } catch {
          out.push('fetch refused');
        }
        try {
          document.body.insertAdjacentHTML('beforeend', '<b>injected</b>');
        } catch {
          out.push('html refused');
        }
        await new Promise((r) => setTimeout(r, 100));
        return out;
      });
      expect(refused).toEqual(['fetch refused', 'html refused']);
      expect(await page.evaluate(() => getComputedStyle(document.body).backgroundColor)).not.toBe(
        'rgb(255, 0, 0)',
      );
      const problems = (await watched.problems()).join('\n');
      expect(problems).toMatch(/violation: style-src-attr/);
      expect(problems).toMatch(/violation: connect-src http:\/\/127\.0\.0\.1:9/);
      expect(problems).toMatch(/violation: require-trusted-types-for/);
    } finally {
      await page.close();
    }
  });
});

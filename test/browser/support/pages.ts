/**
 * Pages of the artifact browser under test: each records what must never happen (uncaught errors, and any
 * Content-Security-Policy or Trusted Types violation, from the console and from `securitypolicyviolation`
 * events), and signs in the way people do (the `#token=` link, or pasting a token).
 */
import type { Page } from 'playwright-core';
import type { Chromium } from './chromium';

export interface WatchedPage {
  page: Page;
  /** Uncaught errors and CSP violations so far. */
  problems(): Promise<string[]>;
}

export async function openPage(
  chromium: Chromium,
  viewport?: { width: number; height: number },
): Promise<WatchedPage> {
  const page = await chromium.context.newPage();
  // Well inside the test's own timeout, so that a wait that fails says which.
  page.setDefaultTimeout(10_000);
  if (viewport) await page.setViewportSize(viewport);
  const seen: string[] = [];
  page.on('pageerror', (err) => seen.push(`page error: ${err.message}`));
  page.on('console', (msg) => {
    if (/Content Security Policy|Trusted Type/i.test(msg.text())) seen.push(`console: ${msg.text()}`);
  });
  await page.addInitScript(() => {
    const w = window as unknown as { __violations: string[] };
    w.__violations = [];
    document.addEventListener('securitypolicyviolation', (e) => {
      w.__violations.push(`${e.effectiveDirective} ${e.blockedURI}`);
    });
  });
  return {
    page,
    async problems() {
      const violations = await page
        .evaluate(() => (window as unknown as { __violations?: string[] }).__violations ?? [])
        .catch(() => [] as string[]);
      return [...seen, ...violations.map((v) => `violation: ${v}`)];
    },
  };
}

/** Opens the browser with a token in the fragment, as the `npm start` banner's link does. */
export async function signInByLink(page: Page, base: string, token: string, place = ''): Promise<void> {
  await page.goto(`${base}/#token=${encodeURIComponent(token)}`);
  await page.getByRole('heading', { name: 'Artifacts', exact: true }).waitFor();
  if (place)
    await page.evaluate((hash) => {
      location.hash = hash;
    }, place);
}

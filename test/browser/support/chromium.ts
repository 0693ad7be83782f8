/**
 * Debian's Chromium, driven by playwright-core (no browser download): `CHROMIUM_PATH`, else
 * /usr/bin/chromium. `.ci/run` installs it when missing; under CI=true a missing browser fails the browser
 * tests, elsewhere they are skipped, saying so (as the gcloud tests do).
 */
import { accessSync, constants, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type BrowserContext, chromium } from 'playwright-core';

export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--no-first-run',
  '--disable-sync',
];

function executable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

export const hasChromium = executable(CHROMIUM_PATH);
export const CI = Boolean(process.env.CI);
/** Run the browser tests: when there is a browser, and always under CI (where its absence fails them). */
export const runBrowserTests = hasChromium || CI;
if (!runBrowserTests) {
  console.warn(
    `Chromium is not installed at ${CHROMIUM_PATH} (set CHROMIUM_PATH, or apt-get install chromium): skipping the browser tests (they run in CI)`,
  );
}

export interface Chromium {
  context: BrowserContext;
  close(): Promise<void>;
}

/** A headless Chromium with a fresh profile in a temporary folder, removed on close. */
export async function launchChromium(): Promise<Chromium> {
  if (!hasChromium) throw new Error(`Chromium is required under CI=true: none at ${CHROMIUM_PATH}`);
  const profile = mkdtempSync(join(tmpdir(), 'artifact-store-chromium-'));
  try {
    const context = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM_PATH,
      headless: true,
      args: CHROMIUM_ARGS,
      viewport: { width: 1280, height: 900 },
      locale: 'en-GB',
      timezoneId: 'UTC',
    });
    return {
      context,
      async close() {
        await context.close();
        rmSync(profile, { recursive: true, force: true });
      },
    };
  } catch (err) {
    rmSync(profile, { recursive: true, force: true });
    throw err;
  }
}

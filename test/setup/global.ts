/**
 * Starts the services the tests need, once for the whole run:
 * - PostgreSQL: DATABASE_URL when set, else an embedded cluster in a temporary directory; migrations applied.
 * - The function bundles (dist/functions), built once, so the end-to-end tests run what is deployed.
 * - The gcloud Pub/Sub emulator: PUBSUB_EMULATOR_HOST when set, else started here when `gcloud` is on the
 *   PATH. Without it the end-to-end tests push straight to the store function, and the test that needs the
 *   emulator fails under CI=true (skips with its reason elsewhere).
 * Each test file then creates what it needs on top (its own tenants, ids, stack on free ports).
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import { freePort } from '../../local/net';
import { startEmbeddedPostgres } from '../../local/postgres';
import { startPubSubEmulator } from '../../local/pubsub-emulator';
import { LocalStackError } from '../../local/stack-error';
import { build } from '../../scripts/build';
import { migrate } from '../../scripts/migrate';

declare module 'vitest' {
  export interface ProvidedContext {
    databaseUrl: string;
    /** host:port of the Pub/Sub emulator, or '' when there is none. */
    pubsubEmulatorHost: string;
  }
}

function hasGcloud(): boolean {
  return spawnSync('gcloud', ['--version'], { stdio: 'ignore' }).status === 0;
}

export default async function setup(project: TestProject) {
  const stops: Array<() => Promise<void>> = [];
  let dir: string | undefined;
  const teardown = async () => {
    for (const stop of stops.splice(0).reverse()) await stop().catch(() => {});
    if (dir) rmSync(dir, { recursive: true, force: true });
  };
  try {
    let databaseUrl = process.env.DATABASE_URL;
    if (!databaseUrl) {
      dir = mkdtempSync(join(tmpdir(), 'artifact-store-test-pg-'));
      const pg = await startEmbeddedPostgres({ dataDir: join(dir, 'data'), port: await freePort() });
      databaseUrl = pg.url;
      stops.push(pg.stop);
    }
    let emulatorHost = process.env.PUBSUB_EMULATOR_HOST ?? '';
    const [, , started] = await Promise.all([
      migrate(databaseUrl, { log: () => {} }),
      build({ log: () => {} }),
      !emulatorHost && hasGcloud() ? freePort().then((port) => startPubSubEmulator({ port })) : undefined,
    ]);
    if (started) {
      emulatorHost = started.host;
      stops.push(started.stop);
    }
    project.provide('databaseUrl', databaseUrl);
    project.provide('pubsubEmulatorHost', emulatorHost);
  } catch (err) {
    await teardown();
    // A problem the person can act on: one line saying what and what to do, not a stack trace.
    if (err instanceof LocalStackError) {
      process.stderr.write(`npm test: cannot start the test services: ${err.message}\n`);
      process.exit(1);
    }
    throw err;
  }
  return teardown;
}

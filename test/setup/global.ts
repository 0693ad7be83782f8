/**
 * Starts the services the tests need, once for the whole run:
 * - PostgreSQL: DATABASE_URL when set, else an embedded cluster in a temporary directory; migrations applied.
 * Each test file then creates what it needs on top (its own tenants, ids, stand-in servers).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import { freePort } from '../../local/net';
import { startEmbeddedPostgres } from '../../local/postgres';
import { migrate } from '../../scripts/migrate';

declare module 'vitest' {
  export interface ProvidedContext {
    databaseUrl: string;
  }
}

export default async function setup(project: TestProject) {
  let databaseUrl = process.env.DATABASE_URL;
  let stop: (() => Promise<void>) | undefined;
  let dir: string | undefined;
  if (!databaseUrl) {
    dir = mkdtempSync(join(tmpdir(), 'artifact-store-test-pg-'));
    const pg = await startEmbeddedPostgres({
      dataDir: join(dir, 'data'),
      port: await freePort(),
      quiet: true,
    });
    databaseUrl = pg.url;
    stop = pg.stop;
  }
  await migrate(databaseUrl, { log: () => {} });
  project.provide('databaseUrl', databaseUrl);
  return async () => {
    await stop?.();
    if (dir) rmSync(dir, { recursive: true, force: true });
  };
}

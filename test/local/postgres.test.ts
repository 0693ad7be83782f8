/**
 * The embedded PostgreSQL as `npm start` and the test setup run it: a cluster inside a mode-0700 directory
 * (as root, the `postgres` user cannot enter it: the cluster runs from the temporary folder for the run and
 * comes back at stop), PostgreSQL's own reason when it cannot start, and a run killed outright (its server
 * stopped and its cluster recovered by the next start). After every stop, the temporary folder is as it was.
 * The temporary folder is a private one (TMPDIR) so that other test files' directories do not interfere.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../local/net';
import { startEmbeddedPostgres } from '../../local/postgres';
import { LocalStackError } from '../../local/stack-error';

const isRoot = process.getuid?.() === 0;
let base: string;
let privateTmp: string;
const savedTmp = process.env.TMPDIR;

beforeAll(() => {
  base = mkdtempSync(join('/tmp', 'artifact-store-pgtest-'));
  privateTmp = join(base, 'tmp');
  mkdirSync(privateTmp, { mode: 0o777 });
  chmodSync(privateTmp, 0o1777);
  chmodSync(base, 0o755);
  process.env.TMPDIR = privateTmp;
});

afterAll(() => {
  if (savedTmp === undefined) delete process.env.TMPDIR;
  else process.env.TMPDIR = savedTmp;
  rmSync(base, { recursive: true, force: true });
});

/** A cluster path whose grandparent is mode 0700, like a checkout in root's home. */
function privateCluster(name: string): string {
  const home = join(base, `home-${name}`);
  mkdirSync(home, { mode: 0o700 });
  return join(home, 'checkout', '.local', 'postgres');
}

async function query(url: string, sql: string): Promise<Array<Record<string, unknown>>> {
  const client = new pg.Client(url);
  await client.connect();
  try {
    return (await client.query(sql)).rows;
  } finally {
    await client.end();
  }
}

describe('embedded PostgreSQL', () => {
  it('runs a cluster inside a mode-0700 directory, keeps its data, and leaves the temp folder as it was', {
    timeout: 120_000,
  }, async () => {
    const cluster = privateCluster('a');
    const port = await freePort();
    const progress: string[] = [];
    const first = await startEmbeddedPostgres({
      dataDir: cluster,
      port,
      onProgress: (l) => progress.push(l),
    });
    try {
      expect(first.url).toBe(`postgres://postgres:postgres@127.0.0.1:${port}/postgres`);
      await query(first.url, 'CREATE TABLE kept (v text); INSERT INTO kept VALUES ($$first run$$)');
      expect(await query(first.url, "SELECT current_setting('server_encoding') AS e")).toEqual([
        { e: 'UTF8' },
      ]);
      if (isRoot) {
        expect(progress.some((l) => l.includes('is not reachable by the postgres user'))).toBe(true);
        expect(readdirSync(privateTmp).filter((e) => e.startsWith('artifact-store-pg-'))).toHaveLength(1);
      }
      expect(progress.some((l) => l.startsWith('initialising a new PostgreSQL cluster'))).toBe(true);
    } finally {
      await first.stop();
    }
    expect(readdirSync(privateTmp)).toEqual([]);
    expect(existsSync(join(cluster, 'PG_VERSION'))).toBe(true);
    expect(existsSync(`${cluster}.relocated`)).toBe(false);

    const second = await startEmbeddedPostgres({ dataDir: cluster, port });
    try {
      expect(await query(second.url, 'SELECT v FROM kept')).toEqual([{ v: 'first run' }]);
    } finally {
      await second.stop();
    }
    expect(readdirSync(privateTmp)).toEqual([]);
  });

  it("says PostgreSQL's own reason when it cannot start, and what to do", { timeout: 60_000 }, async () => {
    const cluster = privateCluster('b');
    const port = await freePort();
    const squatter = createServer();
    await new Promise<void>((resolve) => squatter.listen(port, '127.0.0.1', resolve));
    try {
      const error = (await startEmbeddedPostgres({ dataDir: cluster, port }).catch(
        (e: unknown) => e,
      )) as Error;
      expect(error).toBeInstanceOf(LocalStackError);
      expect(error.message).toMatch(
        new RegExp(
          `^PostgreSQL did not start on 127.0.0.1:${port} \\(code 1\\): FATAL: could not create any TCP/IP sockets; free port ${port} or set POSTGRES_PORT$`,
        ),
      );
    } finally {
      await new Promise((r) => squatter.close(r));
    }
    expect(readdirSync(privateTmp)).toEqual([]);

    const running = await startEmbeddedPostgres({ dataDir: cluster, port: await freePort() });
    try {
      const twice = (await startEmbeddedPostgres({ dataDir: cluster, port: await freePort() }).catch(
        (e: unknown) => e,
      )) as Error;
      expect(twice).toBeInstanceOf(LocalStackError);
      expect(twice.message).toMatch(
        isRoot
          ? /is in use by this process already/
          : /FATAL: lock file "postmaster.pid" already exists HINT: Is another postmaster/,
      );
    } finally {
      await running.stop();
    }
    expect(readdirSync(privateTmp)).toEqual([]);
  });

  it('recovers from a run killed outright: its server stopped, its cluster back, nothing left', {
    timeout: 120_000,
  }, async () => {
    const cluster = privateCluster('c');
    const port = await freePort();
    const child: ChildProcess = spawn(
      process.execPath,
      ['scripts/tsx-run.js', 'test/local/fixtures/hold-postgres.ts', cluster, String(port)],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    await new Promise<void>((resolve, reject) => {
      child.stdout?.on('data', (c: Buffer) => c.toString().includes('READY') && resolve());
      child.once('exit', (code) => reject(new Error(`fixture exited ${code}`)));
    });
    // Killed without a chance to clean up: its server keeps running, orphaned.
    child.kill('SIGKILL');
    await new Promise((r) => child.once('exit', r));
    expect(await query(`postgres://postgres:postgres@127.0.0.1:${port}/postgres`, 'SELECT 1 AS one')).toEqual(
      [{ one: 1 }],
    ); // the orphaned server still runs

    const progress: string[] = [];
    const next = await startEmbeddedPostgres({ dataDir: cluster, port, onProgress: (l) => progress.push(l) });
    try {
      expect(
        progress.some((l) => /^stopping the PostgreSQL \(pid \d+\) an earlier run left running/.test(l)),
      ).toBe(true);
      expect(await query(next.url, 'SELECT 2 AS two')).toEqual([{ two: 2 }]);
    } finally {
      await next.stop();
    }
    expect(readdirSync(privateTmp)).toEqual([]);
    expect(existsSync(join(cluster, 'PG_VERSION'))).toBe(true);
  });
});

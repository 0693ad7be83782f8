/**
 * `startStack` as `npm start` uses it: one stack per data directory (a second start says which one runs),
 * every port checked before anything starts, servers on 127.0.0.1 only, and a function that dies afterwards
 * reported through `failure` so that the whole stack can go down with the reason.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, inject, it } from 'vitest';
import { freePort } from '../../local/net';
import { type Stack, type StackPorts, startStack } from '../../local/stack';
import { LocalStackError } from '../../local/stack-error';
import { readStackState } from '../../local/stack-lock';

const dirs: string[] = [];
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

async function ports(): Promise<StackPorts> {
  const [a, b, c, d, e] = await Promise.all(Array.from({ length: 5 }, () => freePort()));
  return {
    artifactsApi: a!,
    storeArtifact: b!,
    syncArtifactMetadata: c!,
    postgrest: d!,
    postgres: 0,
    gcs: e!,
  };
}

function start(dataDir: string, p: StackPorts, progress: string[] = []): Promise<Stack> {
  return startStack({
    dataDir,
    ports: p,
    projectId: 'stack-test',
    bucket: 'stack-test-artifacts',
    topic: 'requests',
    databaseUrl: inject('databaseUrl'),
    build: false,
    onProgress: (line) => progress.push(line),
  });
}

const accepts = (port: number, host: string) =>
  new Promise<boolean>((resolve) => {
    const socket = connect(port, host);
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });

it('runs one stack per data directory, on 127.0.0.1, and reports a function that dies', {
  timeout: 60_000,
}, async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'artifact-store-stack-'));
  dirs.push(dataDir);
  const progress: string[] = [];
  const stack = await start(dataDir, await ports(), progress);
  try {
    expect(progress).toContain(
      'starting artifactsApi, storeArtifact and syncArtifactMetadata under functions-framework',
    );
    expect(readStackState(dataDir)).toMatchObject({ pid: process.pid, urls: { api: stack.urls.api } });

    const port = stack.options.ports.artifactsApi;
    expect(await accepts(port, '127.0.0.1')).toBe(true);
    expect(await accepts(port, '127.0.0.2')).toBe(false); // loopback, but not the bind address
    expect(await accepts(stack.options.ports.gcs, '127.0.0.2')).toBe(false);

    // The lock is per process: another process starting on this directory is refused, naming this one.
    const other = spawnSync(
      process.execPath,
      ['scripts/tsx-run.js', 'test/local/fixtures/take-lock.ts', dataDir],
      { encoding: 'utf8' },
    );
    expect(other.status).not.toBe(0);
    expect(other.stderr).toContain(
      `another local stack (pid ${process.pid}) is already running on ${dataDir} (its API at ${stack.urls.api})`,
    );

    process.kill(stack.functions.storeArtifact.pid!, 'SIGKILL');
    await expect(stack.failure).resolves.toMatch(/^storeArtifact exited \(SIGKILL\)/);
  } finally {
    await stack.stop();
  }
  expect(existsSync(join(dataDir, 'stack.json'))).toBe(false);
  expect(await accepts(stack.options.ports.artifactsApi, '127.0.0.1')).toBe(false);
});

it('checks every port before starting anything', { timeout: 60_000 }, async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'artifact-store-stack-'));
  dirs.push(dataDir);
  const p = await ports();
  const squatter = createServer();
  await new Promise<void>((resolve) => squatter.listen(p.syncArtifactMetadata, '127.0.0.1', resolve));
  try {
    const progress: string[] = [];
    const error = await start(dataDir, p, progress).catch((err: unknown) => err);
    expect(error).toBeInstanceOf(LocalStackError);
    expect((error as Error).message).toMatch(
      new RegExp(
        `^port ${p.syncArtifactMetadata} \\(syncArtifactMetadata, SYNC_METADATA_PORT\\) is in use by another process.*; free it or set SYNC_METADATA_PORT$`,
      ),
    );
    expect(progress).toEqual([]); // nothing was started
    expect(await accepts(p.gcs, '127.0.0.1')).toBe(false);
    expect(readdirSync(dataDir)).toEqual([]); // no lock left, no bucket directory made
  } finally {
    await new Promise((r) => squatter.close(r));
  }
});

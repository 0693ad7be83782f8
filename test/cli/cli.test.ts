/**
 * The artifact-store CLI as a person runs it (`node bin/artifact-store.js`, i.e. `npx artifact-store`),
 * against a whole local stack: it runs from its bundle (built on demand), warns when the local policy will
 * not keep a publish and stores it with --persist, flags an unknown type with the nearest known one (an error
 * with --strict-type), follows the policy a running stack recorded, and says in one line when nothing answers.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../local/net';
import { staleReason } from '../../scripts/build-cli.js';
import { startTestStack, type TestStack, waitFor } from '../support/stack';

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

function cli(args: string[], env: Record<string, string>): Promise<Run> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['bin/artifact-store.js', ...args],
      { env: { PATH: process.env.PATH ?? '', ...env }, timeout: 60_000 },
      (err, stdout, stderr) => resolve({ code: err ? ((err.code as number) ?? 1) : 0, stdout, stderr }),
    );
  });
}

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'artifact-store-cli-'));
  writeFileSync(join(dir, 'bare.json'), JSON.stringify({ workflow: { id: 'cli-bare', steps: [] } }));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('the CLI bundle', () => {
  it('runs --help from dist/cli, built on demand', { timeout: 60_000 }, async () => {
    const run = await cli(['--help'], {});
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^usage: artifact-store <command>/);
    expect(staleReason()).toBeUndefined();
    const again = await cli(['token', '--tenant', 't1'], {});
    expect(again.stdout).toMatch(/^eyJ[\w-]+\.[\w-]+\.[\w-]+\n$/);
    const unknown = await cli(['frobnicate'], {});
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toBe('artifact-store: unknown command frobnicate\n');
  });

  it('says in one line when nothing answers', { timeout: 60_000 }, async () => {
    const port = await freePort();
    const list = await cli(['list'], { ARTIFACTS_API_URL: `http://127.0.0.1:${port}` });
    expect(list.code).toBe(1);
    expect(list.stderr).toBe(
      `artifact-store: no artifact store answers at http://127.0.0.1:${port} (ECONNREFUSED) (is npm start running? else set ARTIFACTS_API_URL)\n`,
    );
    const emulator = `127.0.0.1:${port}`;
    const publish = await cli(
      ['publish', join(dir, 'bare.json'), '--type', 'workflow', '--tenant', 't1', '--persist'],
      { PUBSUB_EMULATOR_HOST: emulator, LOCAL_DATA_DIR: dir },
    );
    expect(publish.code).toBe(1);
    expect(publish.stderr).toBe(
      `artifact-store: the Pub/Sub emulator at ${emulator} is not reachable (ECONNREFUSED); start it, or unset PUBSUB_EMULATOR_HOST\n`,
    );
  });
});

describe('publish against the local stack', () => {
  let t: TestStack;
  let env: Record<string, string>;
  beforeAll(async () => {
    t = await startTestStack();
    env = { ...t.stack.clientEnv, LOCAL_DATA_DIR: t.stack.options.dataDir };
  }, 120_000);
  afterAll(async () => {
    await t?.stop();
  });

  const publish = async (args: string[]) => {
    const run = await cli(['publish', join(dir, 'bare.json'), ...args], env);
    const id = run.code === 0 ? (JSON.parse(run.stdout) as { artifact_id: string }).artifact_id : undefined;
    return { ...run, id };
  };
  const stored = (id: string, tenant: string) =>
    waitFor(async () => (await t.api(`/api/artifacts/${id}`, { tenant })).status === 200, `artifact ${id}`);

  it('warns that the policy will drop a bare artifact, and stores it with --persist', {
    timeout: 60_000,
  }, async () => {
    const dropped = await publish(['--type', 'workflow', '--tenant', 'cli-tenant']);
    expect(dropped.code).toBe(0);
    expect(dropped.stderr).toBe(
      'artifact-store: warning: the local stack will not store this workflow for tenant cli-tenant: the shipped default policy makes it ephemeral; add --persist to keep it\n',
    );
    const kept = await publish(['--type', 'workflow', '--tenant', 'cli-tenant', '--persist']);
    expect(kept.code).toBe(0);
    expect(kept.stderr).toBe('');
    await stored(kept.id!, 'cli-tenant');
    await t.stack.eventsIdle();
    expect((await t.api(`/api/artifacts/${dropped.id}`, { tenant: 'cli-tenant' })).status).toBe(404);
  });

  it('flags an unknown type with the nearest known one; --strict-type refuses it', {
    timeout: 60_000,
  }, async () => {
    const warned = await publish(['--type', 'wrkflow', '--tenant', 'cli-tenant', '--persist']);
    expect(warned.code).toBe(0);
    expect(warned.stderr).toBe('artifact-store: warning: unknown type wrkflow; did you mean workflow?\n');
    await stored(warned.id!, 'cli-tenant');
    const refused = await publish([
      '--type',
      'wrkflow',
      '--tenant',
      'cli-tenant',
      '--persist',
      '--strict-type',
    ]);
    expect(refused.code).toBe(1);
    expect(refused.stdout).toBe('');
    expect(refused.stderr).toBe(
      'artifact-store: unknown type wrkflow; did you mean workflow? (--strict-type)\n',
    );
  });
});

describe('publish against a stack running another policy', () => {
  let t: TestStack;
  beforeAll(async () => {
    const policy = {
      version: 1,
      default: { mode: 'persist' },
      rules: [{ match: { tenant_id: ['quiet'] }, mode: 'ephemeral' }],
    };
    t = await startTestStack({ functionEnv: { MATERIALIZATION_POLICY: JSON.stringify(policy) } });
  }, 120_000);
  afterAll(async () => {
    await t?.stop();
  });

  it('follows the policy the running stack recorded, not the shipped default', {
    timeout: 60_000,
  }, async () => {
    const env = { ...t.stack.clientEnv, LOCAL_DATA_DIR: t.stack.options.dataDir };
    const kept = await cli(
      ['publish', join(dir, 'bare.json'), '--type', 'workflow', '--tenant', 'loud'],
      env,
    );
    expect(kept.code).toBe(0);
    expect(kept.stderr).toBe('');
    const dropped = await cli(
      ['publish', join(dir, 'bare.json'), '--type', 'workflow', '--tenant', 'quiet'],
      env,
    );
    expect(dropped.stderr).toBe(
      'artifact-store: warning: the local stack will not store this workflow for tenant quiet: rule 0 of MATERIALIZATION_POLICY makes it ephemeral; add --persist to keep it\n',
    );
  });
});

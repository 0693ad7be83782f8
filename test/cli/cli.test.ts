/**
 * The artifact-store CLI as a person runs it (`node bin/artifact-store.js`, i.e. `npx artifact-store`),
 * against a whole local stack: it runs from its bundle (built on demand), warns when the local policy will
 * not keep a publish and stores it with --persist, flags an unknown type with the nearest known one (an error
 * with --strict-type), follows the policy a running stack recorded, and says in one line when nothing answers.
 */
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../local/net';
import { staleReason } from '../../scripts/build-cli.js';
import { startTestStack, type TestStack, waitFor } from '../support/stack';
import { seedVersion } from '../support/versions';

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

describe('versions, aliases, status and publish --wait against the local stack', () => {
  let t: TestStack;
  let env: Record<string, string>;
  const tenant = 'cli-versions';
  beforeAll(async () => {
    t = await startTestStack();
    env = { ...t.stack.clientEnv, LOCAL_DATA_DIR: t.stack.options.dataDir };
  }, 120_000);
  afterAll(async () => {
    await t?.stop();
  });
  const run = (args: string[]) => cli([...args, '--tenant', tenant], env);
  const out = (r: Run) => JSON.parse(r.stdout);
  const publishWait = (args: string[]) =>
    run(['publish', join(dir, 'bare.json'), '--type', 'workflow', '--wait', ...args]);

  it('get --version and --alias, versions, alias set and rm, status', { timeout: 60_000 }, async () => {
    const kept = await publishWait(['--persist']);
    expect(kept.code, kept.stderr).toBe(0);
    const id = out(kept).artifact_id as string;
    await seedVersion(
      t,
      { artifact_type: 'workflow', tenant_id: tenant, artifact_id: id },
      { version: 2, document: { workflow: { id: 'cli-bare', steps: [{ id: 's1' }] } } },
    );
    const first = await run(['get', id, '--version', '1']);
    expect(out(first)).toMatchObject({
      version: 1,
      latest_version: 2,
      artifact: { workflow: { steps: [] } },
    });
    expect(out(await run(['alias', 'set', id, 'prod', '1']))).toEqual({ alias: 'prod', version: 1 });
    expect(out(await run(['get', id, '--alias', 'prod']))).toMatchObject({ version: 1, aliases: ['prod'] });
    const versions = out(await run(['versions', id]));
    expect(versions.items.map((v: { version: number; aliases: string[] }) => [v.version, v.aliases])).toEqual(
      [
        [2, []],
        [1, ['prod']],
      ],
    );
    const page = out(await run(['versions', id, '--limit', '1']));
    expect(page.next_cursor).toEqual(expect.any(String));
    expect(out(await run(['status', id]))).toEqual({ state: 'stored', version: 2 });
    expect(out(await run(['status', randomUUID()]))).toEqual({ state: 'unknown' });
    const removed = await run(['alias', 'rm', id, 'prod']);
    expect(removed.stdout).toBe('alias prod removed\n');
    const again = await run(['alias', 'rm', id, 'prod']);
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/^404 .*alias not found/);
    const both = await run(['get', id, '--version', '1', '--alias', 'prod']);
    expect(both.code).toBe(2);
    expect(both.stderr).toMatch(/^artifact-store: get takes --version or --alias, not both/);
  });

  it('publish --wait: stored exits 0 with the outcome; nothing in time exits 4', {
    timeout: 60_000,
  }, async () => {
    const kept = await publishWait(['--persist']);
    expect(kept.code, kept.stderr).toBe(0);
    expect(out(kept).outcome).toEqual({ state: 'stored', version: 1 });
    // Without --persist the shipped policy keeps nothing: no outcome ever comes.
    const dropped = await publishWait(['--timeout', '1']);
    expect(dropped.code).toBe(4);
    expect(out(dropped).outcome).toEqual({ state: 'unknown' });
    expect(dropped.stderr).toMatch(/artifact-store: no outcome within 1 s: not stored yet/);
  });

  it('publish --wait exits 3 on a rejection, naming its code', { timeout: 60_000 }, async () => {
    // A revision of version 1 of an id with no version: the store refuses it with VERSION_CONFLICT.
    const id = randomUUID();
    const refused = await publishWait(['--persist', '--id', id, '--revise', '1', '--timeout', '30']);
    expect(refused.code).toBe(3);
    expect(out(refused).outcome).toEqual({ state: 'rejected', error_code: 'VERSION_CONFLICT' });
    expect(refused.stderr).toMatch(/artifact-store: rejected: VERSION_CONFLICT/);
  });

  it('publish --derived-from, lineage and list --derived-from', { timeout: 60_000 }, async () => {
    const parent = out(await publishWait(['--persist'])).artifact_id as string;
    const made = await publishWait(['--persist', '--derived-from', parent.toUpperCase()]);
    expect(made.code, made.stderr).toBe(0);
    const child = out(made).artifact_id as string;
    const up = out(await run(['lineage', child, '--direction', 'up']));
    expect(up.edges).toEqual([
      { from: { artifact_id: child, version: 1 }, to: { artifact_id: parent, version: 1 } },
    ]);
    const down = out(await run(['lineage', parent, '--direction', 'down', '--depth', '2']));
    expect(down.nodes.map((n: { artifact_id: string }) => n.artifact_id).sort()).toEqual(
      [child, parent].sort(),
    );
    const children = out(await run(['list', '--derived-from', parent]));
    expect(children.items.map((i: { artifact_id: string }) => i.artifact_id)).toEqual([child]);
    const badDepth = await run(['lineage', child, '--depth', '9']);
    expect(badDepth.code).toBe(1);
    expect(badDepth.stderr).toMatch(/^400 /);
    const badParent = await publishWait(['--derived-from', 'not-an-id']);
    expect(badParent.code).toBe(2);
    expect(badParent.stderr).toMatch(/--derived-from takes an artifact id/);
  });

  it('refuses a bad --revise or --timeout before publishing anything', { timeout: 60_000 }, async () => {
    for (const args of [
      ['--revise', '0'],
      ['--revise', 'newest'],
      ['--timeout', '0'],
      ['--timeout', 'soon'],
    ]) {
      const bad = await publishWait(args);
      expect(bad.code, args.join(' ')).toBe(2);
      expect(bad.stdout).toBe('');
    }
    const lonely = await run(['publish', join(dir, 'bare.json'), '--type', 'workflow', '--timeout', '5']);
    expect(lonely.code).toBe(2);
    expect(lonely.stderr).toMatch(/--timeout goes with --wait/);
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

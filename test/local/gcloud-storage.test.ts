/**
 * The real gcloud CLI against the GCS stand-in of a whole local stack (docs/design.md, "Local stack": real clients are the judge of
 * the wire format), with the recipe the README gives: `api_endpoint_overrides/storage` pointing at the
 * stand-in, an access token from a file (nothing checks it; no login), a project, and a configuration
 * directory of its own. ls (bare, bucket, prefix, -l), cp in and out (small: multipart; 10 MB: resumable),
 * cat, rm, rm -r; and a manifest uploaded by gcloud reaches the sync function through the stand-in's
 * CloudEvents (seen by the relay in between) and becomes a readable artifact, gone again after `gcloud rm`.
 *
 * gcloud is installed on the team's machines and in CI: under CI=true its absence fails these tests; on a
 * laptop without it they are skipped, saying so.
 */
import { execFile, spawnSync } from 'node:child_process';
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeManifestMetadata } from '../../shared/domain/manifest-metadata';
import { startTestStack, type TestStack, waitFor } from '../support/stack';

const hasGcloud = spawnSync('gcloud', ['--version'], { stdio: 'ignore' }).status === 0;
const CI = Boolean(process.env.CI);
if (!hasGcloud && !CI)
  console.warn('gcloud is not installed: skipping the gcloud storage tests (they run in CI)');

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

describe.skipIf(!hasGcloud && !CI)('gcloud storage against the GCS stand-in', () => {
  let t: TestStack;
  let dir: string;
  let env: NodeJS.ProcessEnv;
  let bucket: string;

  const gcloud = (...args: string[]): Promise<Run> =>
    new Promise((resolve, reject) => {
      execFile(
        'gcloud',
        args,
        { env, maxBuffer: 64 * 1024 * 1024, timeout: 60_000 },
        (err, stdout, stderr) => {
          const code = err ? (typeof err.code === 'number' ? err.code : -1) : 0;
          if (err && typeof err.code !== 'number') reject(err);
          else resolve({ code, stdout, stderr });
        },
      );
    });
  /** Runs gcloud and fails with its stderr unless it exits 0. */
  const ok = async (...args: string[]): Promise<string> => {
    const run = await gcloud(...args);
    expect(run.code, `gcloud ${args.join(' ')}\n${run.stderr}`).toBe(0);
    return run.stdout;
  };

  beforeAll(async () => {
    t = await startTestStack();
    bucket = t.stack.options.bucket;
    dir = mkdtempSync(join(tmpdir(), 'artifact-store-gcloud-'));
    writeFileSync(join(dir, 'token'), 'local-stand-in-ignores-this-token\n');
    env = {
      PATH: process.env.PATH,
      HOME: dir,
      CLOUDSDK_CONFIG: join(dir, 'config'),
      CLOUDSDK_CORE_PROJECT: t.stack.options.projectId,
      CLOUDSDK_API_ENDPOINT_OVERRIDES_STORAGE: `${t.stack.urls.gcs}/`,
      CLOUDSDK_AUTH_ACCESS_TOKEN_FILE: join(dir, 'token'),
      CLOUDSDK_CORE_DISABLE_PROMPTS: '1',
      CLOUDSDK_CORE_DISABLE_USAGE_REPORTING: 'true',
      CLOUDSDK_COMPONENT_MANAGER_DISABLE_UPDATE_CHECK: 'true',
    };
  }, 120_000);

  afterAll(async () => {
    await t?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('is installed (required under CI)', () => {
    expect(hasGcloud, 'gcloud must be on the PATH under CI=true').toBe(true);
  });

  it('copies in and out (small and 10 MB), lists, reads, and removes', { timeout: 180_000 }, async () => {
    const small = join(dir, 'small.txt');
    const big = join(dir, 'big.bin');
    writeFileSync(small, 'hello from gcloud\n');
    const bigBytes = randomBytes(10 * 1024 * 1024);
    writeFileSync(big, bigBytes);

    await Promise.all([
      ok('storage', 'cp', small, `gs://${bucket}/g/small.txt`),
      ok('storage', 'cp', big, `gs://${bucket}/g/deep/big.bin`), // resumable from 8 MiB
    ]);

    // Read-only calls, side by side (each gcloud call costs a Python start).
    const [bare, top, prefix, long, cat] = await Promise.all([
      ok('storage', 'ls'),
      ok('storage', 'ls', `gs://${bucket}`),
      ok('storage', 'ls', `gs://${bucket}/g/`),
      ok('storage', 'ls', '-l', `gs://${bucket}/g/deep/`),
      ok('storage', 'cat', `gs://${bucket}/g/small.txt`),
      ok('storage', 'cp', `gs://${bucket}/g/deep/big.bin`, join(dir, 'big.out')),
      ok('storage', 'cp', `gs://${bucket}/g/small.txt`, join(dir, 'small.out')),
    ]);
    expect(bare.trim().split('\n')).toContain(`gs://${bucket}/`);
    expect(top).toContain(`gs://${bucket}/g/`);
    expect(prefix.trim().split('\n').sort()).toEqual([
      `gs://${bucket}/g/deep/`,
      `gs://${bucket}/g/small.txt`,
    ]);
    expect(long).toMatch(new RegExp(`^\\s*10485760\\s+\\S+\\s+gs://${bucket}/g/deep/big\\.bin$`, 'm'));
    expect(long).toMatch(/TOTAL: 1 objects, 10485760 bytes/);
    expect(cat).toBe('hello from gcloud\n');
    expect(readFileSync(join(dir, 'big.out')).equals(bigBytes)).toBe(true);
    expect(readFileSync(join(dir, 'small.out'), 'utf8')).toBe('hello from gcloud\n');

    await ok('storage', 'rm', `gs://${bucket}/g/small.txt`);
    expect(await ok('storage', 'ls', `gs://${bucket}/g/`)).not.toContain('small.txt');
    await ok('storage', 'cp', small, `gs://${bucket}/g/deep/again.txt`);
    await ok('storage', 'rm', '-r', `gs://${bucket}/g`);
    const after = await gcloud('storage', 'ls', `gs://${bucket}/g/`);
    expect(after.code).not.toBe(0);
    expect(after.stderr).toMatch(/matched no objects/);
    expect((await t.objects('g/')).map((o) => o.name)).toEqual([]);
  });

  it('a manifest uploaded by gcloud reaches the sync function and becomes a readable artifact', {
    timeout: 120_000,
  }, async () => {
    const tenant = `tenant-gcloud-${randomUUID().slice(0, 8)}`;
    const id = randomUUID();
    const name = `artifacts/workflow/${tenant}/${id}.json`;
    const document = { workflow: { id: 'uploaded-by-gcloud', steps: [{ name: 'one' }] } };
    const bytes = Buffer.from(JSON.stringify(document));
    const file = join(dir, 'manifest.json');
    writeFileSync(file, bytes);
    const metadata = encodeManifestMetadata({
      artifact_id: id,
      artifact_type: 'workflow',
      tenant_id: tenant,
      sha256: createHash('sha256').update(bytes).digest('hex'),
      user_id: null,
      ui_name: 'uploaded with gcloud',
      execution_id: null,
      session_id: null,
      extra: {},
      materialization: {
        mode: 'persist',
        source: 'override',
        rule_index: null,
        retention_days: null,
        reason: 'gcloud test',
      },
      expires_at: null,
    });
    const flag = `--custom-metadata=^|^${Object.entries(metadata)
      .map(([k, v]) => `${k}=${v}`)
      .join('|')}`;
    await ok('storage', 'cp', file, `gs://${bucket}/${name}`, flag);

    await waitFor(
      async () => t.relay.seen.some((e) => e.name === name && e.type.endsWith('.finalized')),
      'finalize event',
    );
    const res = await waitFor(async () => {
      const r = await t.api(`/api/artifacts/${id}`, { tenant });
      return r.status === 200 ? r : undefined;
    }, 'the artifact row');
    const envelope = (await res.json()) as Record<string, unknown>;
    expect(envelope).toMatchObject({
      artifact_id: id,
      tenant_id: tenant,
      ui_name: 'uploaded with gcloud',
      artifact: document,
    });

    await ok('storage', 'rm', `gs://${bucket}/${name}`);
    await waitFor(
      async () => t.relay.seen.some((e) => e.name === name && e.type.endsWith('.deleted')),
      'delete event',
    );
    await waitFor(
      async () => (await t.api(`/api/artifacts/${id}`, { tenant })).status === 404,
      'a 404 after rm',
    );
  });
});

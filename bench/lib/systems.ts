/**
 * The systems a benchmark compares, each run by a host process (host.ts): `ours` (this checkout's stack),
 * `floor` (bench/floor on the same stand-ins) and, in before/after mode, `baseline` (a commit's stack from
 * its own worktree, baseline.ts). Here: starting and stopping them, and what the load generator needs.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { SignJWT } from 'jose';
import pg from 'pg';
import { TENANT } from './artifact';
import { type HostConfig, type HostReady, READY } from './host-protocol';
import { cpuMs, treeCpuMs } from './proc';
import { VisibilityPoller } from './visibility';

export type Label = 'ours' | 'baseline' | 'floor';

export interface System extends HostReady {
  label: Label;
  /** The push endpoint (`{storeUrl}/projects/{project}/topics/{topic}`). */
  pushUrl: string;
  /** A tenant user's token for the API. */
  token: string;
  db: pg.Pool;
  visibility: VisibilityPoller;
  stop(): Promise<void>;
}

const HOST = fileURLToPath(new URL('./host.ts', import.meta.url));
/** tsx's loader from this checkout, so a baseline needs none of its own. */
const TSX = import.meta.resolve('tsx');

export async function startSystem(
  label: Label,
  kind: HostConfig['kind'],
  root: string,
  functionEnv: Record<string, string> = {},
): Promise<System> {
  const dataDir = mkdtempSync(join(tmpdir(), `artifact-store-bench-${label}-`));
  const config: HostConfig = { kind, root, dataDir, functionEnv };
  const child: ChildProcess = spawn(process.execPath, ['--import', TSX, HOST, JSON.stringify(config)], {
    cwd: root,
    env: process.env,
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  const exited = new Promise<void>((done) => child.once('exit', () => done()));
  const stderr: string[] = [];
  child.stderr!.on('data', (chunk: Buffer) => {
    const text = chunk.toString('utf8');
    stderr.push(text);
    if (stderr.length > 200) stderr.shift();
    if (process.env.BENCH_VERBOSE) process.stderr.write(text);
  });
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);
  let ready: HostReady;
  try {
    ready = await new Promise<HostReady>((resolve, reject) => {
      let buffered = '';
      child.stdout!.on('data', (chunk: Buffer) => {
        buffered += chunk.toString('utf8');
        for (let nl = buffered.indexOf('\n'); nl >= 0; nl = buffered.indexOf('\n')) {
          const line = buffered.slice(0, nl);
          buffered = buffered.slice(nl + 1);
          if (line.startsWith(`${READY} `)) resolve(JSON.parse(line.slice(READY.length + 1)) as HostReady);
        }
      });
      child.once('exit', (code) =>
        reject(
          new Error(`${label} host exited (${code}) before it was ready:\n${stderr.join('').slice(-3000)}`),
        ),
      );
    });
  } catch (err) {
    rmSync(dataDir, { recursive: true, force: true });
    throw err;
  }
  const db = new pg.Pool({ connectionString: ready.databaseUrl, max: 2, application_name: 'bench-driver' });
  db.on('error', () => {});
  const token = await new SignJWT({
    sub: 'bench',
    role: 'authenticated',
    app_metadata: { tenant_id: TENANT },
  })
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setIssuedAt()
    .setExpirationTime('12h')
    .sign(new TextEncoder().encode(ready.jwtSecret));
  return {
    ...ready,
    label,
    pushUrl: `${ready.storeUrl}/projects/${ready.projectId}/topics/${ready.topic}`,
    token,
    db,
    visibility: new VisibilityPoller(db, ready.visibleSql),
    async stop() {
      await db.end().catch(() => {});
      child.stdin!.end();
      const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
      await exited;
      clearTimeout(timer);
      process.removeListener('exit', killOnExit);
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** CPU time used so far (ms) by each server process of a system: its functions, stand-ins and PostgreSQL. */
export function cpuSnapshot(system: System): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [name, pid] of Object.entries(system.functions)) out[name] = cpuMs(pid);
  out['stand-ins'] = cpuMs(system.hostPid);
  if (system.postgresPid) out.postgres = treeCpuMs(system.postgresPid);
  return out;
}

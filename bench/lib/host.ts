/**
 * A host process: runs one system under test for a benchmark, so that the stand-ins of each system run in a
 * process of their own (not in the load generator's event loop) and a baseline commit runs its own code.
 *
 * `node --import tsx bench/lib/host.ts '<HostConfig JSON>'`, cwd = the checkout. For `stack` it imports the
 * checkout's `local/stack.ts` (a baseline's, from its worktree) and starts it on free ports; for `floor` it
 * starts bench/floor. It prints one READY line (host-protocol.ts) and runs until its stdin closes or it gets
 * SIGTERM/SIGINT, then stops everything and removes its data directory.
 */
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { type HostConfig, type HostedSystem, type HostReady, READY } from './host-protocol';
import { freePort } from './ports';

/** What the benchmark needs of a checkout's `startStack` (local/stack.ts); older and newer commits agree. */
interface StackLike {
  databaseUrl: string;
  jwtSecret: string;
  urls: { api: string; store: string; gcs: string };
  functions: Record<string, { pid: number | undefined }>;
  stop(): Promise<void>;
}
type StartStack = (options: Record<string, unknown>) => Promise<StackLike>;

/** Where a checkout keeps its stack; add the new place here when local/ moves. */
const STACK_MODULES = ['local/stack.ts', 'local/stack/index.ts'];

const NAMES = { projectId: 'bench-project', bucket: 'bench-artifacts', topic: 'artifact-store-requests' };

async function startStackOf(
  config: HostConfig,
): Promise<{ system: HostedSystem; stop: () => Promise<void> }> {
  const module = STACK_MODULES.map((m) => join(config.root, m)).find((f) => existsSync(f));
  if (!module) throw new Error(`host: no ${STACK_MODULES.join(' or ')} in ${config.root}`);
  const { startStack } = (await import(pathToFileURL(module).href)) as { startStack: StartStack };
  const ports = await Promise.all(Array.from({ length: 6 }, () => freePort()));
  const stack = await startStack({
    dataDir: config.dataDir,
    ports: {
      artifactsApi: ports[0],
      storeArtifact: ports[1],
      syncArtifactMetadata: ports[2],
      postgrest: ports[3],
      postgres: ports[4],
      gcs: ports[5],
    },
    ...NAMES,
    functionEnv: config.functionEnv ?? {},
    onLine: (component: string, line: string) => {
      if (process.env.BENCH_VERBOSE) process.stderr.write(`[${component}] ${line}\n`);
    },
  });
  const functions: Record<string, number> = {};
  for (const [name, fn] of Object.entries(stack.functions)) if (fn.pid) functions[name] = fn.pid;
  return {
    system: {
      kind: 'stack',
      ...NAMES,
      storeUrl: stack.urls.store,
      apiUrl: stack.urls.api,
      gcsUrl: stack.urls.gcs,
      databaseUrl: stack.databaseUrl,
      jwtSecret: stack.jwtSecret,
      functions,
      storeFunction: 'storeArtifact',
      postgresDataDir: join(config.dataDir, 'postgres'),
      visibleSql:
        'SELECT uuid::text AS id FROM public.project_files WHERE uuid = ANY($1::uuid[]) AND NOT deleted',
    },
    stop: () => stack.stop(),
  };
}

function postmasterPid(dataDir: string | undefined): number | undefined {
  if (!dataDir) return undefined;
  try {
    return Number(readFileSync(join(dataDir, 'postmaster.pid'), 'utf8').split('\n')[0]) || undefined;
  } catch {
    return undefined;
  }
}

async function main(): Promise<void> {
  const config = JSON.parse(process.argv[2] ?? '') as HostConfig;
  const started =
    config.kind === 'floor'
      ? await (await import('../floor/start')).startFloor(config.dataDir, NAMES)
      : await startStackOf(config);
  let stopping = false;
  const stop = () => {
    if (stopping) return;
    stopping = true;
    void started
      .stop()
      .catch((err: unknown) => {
        process.stderr.write(`host: stop failed: ${String(err)}\n`);
      })
      .finally(() => {
        rmSync(config.dataDir, { recursive: true, force: true });
        process.exit(0);
      });
  };
  process.stdin.on('end', stop);
  process.stdin.on('close', stop);
  process.stdin.resume();
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
  const ready: HostReady = {
    ...started.system,
    hostPid: process.pid,
    postgresPid: postmasterPid(started.system.postgresDataDir),
  };
  process.stdout.write(`${READY} ${JSON.stringify(ready)}\n`);
}

main().catch((err: unknown) => {
  process.stderr.write(`host: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});

/**
 * `npm start`: the whole artifact store on this machine (see stack.ts), with progress while it starts and a
 * banner that says how to use it. Data is kept under LOCAL_DATA_DIR (default .local/), so a second start
 * finds the first one's artifacts. Ctrl-C stops every process it started, also in the middle of starting.
 * When a component dies afterwards, the whole stack stops, saying which and why. Problems are one line each,
 * saying what to do; DEBUG=1 adds the stack trace.
 */

import { LOCAL } from './defaults';
import { startStack } from './stack';
import { LocalStackError, oneLine, StartCancelled } from './stack-error';
import { mintJwt } from './tokens';

const COLORS: Record<string, string> = {
  artifactsApi: '\x1b[36m',
  storeArtifact: '\x1b[35m',
  syncArtifactMetadata: '\x1b[33m',
  gcs: '\x1b[32m',
  supabase: '\x1b[34m',
  migrate: '\x1b[90m',
  start: '\x1b[1m',
  stack: '\x1b[1m',
};

function print(component: string, line: string) {
  const color = process.stdout.isTTY ? (COLORS[component] ?? '') : '';
  const reset = color ? '\x1b[0m' : '';
  process.stdout.write(`${color}[${component}]${reset} ${line}\n`);
}

const fail = (message: string) => {
  for (const line of message.split('\n')) process.stderr.write(`npm start: ${line}\n`);
};

async function main() {
  const startedAt = Date.now();
  const cancel = new AbortController();
  let stopStack: (() => Promise<void>) | undefined;
  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    if (!stopStack) {
      // Still starting: the start unwinds itself (StartCancelled below).
      print('start', `${signal}: stopping what was started...`);
      cancel.abort();
      return;
    }
    print('stack', `${signal}: stopping...`);
    await stopStack();
    print('stack', 'stopped');
    process.exit(0);
  };
  process.on('SIGINT', () => void shutdown('SIGINT'));
  process.on('SIGTERM', () => void shutdown('SIGTERM'));

  if (!/^(127\.\d+\.\d+\.\d+|localhost|::1)$/.test(LOCAL.bindHost)) {
    print(
      'start',
      `warning: LOCAL_BIND_HOST=${LOCAL.bindHost}: the functions and stand-ins are reachable from other machines, with publicly known local secrets`,
    );
  }
  let stack: Awaited<ReturnType<typeof startStack>>;
  try {
    stack = await startStack({
      dataDir: LOCAL.dataDir,
      ports: LOCAL.ports,
      projectId: LOCAL.projectId,
      bucket: LOCAL.bucket,
      topic: LOCAL.topic,
      eventsTopic: LOCAL.eventsTopic,
      bindHost: LOCAL.bindHost,
      ...(process.env.DATABASE_URL ? { databaseUrl: process.env.DATABASE_URL } : {}),
      ...(process.env.PUBSUB_EMULATOR_HOST ? { pubsubEmulatorHost: process.env.PUBSUB_EMULATOR_HOST } : {}),
      ...(process.env.SUPABASE_JWT_SECRET ? { jwtSecret: process.env.SUPABASE_JWT_SECRET } : {}),
      onLine: print,
      onProgress: (line) => print('start', line),
      signal: cancel.signal,
    });
  } catch (err) {
    if (err instanceof StartCancelled || cancel.signal.aborted) {
      print('start', 'stopped');
      process.exit(130);
    }
    throw err;
  }
  stopStack = () => stack.stop();
  if (stopping) {
    // A signal arrived while the last step finished.
    await stack.stop();
    process.exit(130);
  }

  void stack.failure.then(async (reason) => {
    if (stopping) return;
    stopping = true;
    fail(`${reason}; stopping the whole stack`);
    await stack.stop();
    process.exit(1);
  });

  const token = await mintJwt(
    { sub: 'local-user', role: 'authenticated', app_metadata: { tenant_id: 'tenant-demo' } },
    stack.jwtSecret,
    { expiresIn: '24h' },
  );
  const via = stack.options.pubsubEmulatorHost
    ? `Pub/Sub emulator ${stack.options.pubsubEmulatorHost}, topic ${LOCAL.topic}, push subscription ${LOCAL.topic}-push`
    : `direct push to ${stack.urls.store} (set PUBSUB_EMULATOR_HOST to go through the gcloud emulator)`;
  // Events need somewhere to go: the emulator. Without it they are off (docs/design.md, "Events").
  const events = stack.eventsTopic
    ? `topic ${stack.eventsTopic} on the Pub/Sub emulator ${stack.options.pubsubEmulatorHost} (README, "Events": subscribe with gcloud)`
    : `off: no Pub/Sub emulator${process.env.ARTIFACT_EVENTS_TOPIC ? ' (ARTIFACT_EVENTS_TOPIC ignored)' : ''}; set PUBSUB_EMULATOR_HOST to have them on topic ${LOCAL.eventsTopic}`;
  const database = stack.options.databaseUrl
    ? 'DATABASE_URL'
    : `embedded PostgreSQL ${LOCAL.host}:${LOCAL.ports.postgres}`;
  const psql = stack.options.databaseUrl
    ? 'DATABASE_URL (yours)'
    : `${stack.databaseUrl}   psql -h ${LOCAL.host} -p ${LOCAL.ports.postgres} -U postgres (password postgres)`;
  process.stdout.write(`
  Artifact store running locally (ready in ${((Date.now() - startedAt) / 1000).toFixed(1)} s), listening on ${LOCAL.bindHost}

  Browse artifacts            ${stack.urls.api}/#token=${token}
                             (the artifact browser, signed in as tenant "tenant-demo" for 24 h)
  API (artifactsApi)          ${stack.urls.api}/api/artifacts
  storeArtifact               ${stack.urls.store}   requests via ${via}
  syncArtifactMetadata        ${stack.urls.sync}   <- object events from the GCS stand-in
  Events                      ${events}
  GCS stand-in                ${stack.urls.gcs}   bucket ${LOCAL.bucket}, files in ${LOCAL.dataDir}/gcs
                             object events it gave up on: ${LOCAL.dataDir}/gcs/dead-letter
  Supabase (PostgREST) stand-in ${stack.urls.supabase}   over ${database}

  Local credentials (well known, for this machine only):
    PostgreSQL  ${psql}
    supabase-js SUPABASE_URL=${stack.urls.supabase} SUPABASE_SERVICE_ROLE_KEY=${stack.serviceRoleKey}

  Token for tenant "tenant-demo" (24 h):
    export TOKEN=${token}

  Publish a sample artifact, then read it back:
    npx artifact-store publish local/samples/workflow.json
    curl -s -H "Authorization: Bearer $TOKEN" ${stack.urls.api}/api/artifacts | jq
    npx artifact-store get <artifact_id> --tenant tenant-demo

  npm run demo publishes one artifact of every known type and reads each back. Ctrl-C stops everything.

`);
}

main().catch((err) => {
  if (err instanceof LocalStackError) fail(err.message);
  else
    fail(
      `failed: ${oneLine(err)}${process.env.DEBUG ? `\n${(err as Error).stack}` : ' (DEBUG=1 shows the stack trace)'}`,
    );
  process.exit(1);
});

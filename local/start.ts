/**
 * `npm start`: the whole artifact store on this machine (see stack.ts), with a banner that says how to use
 * it. Data is kept under LOCAL_DATA_DIR (default .local/), so a second start finds the first one's
 * artifacts. Ctrl-C stops every process it started.
 */

import { LOCAL } from './defaults';
import { startStack } from './stack';
import { mintJwt } from './tokens';

const COLORS: Record<string, string> = {
  artifactsApi: '\x1b[36m',
  storeArtifact: '\x1b[35m',
  syncArtifactMetadata: '\x1b[33m',
  gcs: '\x1b[32m',
  supabase: '\x1b[34m',
  migrate: '\x1b[90m',
};

function print(component: string, line: string) {
  const color = process.stdout.isTTY ? (COLORS[component] ?? '') : '';
  const reset = color ? '\x1b[0m' : '';
  process.stdout.write(`${color}[${component}]${reset} ${line}\n`);
}

async function main() {
  const startedAt = Date.now();
  const stack = await startStack({
    dataDir: LOCAL.dataDir,
    ports: LOCAL.ports,
    projectId: LOCAL.projectId,
    bucket: LOCAL.bucket,
    topic: LOCAL.topic,
    ...(process.env.DATABASE_URL ? { databaseUrl: process.env.DATABASE_URL } : {}),
    ...(process.env.PUBSUB_EMULATOR_HOST ? { pubsubEmulatorHost: process.env.PUBSUB_EMULATOR_HOST } : {}),
    ...(process.env.SUPABASE_JWT_SECRET ? { jwtSecret: process.env.SUPABASE_JWT_SECRET } : {}),
    onLine: print,
  });
  const token = await mintJwt(
    { sub: 'local-user', role: 'authenticated', app_metadata: { tenant_id: 'tenant-demo' } },
    stack.jwtSecret,
    {
      expiresIn: '24h',
    },
  );
  const via = stack.options.pubsubEmulatorHost
    ? `Pub/Sub emulator ${stack.options.pubsubEmulatorHost}, topic ${LOCAL.topic}, push subscription ${LOCAL.topic}-push`
    : `direct push to ${stack.urls.store} (set PUBSUB_EMULATOR_HOST to go through the gcloud emulator)`;
  process.stdout.write(`
  Artifact store running locally (ready in ${((Date.now() - startedAt) / 1000).toFixed(1)} s)

  API (artifactsApi)          ${stack.urls.api}/api/artifacts
  storeArtifact               ${stack.urls.store}   requests via ${via}
  syncArtifactMetadata        ${stack.urls.sync}   <- object events from the GCS stand-in
  GCS stand-in                ${stack.urls.gcs}   bucket ${LOCAL.bucket}, files in ${LOCAL.dataDir}/gcs
                              object events it gave up on: ${LOCAL.dataDir}/gcs/dead-letter
  Supabase (PostgREST) stand-in ${stack.urls.supabase}   over ${stack.options.databaseUrl ? 'DATABASE_URL' : `embedded PostgreSQL :${LOCAL.ports.postgres}`}

  Token for tenant "tenant-demo" (24 h):
    export TOKEN=${token}

  Publish a sample artifact, then read it back:
    npx artifact-store publish local/samples/workflow.json
    curl -s -H "Authorization: Bearer $TOKEN" ${stack.urls.api}/api/artifacts | jq
    npx artifact-store get <artifact_id> --tenant tenant-demo

  npm run demo publishes one artifact of every known type and reads each back. Ctrl-C stops everything.

`);
  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    process.stdout.write(`\n${signal}: stopping...\n`);
    await stack.stop();
    process.exit(0);
  };
  process.on('SIGINT', () => void shutdown('SIGINT'));
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
}

main().catch((err) => {
  process.stderr.write(
    `npm start failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`,
  );
  process.exit(1);
});

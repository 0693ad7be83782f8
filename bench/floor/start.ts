/**
 * Starts the floor system (in the host process, bench/lib/host.ts): its own embedded PostgreSQL with
 * floor.sql applied, a PostgREST stand-in exposing only the `bench_floor` schema, a GCS stand-in that posts
 * no events, and the floor functions (bench/floor/functions/*, bundled like ours by scripts/build.ts) under
 * functions-framework with the same launcher as the stack's functions.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { type FunctionProcess, startFunctionProcess } from '../../local/function-process';
import { startGcsStandIn } from '../../local/gcs';
import { startEmbeddedPostgres } from '../../local/postgres';
import { startPostgrestStandIn } from '../../local/postgrest';
import { LOCAL_JWT_SECRET, localServiceRoleKey } from '../../local/tokens';
import { build } from '../../scripts/build';
import type { HostedSystem } from '../lib/host-protocol';
import { freePort } from '../lib/ports';

const HERE = fileURLToPath(new URL('.', import.meta.url));

export async function startFloor(
  dataDir: string,
  names: { projectId: string; bucket: string; topic: string },
): Promise<{ system: HostedSystem; stop: () => Promise<void> }> {
  const stops: Array<() => Promise<void>> = [];
  const stop = async () => {
    for (const s of stops.reverse()) await s().catch(() => {});
  };
  try {
    const distDir = join(HERE, '..', '..', 'dist', 'bench-floor');
    const [, postgres] = await Promise.all([
      build({ functionsDir: join(HERE, 'functions'), outDir: distDir, log: () => {} }),
      startEmbeddedPostgres({ dataDir: join(dataDir, 'postgres'), port: await freePort(), quiet: true }),
    ]);
    stops.push(postgres.stop);
    const client = new pg.Client({ connectionString: postgres.url });
    await client.connect();
    try {
      await client.query(readFileSync(join(HERE, 'floor.sql'), 'utf8'));
    } finally {
      await client.end();
    }
    const postgrest = await startPostgrestStandIn({
      port: await freePort(),
      databaseUrl: postgres.url,
      jwtSecret: LOCAL_JWT_SECRET,
      schemas: ['bench_floor'],
    });
    stops.push(postgrest.close);
    const gcs = await startGcsStandIn({
      port: await freePort(),
      dataDir: join(dataDir, 'gcs'),
      bucket: names.bucket,
      projectId: names.projectId,
      eventTargets: [],
      log: () => {},
    });
    stops.push(gcs.close);
    const env = {
      PATH: process.env.PATH ?? '',
      NODE_ENV: 'development',
      GOOGLE_CLOUD_PROJECT: names.projectId,
      ARTIFACT_BUCKET: names.bucket,
      GCS_API_ENDPOINT: gcs.url,
      SUPABASE_URL: postgrest.url,
      SUPABASE_SERVICE_ROLE_KEY: await localServiceRoleKey(LOCAL_JWT_SECRET),
      SUPABASE_JWT_SECRET: LOCAL_JWT_SECRET,
    };
    const start = async (name: string): Promise<FunctionProcess> => {
      const fn = await startFunctionProcess({ name, port: await freePort(), env, distDir });
      stops.push(fn.stop);
      return fn;
    };
    const [store, api] = await Promise.all([start('floorStore'), start('floorApi')]);
    return {
      system: {
        kind: 'floor',
        ...names,
        storeUrl: store.url,
        apiUrl: api.url,
        gcsUrl: gcs.url,
        databaseUrl: postgres.url,
        jwtSecret: LOCAL_JWT_SECRET,
        functions: { floorStore: store.pid!, floorApi: api.pid! },
        storeFunction: 'floorStore',
        postgresDataDir: join(dataDir, 'postgres'),
        visibleSql: 'SELECT id::text AS id FROM bench_floor.artifacts WHERE id = ANY($1::uuid[])',
      },
      stop,
    };
  } catch (err) {
    await stop();
    throw err;
  }
}

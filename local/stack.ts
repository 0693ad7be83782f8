/**
 * The whole system on one machine (docs/design.md, "Local stack"): a real PostgreSQL (embedded, or DATABASE_URL) with the
 * migrations applied, the PostgREST and GCS stand-ins, and the three functions under functions-framework
 * from their deployable bundles, wired as in production: the GCS stand-in posts object events to the sync
 * function as Eventarc would, and requests reach the store function through the Pub/Sub emulator's push
 * subscription (PUBSUB_EMULATOR_HOST) or straight in the push format.
 *
 * `npm start` (local/start.ts) runs it with the defaults of local/defaults.ts; tests start their own on free
 * ports in a temporary directory.
 */
import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { build } from '../scripts/build';
import { migrate } from '../scripts/migrate';
import { type FunctionProcess, startFunctionProcess } from './function-process';
import { type DeliveryOptions, deliveryOptionsFromEnv, type EventDelivery, startGcsStandIn } from './gcs';
import { startEmbeddedPostgres } from './postgres';
import { startPostgrestStandIn } from './postgrest';
import { configurePushSubscription } from './pubsub-emulator';
import { LOCAL_JWT_SECRET, localServiceRoleKey } from './tokens';

export interface StackPorts {
  artifactsApi: number;
  storeArtifact: number;
  syncArtifactMetadata: number;
  postgrest: number;
  postgres: number;
  gcs: number;
}

export interface StackOptions {
  dataDir: string;
  ports: StackPorts;
  projectId: string;
  bucket: string;
  topic: string;
  /** Use this PostgreSQL instead of starting the embedded one. */
  databaseUrl?: string;
  /** host:port of the gcloud Pub/Sub emulator; without it, publishers push straight to storeArtifact. */
  pubsubEmulatorHost?: string;
  jwtSecret?: string;
  /** Extra environment for the functions (policy, limits, CORS, ...). */
  functionEnv?: Record<string, string>;
  /** Rebuild the bundles first (default true). */
  build?: boolean;
  /** Where the GCS stand-in posts object events (default: the sync function, as Eventarc would). */
  gcsEventTargets?: string[];
  /** Retries of those events (default: GCS_EVENT_RETRY_BUDGET_SECONDS, else 1 s to 60 s backoff for 24 h). */
  gcsEventDelivery?: DeliveryOptions;
  /** Where every component's log lines go. */
  onLine?: (component: string, line: string) => void;
}

export interface Stack {
  options: StackOptions;
  databaseUrl: string;
  jwtSecret: string;
  serviceRoleKey: string;
  urls: { api: string; store: string; sync: string; supabase: string; gcs: string };
  /** The environment a publisher or CLI needs to reach this stack. */
  clientEnv: Record<string, string>;
  functions: Record<'artifactsApi' | 'storeArtifact' | 'syncArtifactMetadata', FunctionProcess>;
  /** Resolves when the GCS stand-in has no event delivery pending. */
  eventsIdle(): Promise<void>;
  /** The GCS stand-in's event delivery: counts, dead letters, re-drive. */
  gcsEvents: EventDelivery;
  stop(): Promise<void>;
}

/** Variables passed from the caller's environment to the functions when set. */
const PASSTHROUGH = [
  'MATERIALIZATION_POLICY',
  'MATERIALIZATION_POLICY_FILE',
  'MAX_ARTIFACT_BYTES',
  'MAX_VISUAL_BYTES',
  'MAX_VISUALS',
  'TENANT_CLAIM',
  'AUTH_JWKS_URL',
  'AUTH_AUDIENCE',
  'AUTH_ISSUER',
  'CORS_ORIGINS',
  'LOG_LEVEL',
];

export async function startStack(options: StackOptions): Promise<Stack> {
  const log = (component: string) => (line: string) => options.onLine?.(component, line);
  const stops: Array<() => Promise<void>> = [];
  const stop = async () => {
    for (const s of stops.reverse()) await s().catch(() => {});
  };
  try {
    const dataDir = resolve(options.dataDir);
    mkdirSync(dataDir, { recursive: true });
    if (options.build !== false) await build({ log: () => {} });

    let databaseUrl = options.databaseUrl;
    if (!databaseUrl) {
      const pg = await startEmbeddedPostgres({
        dataDir: join(dataDir, 'postgres'),
        port: options.ports.postgres,
        quiet: true,
      });
      stops.push(pg.stop);
      databaseUrl = pg.url;
    }
    await migrate(databaseUrl, { log: log('migrate') });

    const jwtSecret = options.jwtSecret ?? LOCAL_JWT_SECRET;
    const serviceRoleKey = await localServiceRoleKey(jwtSecret);
    const postgrest = await startPostgrestStandIn({
      port: options.ports.postgrest,
      databaseUrl,
      jwtSecret,
      log: log('supabase'),
    });
    stops.push(postgrest.close);

    const syncUrl = `http://127.0.0.1:${options.ports.syncArtifactMetadata}`;
    const gcs = await startGcsStandIn({
      port: options.ports.gcs,
      dataDir: join(dataDir, 'gcs'),
      bucket: options.bucket,
      projectId: options.projectId,
      eventTargets: options.gcsEventTargets ?? [`${syncUrl}/`],
      eventDelivery: { ...deliveryOptionsFromEnv(), ...options.gcsEventDelivery },
      log: log('gcs'),
    });
    stops.push(gcs.close);

    const common: Record<string, string> = {
      PATH: process.env.PATH ?? '',
      NODE_ENV: 'development',
      GOOGLE_CLOUD_PROJECT: options.projectId,
      ARTIFACT_BUCKET: options.bucket,
      GCS_API_ENDPOINT: gcs.url,
      SUPABASE_URL: postgrest.url,
      SUPABASE_SERVICE_ROLE_KEY: serviceRoleKey,
      SUPABASE_JWT_SECRET: jwtSecret,
    };
    for (const name of PASSTHROUGH) {
      const value = process.env[name];
      if (value) common[name] = value;
    }
    Object.assign(common, options.functionEnv);

    const start = (name: 'artifactsApi' | 'storeArtifact' | 'syncArtifactMetadata', port: number) =>
      startFunctionProcess({ name, port, env: common, onLine: (n, line) => options.onLine?.(n, line) });
    const [artifactsApi, storeArtifact, syncArtifactMetadata] = await Promise.all([
      start('artifactsApi', options.ports.artifactsApi),
      start('storeArtifact', options.ports.storeArtifact),
      start('syncArtifactMetadata', options.ports.syncArtifactMetadata),
    ]);
    stops.push(artifactsApi.stop, storeArtifact.stop, syncArtifactMetadata.stop);

    if (options.pubsubEmulatorHost) {
      await configurePushSubscription({
        emulatorHost: options.pubsubEmulatorHost,
        projectId: options.projectId,
        topic: options.topic,
        subscription: `${options.topic}-push`,
        pushEndpoint: `${storeArtifact.url}/projects/${options.projectId}/topics/${options.topic}`,
      });
    }

    const clientEnv: Record<string, string> = {
      GOOGLE_CLOUD_PROJECT: options.projectId,
      ARTIFACT_BUCKET: options.bucket,
      ARTIFACT_STORE_TOPIC: options.topic,
      GCS_API_ENDPOINT: gcs.url,
      ARTIFACTS_API_URL: artifactsApi.url,
      STORE_FUNCTION_URL: storeArtifact.url,
      SUPABASE_JWT_SECRET: jwtSecret,
      ...(options.pubsubEmulatorHost ? { PUBSUB_EMULATOR_HOST: options.pubsubEmulatorHost } : {}),
    };

    return {
      options,
      databaseUrl,
      jwtSecret,
      serviceRoleKey,
      urls: {
        api: artifactsApi.url,
        store: storeArtifact.url,
        sync: syncUrl,
        supabase: postgrest.url,
        gcs: gcs.url,
      },
      clientEnv,
      functions: { artifactsApi, storeArtifact, syncArtifactMetadata },
      eventsIdle: () => gcs.eventsIdle(),
      gcsEvents: gcs.events,
      stop,
    };
  } catch (err) {
    await stop();
    throw err;
  }
}

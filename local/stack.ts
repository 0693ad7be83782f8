/**
 * The whole system on one machine (docs/design.md, "Local stack"): a real PostgreSQL (embedded, or DATABASE_URL) with the
 * migrations applied, the PostgREST and GCS stand-ins, and the three functions under functions-framework
 * from their deployable bundles, wired as in production: the GCS stand-in posts object events to the sync
 * function as Eventarc would, and requests reach the store function through the Pub/Sub emulator's push
 * subscription (PUBSUB_EMULATOR_HOST) or straight in the push format. With the emulator, the functions also
 * publish their events (docs/design.md, "Events") on `eventsTopic`, created there; without it, events are
 * off: there is nowhere local to publish them (events-env.ts).
 *
 * Before starting anything it takes the data directory's lock (one stack per directory, stack-lock.ts) and
 * checks every port, naming the component and its variable (ports.ts); every server listens on `bindHost`
 * (127.0.0.1 unless told otherwise). Progress goes to `onProgress`; `failure` reports a function or
 * PostgreSQL that exits afterwards; with the emulator, topic and subscription are re-created whenever it
 * comes back without them.
 *
 * `npm start` (local/start.ts) runs it with the defaults of local/defaults.ts; tests start their own on free
 * ports in a temporary directory.
 */
import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { build } from '../scripts/build';
import { migrate } from '../scripts/migrate';
import { PORT_VARS } from './defaults';
import { functionEventsEnv } from './events-env';
import { type FunctionProcess, startFunctionProcess } from './function-process';
import { type DeliveryOptions, deliveryOptionsFromEnv, type EventDelivery, startGcsStandIn } from './gcs';
import { checkPorts, type PortClaim } from './ports';
import { startEmbeddedPostgres } from './postgres';
import { startPostgrestStandIn } from './postgrest';
import { configurePushSubscription, ensureTopic, watchPushSubscription } from './pubsub-emulator';
import { throwIfCancelled } from './stack-error';
import { acquireStackLock } from './stack-lock';
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
  /** Interface every server listens on (default 127.0.0.1; LOCAL_BIND_HOST under npm start). */
  bindHost?: string;
  /** Use this PostgreSQL instead of starting the embedded one. */
  databaseUrl?: string;
  /** host:port of the gcloud Pub/Sub emulator; without it, publishers push straight to storeArtifact. */
  pubsubEmulatorHost?: string;
  /**
   * The topic the functions publish their events on, created on the emulator (ARTIFACT_EVENTS_TOPIC in
   * their environment). Only with `pubsubEmulatorHost`: without it, no events.
   */
  eventsTopic?: string;
  /** How often the emulator is checked for a lost topic (default 3 s; 0: not watched). */
  emulatorCheckMs?: number;
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
  /** Progress while starting, and what happens afterwards (emulator lost and back, ...). */
  onProgress?: (line: string) => void;
  /** Aborting stops the start where it is, stops what was started, and rejects with StartCancelled. */
  signal?: AbortSignal;
}

export interface Stack {
  options: StackOptions;
  databaseUrl: string;
  jwtSecret: string;
  serviceRoleKey: string;
  urls: { api: string; store: string; sync: string; supabase: string; gcs: string };
  /** The topic on the emulator the functions publish their events on; undefined when events are off. */
  eventsTopic: string | undefined;
  /** The environment a publisher or CLI needs to reach this stack. */
  clientEnv: Record<string, string>;
  functions: Record<'artifactsApi' | 'storeArtifact' | 'syncArtifactMetadata', FunctionProcess>;
  /** Resolves, with the reason, when a component (a function, PostgreSQL) exits on its own. */
  failure: Promise<string>;
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

const seconds = (since: number) => `${((Date.now() - since) / 1000).toFixed(1)} s`;

export async function startStack(options: StackOptions): Promise<Stack> {
  const log = (component: string) => (line: string) => options.onLine?.(component, line);
  const progress = (line: string) => options.onProgress?.(line);
  const host = options.bindHost ?? '127.0.0.1';
  const signal = options.signal;
  const stops: Array<() => Promise<void>> = [];
  const stop = async () => {
    for (const s of stops.splice(0).reverse()) await s().catch(() => {});
  };
  try {
    const dataDir = resolve(options.dataDir);
    mkdirSync(dataDir, { recursive: true });
    const lock = acquireStackLock(dataDir);
    stops.push(async () => lock.release());

    const claims: PortClaim[] = (Object.keys(PORT_VARS) as Array<keyof StackPorts>)
      .filter((component) => component !== 'postgres' || !options.databaseUrl)
      .map((component) => ({
        component: component === 'postgrest' ? 'supabase' : component,
        port: options.ports[component],
        envVar: PORT_VARS[component],
      }));
    await checkPorts(claims, host);
    throwIfCancelled(signal);

    if (options.build !== false) {
      const t = Date.now();
      progress('building the function bundles (dist/functions)');
      await build({ log: () => {} });
      progress(`bundles built (${seconds(t)})`);
    }
    throwIfCancelled(signal);

    const failures: Array<Promise<string>> = [];
    let databaseUrl = options.databaseUrl;
    if (!databaseUrl) {
      const t = Date.now();
      progress(
        `starting PostgreSQL on ${host}:${options.ports.postgres} (cluster in ${join(dataDir, 'postgres')})`,
      );
      const pg = await startEmbeddedPostgres({
        dataDir: join(dataDir, 'postgres'),
        port: options.ports.postgres,
        host,
        onProgress: (line) => progress(`PostgreSQL: ${line}`),
        ...(signal ? { signal } : {}),
      });
      stops.push(pg.stop);
      failures.push(pg.exited);
      databaseUrl = pg.url;
      progress(`PostgreSQL ready (${seconds(t)})`);
    }
    throwIfCancelled(signal);
    await migrate(databaseUrl, { log: log('migrate') });
    throwIfCancelled(signal);

    const jwtSecret = options.jwtSecret ?? LOCAL_JWT_SECRET;
    const serviceRoleKey = await localServiceRoleKey(jwtSecret);
    const postgrest = await startPostgrestStandIn({
      port: options.ports.postgrest,
      host,
      databaseUrl,
      jwtSecret,
      log: log('supabase'),
    });
    stops.push(postgrest.close);

    const syncUrl = `http://${urlHost(host)}:${options.ports.syncArtifactMetadata}`;
    const gcs = await startGcsStandIn({
      port: options.ports.gcs,
      host,
      dataDir: join(dataDir, 'gcs'),
      bucket: options.bucket,
      projectId: options.projectId,
      eventTargets: options.gcsEventTargets ?? [`${syncUrl}/`],
      eventDelivery: { ...deliveryOptionsFromEnv(), ...options.gcsEventDelivery },
      log: log('gcs'),
    });
    stops.push(gcs.close);
    throwIfCancelled(signal);

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
    const eventsEnv = functionEventsEnv(options);
    if (eventsEnv.ARTIFACT_EVENTS_TOPIC) {
      // Before the functions start: their first event must find the topic.
      const target = { emulatorHost: eventsEnv.PUBSUB_EMULATOR_HOST, projectId: options.projectId };
      await ensureTopic(target, eventsEnv.ARTIFACT_EVENTS_TOPIC);
      progress(`Pub/Sub emulator ${target.emulatorHost}: events topic ${eventsEnv.ARTIFACT_EVENTS_TOPIC}`);
    }
    Object.assign(common, eventsEnv, options.functionEnv);

    const t = Date.now();
    progress('starting artifactsApi, storeArtifact and syncArtifactMetadata under functions-framework');
    const start = (name: 'artifactsApi' | 'storeArtifact' | 'syncArtifactMetadata', port: number) =>
      startFunctionProcess({
        name,
        port,
        host,
        portVar: PORT_VARS[name],
        env: common,
        onLine: (n, line) => options.onLine?.(n, line),
        ...(signal ? { signal } : {}),
      }).then((fn) => {
        stops.push(fn.stop);
        return fn;
      });
    const started = await Promise.allSettled([
      start('artifactsApi', options.ports.artifactsApi),
      start('storeArtifact', options.ports.storeArtifact),
      start('syncArtifactMetadata', options.ports.syncArtifactMetadata),
    ]);
    const rejected = started.find((r) => r.status === 'rejected');
    if (rejected) throw (rejected as PromiseRejectedResult).reason;
    const [artifactsApi, storeArtifact, syncArtifactMetadata] = started.map(
      (r) => (r as PromiseFulfilledResult<FunctionProcess>).value,
    ) as [FunctionProcess, FunctionProcess, FunctionProcess];
    failures.push(artifactsApi.exited, storeArtifact.exited, syncArtifactMetadata.exited);
    progress(`functions listening (${seconds(t)})`);

    if (options.pubsubEmulatorHost) {
      const setup = {
        emulatorHost: options.pubsubEmulatorHost,
        projectId: options.projectId,
        topic: options.topic,
        subscription: `${options.topic}-push`,
        pushEndpoint: `${storeArtifact.url}/projects/${options.projectId}/topics/${options.topic}`,
      };
      await configurePushSubscription(setup);
      progress(
        `Pub/Sub emulator ${options.pubsubEmulatorHost}: topic ${setup.topic}, push subscription ${setup.subscription}`,
      );
      if (options.emulatorCheckMs !== 0) {
        const watcher = watchPushSubscription(setup, {
          ...(options.emulatorCheckMs ? { intervalMs: options.emulatorCheckMs } : {}),
          onLine: progress,
          topics: eventsEnv.ARTIFACT_EVENTS_TOPIC ? [eventsEnv.ARTIFACT_EVENTS_TOPIC] : [],
        });
        stops.push(async () => watcher.stop());
      }
    }

    const urls = {
      api: artifactsApi.url,
      store: storeArtifact.url,
      sync: syncUrl,
      supabase: postgrest.url,
      gcs: gcs.url,
    };
    lock.update({
      urls,
      ...(common.MATERIALIZATION_POLICY ? { materialization_policy: common.MATERIALIZATION_POLICY } : {}),
      ...(common.MATERIALIZATION_POLICY_FILE
        ? { materialization_policy_file: resolve(common.MATERIALIZATION_POLICY_FILE) }
        : {}),
    });

    const clientEnv: Record<string, string> = {
      GOOGLE_CLOUD_PROJECT: options.projectId,
      ARTIFACT_BUCKET: options.bucket,
      ARTIFACT_STORE_TOPIC: options.topic,
      GCS_API_ENDPOINT: gcs.url,
      ARTIFACTS_API_URL: artifactsApi.url,
      STORE_FUNCTION_URL: storeArtifact.url,
      SUPABASE_JWT_SECRET: jwtSecret,
      ...(options.pubsubEmulatorHost ? { PUBSUB_EMULATOR_HOST: options.pubsubEmulatorHost } : {}),
      ...(eventsEnv.ARTIFACT_EVENTS_TOPIC ? { ARTIFACT_EVENTS_TOPIC: eventsEnv.ARTIFACT_EVENTS_TOPIC } : {}),
    };

    return {
      options,
      databaseUrl,
      jwtSecret,
      serviceRoleKey,
      urls,
      eventsTopic: common.ARTIFACT_EVENTS_TOPIC,
      clientEnv,
      functions: { artifactsApi, storeArtifact, syncArtifactMetadata },
      failure: Promise.race(failures),
      eventsIdle: () => gcs.eventsIdle(),
      gcsEvents: gcs.events,
      stop,
    };
  } catch (err) {
    await stop();
    throw err;
  }
}

/** The host clients use for a server bound to `host`. */
export function urlHost(host: string): string {
  if (host === '0.0.0.0' || host === '::') return '127.0.0.1';
  return host.includes(':') ? `[${host}]` : host;
}

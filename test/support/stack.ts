/**
 * A whole local stack for one end-to-end test file: the functions from their bundles under
 * functions-framework, the GCS and PostgREST stand-ins, on free ports in a temporary directory, over the
 * run's shared PostgreSQL; object events pass through an EventRelay the test can hold. Requests go through
 * the Pub/Sub emulator when the run has one (a topic of its own per stack), else straight to the store
 * function in the push format. With `events: true` and the emulator, the functions publish their events on a
 * topic of the stack's own (`eventsTopic`).
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inject } from 'vitest';
import type { DeliveryOptions } from '../../local/gcs';
import { freePort } from '../../local/net';
import { type Stack, startStack } from '../../local/stack';
import { mintJwt } from '../../local/tokens';
import { listAll, type ObjectInfo } from '../../shared/adapters/blob-store';
import { GcsBlobStore } from '../../shared/adapters/gcs-blob-store';
import { SupabaseMetadataStore } from '../../shared/adapters/supabase-metadata-store';
import type { StoreRequestInput } from '../../shared/domain/store-request';
import { type PublishOptions, type PublishResult, publishArtifact } from '../../shared/producer/publish';
import {
  type PublishTransport,
  PubSubTransport,
  PushTransport,
} from '../../shared/producer/publish-transport';
import { type EventRelay, startEventRelay } from './event-relay';

// biome-ignore lint/suspicious/noExplicitAny: a parsed quarantine record, checked field by field by the tests
export type QuarantineRecordJson = Record<string, any>;

export interface TestStack {
  stack: Stack;
  relay: EventRelay;
  blobs: GcsBlobStore;
  metadata: SupabaseMetadataStore;
  /** 'pubsub' when requests go through the emulator, else 'push'. */
  via: 'pubsub' | 'push';
  /** The topic the functions publish their events on (with `events: true` and the emulator). */
  eventsTopic: string | undefined;
  transport: PublishTransport;
  publish(
    request: StoreRequestInput,
    options?: Omit<PublishOptions, 'transport' | 'blobs'>,
  ): Promise<PublishResult>;
  /**
   * POSTs a raw Pub/Sub push delivery of `body` (any JSON, or a string sent as is) to storeArtifact. A
   * redelivery (the same messageId again) repeats the first delivery's publishTime, as Pub/Sub does.
   */
  push(
    body: unknown,
    options?: { messageId?: string; attributes?: Record<string, string>; publishTime?: string },
  ): Promise<{ status: number; messageId: string }>;
  /** POSTs `body` as it is (any push shape, however malformed) to storeArtifact's push endpoint. */
  pushRaw(body: unknown): Promise<number>;
  /** The quarantine records under `prefix` (default every one), parsed. */
  quarantined(prefix?: string): Promise<Array<{ name: string; record: QuarantineRecordJson }>>;
  token(tenant: string, claims?: Record<string, unknown>): Promise<string>;
  api(
    path: string,
    init?: { method?: string; tenant?: string; headers?: Record<string, string> },
  ): Promise<Response>;
  objects(prefix?: string): Promise<ObjectInfo[]>;
  /** Output lines of one function, parsed when they are JSON. */
  logs(name: keyof Stack['functions']): Array<Record<string, unknown>>;
  stop(): Promise<void>;
}

/** Object events are retried quickly in tests, and given up on (dead-lettered) after a minute. */
const TEST_EVENT_DELIVERY: DeliveryOptions = { initialDelayMs: 100, maxDelayMs: 2000, retryBudgetMs: 60_000 };

export async function startTestStack(
  options: {
    functionEnv?: Record<string, string>;
    gcsEventDelivery?: DeliveryOptions;
    /** A PostgreSQL of the test's own (migrated by the stack), instead of the run's shared one. */
    databaseUrl?: string;
    /** Events on (docs/design.md, "Events"), when the run has the emulator; off by default. */
    events?: boolean;
  } = {},
): Promise<TestStack> {
  const dataDir = mkdtempSync(join(tmpdir(), 'artifact-store-e2e-'));
  const relay = await startEventRelay();
  const emulatorHost = inject('pubsubEmulatorHost');
  const suffix = randomUUID().slice(0, 8);
  const [artifactsApi, storeArtifact, syncArtifactMetadata, postgrest, gcs] = await Promise.all(
    Array.from({ length: 5 }, () => freePort()),
  );
  const stack = await startStack({
    dataDir,
    ports: {
      artifactsApi: artifactsApi!,
      storeArtifact: storeArtifact!,
      syncArtifactMetadata: syncArtifactMetadata!,
      postgrest: postgrest!,
      postgres: 0,
      gcs: gcs!,
    },
    projectId: 'test-project',
    bucket: 'test-artifacts',
    topic: `artifact-store-requests-${suffix}`,
    ...(options.events ? { eventsTopic: `artifact-store-events-${suffix}` } : {}),
    databaseUrl: options.databaseUrl ?? inject('databaseUrl'),
    ...(emulatorHost ? { pubsubEmulatorHost: emulatorHost } : {}),
    functionEnv: { LOG_LEVEL: 'DEBUG', ...options.functionEnv },
    gcsEventTargets: [relay.url],
    gcsEventDelivery: { ...TEST_EVENT_DELIVERY, ...options.gcsEventDelivery },
    build: false,
  });
  relay.setTarget(`${stack.urls.sync}/`);
  const { projectId, topic, bucket } = stack.options;
  const blobs = new GcsBlobStore({ bucket, apiEndpoint: stack.urls.gcs });
  const metadata = new SupabaseMetadataStore({
    url: stack.urls.supabase,
    serviceRoleKey: stack.serviceRoleKey,
  });
  const transport: PublishTransport = emulatorHost
    ? new PubSubTransport({ projectId, topic, emulatorHost })
    : new PushTransport({ url: stack.urls.store, projectId, topic });
  const publishTimes = new Map<string, string>();

  const token = (tenant: string, claims: Record<string, unknown> = {}) =>
    mintJwt(
      { sub: 'e2e', role: 'authenticated', app_metadata: { tenant_id: tenant }, ...claims },
      stack.jwtSecret,
      {
        expiresIn: '10m',
      },
    );

  return {
    stack,
    relay,
    blobs,
    metadata,
    via: emulatorHost ? 'pubsub' : 'push',
    eventsTopic: stack.eventsTopic,
    transport,
    publish: (request, o = {}) => publishArtifact(request, { transport, blobs, ...o }),
    async push(body, o = {}) {
      const messageId = o.messageId ?? String(Date.now()) + String(Math.floor(Math.random() * 1e6));
      const publishTime = o.publishTime ?? publishTimes.get(messageId) ?? new Date().toISOString();
      publishTimes.set(messageId, publishTime);
      const text = typeof body === 'string' ? body : JSON.stringify(body);
      const res = await fetch(`${stack.urls.store}/projects/${projectId}/topics/${topic}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          message: {
            data: Buffer.from(text).toString('base64'),
            attributes: o.attributes ?? {},
            messageId,
            publishTime,
          },
          subscription: `projects/${projectId}/subscriptions/e2e`,
        }),
      });
      await res.arrayBuffer();
      return { status: res.status, messageId };
    },
    async pushRaw(body) {
      const res = await fetch(`${stack.urls.store}/projects/${projectId}/topics/${topic}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
      await res.arrayBuffer();
      return res.status;
    },
    async quarantined(prefix = 'quarantine/') {
      const out: Array<{ name: string; record: QuarantineRecordJson }> = [];
      for (const info of await listAll(blobs, prefix)) {
        const object = await blobs.get(info.name);
        if (object) out.push({ name: info.name, record: JSON.parse(object.bytes.toString('utf8')) });
      }
      return out;
    },
    token,
    async api(path, init = {}) {
      const headers: Record<string, string> = { ...init.headers };
      if (init.tenant) headers.authorization = `Bearer ${await token(init.tenant)}`;
      return fetch(`${stack.urls.api}${path}`, { method: init.method ?? 'GET', headers });
    },
    objects: (prefix = '') => listAll(blobs, prefix),
    logs(name) {
      return stack.functions[name].lines.flatMap((line) => {
        try {
          const parsed = JSON.parse(line);
          return typeof parsed === 'object' && parsed ? [parsed as Record<string, unknown>] : [];
        } catch {
          return [];
        }
      });
    },
    async stop() {
      await transport.close?.();
      await stack.stop();
      await relay.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** Polls `probe` until it returns a value other than undefined/false, or fails after `timeoutMs`. */
export async function waitFor<T>(
  probe: () => Promise<T | undefined | false>,
  what: string,
  timeoutMs = 20_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const value = await probe();
      if (value !== undefined && value !== false) return value;
    } catch (err) {
      last = err;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`timed out waiting for ${what}${last ? `: ${String(last)}` : ''}`);
}

/**
 * The store and sync handlers wired in one process over the in-memory stores, as the deployed functions are
 * wired over GCS and Postgres: each object the store writes or deletes becomes a storage event delivered to
 * the sync handler (in order, one at a time, like the GCS stand-in per object), unless the test holds them.
 * No service is needed: these tests run in the unit project.
 */
import type { CloudEvent } from '@google-cloud/functions-framework';
import { createStoreArtifactHandler } from '../../functions/storeArtifact/handler';
import type { StoreDeps } from '../../functions/storeArtifact/store-artifact';
import { createSyncHandler } from '../../functions/syncArtifactMetadata/handler';
import type { ObjectInfo } from '../../shared/adapters/blob-store';
import type { EventPublisher } from '../../shared/adapters/event-publisher';
import type { ArtifactEvent } from '../../shared/domain/artifact-events';
import { DEFAULT_POLICY, type MaterializationPolicy } from '../../shared/domain/materialization-policy';
import { createLogger } from '../../shared/platform/log';
import { MemoryBlobStore, type ObjectEvent } from './memory/memory-blob-store';
import { MemoryMetadataStore } from './memory/memory-metadata-store';

export const FINALIZED = 'google.cloud.storage.object.v1.finalized';
export const DELETED = 'google.cloud.storage.object.v1.deleted';

export interface InProcess {
  blobs: MemoryBlobStore;
  metadata: MemoryMetadataStore;
  /** Every event published, in order, with whether its fact was readable at that moment. */
  events: Array<ArtifactEvent & { readable: boolean }>;
  /** The publisher that records them, for other operations run over the same stores (reconcile). */
  publisher: EventPublisher;
  /** Parsed log lines of each handler. */
  logs: { store: Array<Record<string, unknown>>; sync: Array<Record<string, unknown>> };
  /** Delivers one Pub/Sub message (a messagePublished CloudEvent) to the store handler. */
  deliver(
    body: unknown,
    message?: { messageId?: string; publishTime?: string; attributes?: Record<string, string> },
  ): Promise<void>;
  /** The store handler itself, for raw event shapes. */
  storeHandler(event: CloudEvent<unknown>): Promise<void>;
  syncHandler(event: CloudEvent<unknown>): Promise<void>;
  /** Storage events not delivered yet (while held). */
  held: ObjectEvent[];
  hold(): void;
  /** Delivers the held events (in order) and delivers again as they come. */
  release(): Promise<void>;
  /** The CloudEvent of an object event, as Eventarc would post it. */
  storageEvent(event: ObjectEvent, id?: string): CloudEvent<unknown>;
  /** Waits until every event delivered so far has been handled. */
  settled(): Promise<void>;
}

let sequence = 0;

export function inProcess(
  options: { policy?: MaterializationPolicy; now?: () => Date; limits?: Partial<StoreDeps['limits']> } = {},
): InProcess {
  const blobs = new MemoryBlobStore('test-bucket');
  const metadata = new MemoryMetadataStore();
  const logs = { store: [] as Array<Record<string, unknown>>, sync: [] as Array<Record<string, unknown>> };
  const sink = (into: Array<Record<string, unknown>>) => (line: string) => into.push(JSON.parse(line));
  const events: Array<ArtifactEvent & { readable: boolean }> = [];
  const publisher: EventPublisher = {
    async publish(event) {
      const readable =
        event.event === 'artifact.version_created' || event.event === 'alias.moved'
          ? (await metadata.get(event.artifact_id, event.tenant_id, { version: event.artifact_version })) !==
            null
          : event.event === 'artifact.deleted'
            ? (await metadata.status(event.artifact_id, event.tenant_id)).state === 'deleted'
            : true;
      events.push({ ...event, readable });
    },
  };
  const deps: StoreDeps = {
    blobs,
    metadata,
    events: publisher,
    policy: options.policy ?? DEFAULT_POLICY,
    limits: {
      maxArtifactBytes: 64 * 1024 * 1024,
      maxVisualBytes: 20 * 1024 * 1024,
      maxVisuals: 100,
      ...options.limits,
    },
    now: options.now ?? (() => new Date()),
  };
  const storeHandler = createStoreArtifactHandler(
    deps,
    createLogger({}, { sink: sink(logs.store), minSeverity: 'DEBUG' }),
  );
  const syncHandler = createSyncHandler(
    { blobs, metadata, events: publisher },
    createLogger({}, { sink: sink(logs.sync), minSeverity: 'DEBUG' }),
  );

  const storageEvent = (event: ObjectEvent, id = `ev-${++sequence}`): CloudEvent<unknown> => ({
    specversion: '1.0',
    id,
    type: event.kind === 'finalized' ? FINALIZED : DELETED,
    source: `//storage.googleapis.com/projects/_/buckets/${blobs.bucket}`,
    subject: `objects/${event.info.name}`,
    data: resource(event.info),
  });

  let chain = Promise.resolve();
  let holding = false;
  const held: ObjectEvent[] = [];
  const dispatch = (event: ObjectEvent) => {
    chain = chain.then(() => syncHandler(storageEvent(event)).catch(() => {}));
  };
  blobs.listener = (event) => {
    if (holding) held.push(event);
    else dispatch(event);
  };

  return {
    blobs,
    metadata,
    events,
    publisher,
    logs,
    storeHandler,
    syncHandler,
    held,
    hold: () => {
      holding = true;
    },
    async release() {
      holding = false;
      for (const event of held.splice(0)) dispatch(event);
      await chain;
    },
    storageEvent,
    async deliver(body, message = {}) {
      const data = Buffer.from(typeof body === 'string' ? body : JSON.stringify(body)).toString('base64');
      await storeHandler({
        specversion: '1.0',
        id: message.messageId ?? `m-${++sequence}`,
        type: 'google.cloud.pubsub.topic.v1.messagePublished',
        source: '//pubsub.googleapis.com/projects/p/topics/t',
        data: {
          message: {
            data,
            attributes: message.attributes ?? {},
            messageId: message.messageId ?? `m-${sequence}`,
            publishTime: message.publishTime ?? '2026-12-03T12:00:00.000Z',
          },
          subscription: 'projects/p/subscriptions/s',
        },
      });
    },
    settled: async () => {
      await chain;
    },
  };
}

/** The object resource as GCS events carry it (int64 fields as strings). */
function resource(info: ObjectInfo): Record<string, unknown> {
  return {
    bucket: info.bucket,
    name: info.name,
    generation: info.generation,
    metageneration: info.metageneration,
    size: String(info.size),
    contentType: info.contentType,
    metadata: info.metadata,
    timeCreated: info.timeCreated,
    updated: info.updated,
  };
}

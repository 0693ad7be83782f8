/**
 * The two stores every function uses, built from its configuration. The SDKs are imported here and by
 * nothing that a function does not need.
 */
import { type EventPublisher, NO_EVENTS, PubSubRestPublisher } from './event-publisher';
import { GcsBlobStore } from './gcs-blob-store';
import { SupabaseMetadataStore } from './supabase-metadata-store';

export interface StoreConfig {
  GOOGLE_CLOUD_PROJECT?: string | undefined;
  ARTIFACT_EVENTS_TOPIC?: string | undefined;
  PUBSUB_EMULATOR_HOST?: string | undefined;
  ARTIFACT_BUCKET: string;
  GCS_API_ENDPOINT?: string | undefined;
  SUPABASE_URL: string;
  SUPABASE_SERVICE_ROLE_KEY: string;
}

export function createStores(config: StoreConfig) {
  const blobs = new GcsBlobStore({
    bucket: config.ARTIFACT_BUCKET,
    ...(config.GCS_API_ENDPOINT ? { apiEndpoint: config.GCS_API_ENDPOINT } : {}),
    ...(config.GOOGLE_CLOUD_PROJECT ? { projectId: config.GOOGLE_CLOUD_PROJECT } : {}),
  });
  const events: EventPublisher = config.ARTIFACT_EVENTS_TOPIC
    ? new PubSubRestPublisher({
        projectId: config.GOOGLE_CLOUD_PROJECT ?? '',
        topic: config.ARTIFACT_EVENTS_TOPIC,
        emulatorHost: config.PUBSUB_EMULATOR_HOST,
        // The function's own identity, through the storage client's auth (no second auth library loaded).
        accessToken: () => blobs.accessToken(),
      })
    : NO_EVENTS;
  return {
    blobs,
    metadata: new SupabaseMetadataStore({
      url: config.SUPABASE_URL,
      serviceRoleKey: config.SUPABASE_SERVICE_ROLE_KEY,
    }),
    events,
  };
}

/**
 * The bucket and the metadata store, as the CLI's maintenance commands (reconcile, quarantine) reach them
 * directly: ARTIFACT_BUCKET and GCS_API_ENDPOINT, SUPABASE_URL and SUPABASE_SERVICE_ROLE_KEY, each defaulting
 * to the local stack's (local/defaults.ts; the local service-role key is minted with SUPABASE_JWT_SECRET).
 * Against a deployment: unset GCS_API_ENDPOINT (application default credentials), and give the project's
 * SUPABASE_URL and service-role key. Events (what reconcile repairs is announced, as the sync would have):
 * on ARTIFACT_EVENTS_TOPIC when set (to the emulator when PUBSUB_EMULATOR_HOST is); else none.
 */
import { LOCAL } from '../local/defaults';
import { LOCAL_JWT_SECRET, localServiceRoleKey } from '../local/tokens';
import { type EventPublisher, NO_EVENTS, PubSubRestPublisher } from '../shared/adapters/event-publisher';
import { GcsBlobStore } from '../shared/adapters/gcs-blob-store';
import { SupabaseMetadataStore } from '../shared/adapters/supabase-metadata-store';

const env = process.env;

export function cliBlobStore(): GcsBlobStore {
  const local = `http://${LOCAL.host}:${LOCAL.ports.gcs}`;
  const endpoint = env.GCS_API_ENDPOINT ?? (env.SUPABASE_URL ? undefined : local);
  return new GcsBlobStore({
    bucket: env.ARTIFACT_BUCKET ?? LOCAL.bucket,
    ...(endpoint ? { apiEndpoint: endpoint } : {}),
    ...(env.GOOGLE_CLOUD_PROJECT ? { projectId: env.GOOGLE_CLOUD_PROJECT } : {}),
  });
}

export async function cliMetadataStore(): Promise<SupabaseMetadataStore> {
  return new SupabaseMetadataStore({
    url: env.SUPABASE_URL ?? `http://${LOCAL.host}:${LOCAL.ports.postgrest}`,
    serviceRoleKey:
      env.SUPABASE_SERVICE_ROLE_KEY ??
      (await localServiceRoleKey(env.SUPABASE_JWT_SECRET ?? LOCAL_JWT_SECRET)),
  });
}

export function cliEvents(blobs: GcsBlobStore): EventPublisher {
  if (!env.ARTIFACT_EVENTS_TOPIC) return NO_EVENTS;
  return new PubSubRestPublisher({
    projectId: LOCAL.projectId,
    topic: env.ARTIFACT_EVENTS_TOPIC,
    emulatorHost: env.PUBSUB_EMULATOR_HOST,
    accessToken: () => blobs.accessToken(),
  });
}

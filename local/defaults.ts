/**
 * Defaults of the local stack (docs/design.md: "Local stack", "Configuration"), each overridable by the environment variable named beside it.
 * The CLI uses the same values, so on a laptop everything finds everything without configuration.
 */
const env = process.env;
const port = (name: string, fallback: number) => Number(env[name] ?? fallback);

/** Interface every server of the local stack listens on (LOCAL_BIND_HOST; default loopback only). */
const bindHost = env.LOCAL_BIND_HOST || '127.0.0.1';

export const LOCAL = {
  projectId: env.GOOGLE_CLOUD_PROJECT ?? 'local-project',
  bucket: env.ARTIFACT_BUCKET ?? 'local-artifacts',
  topic: env.ARTIFACT_STORE_TOPIC ?? 'artifact-store-requests',
  /** Where the functions publish their events (docs/design.md, "Events"); only with the Pub/Sub emulator. */
  eventsTopic: env.ARTIFACT_EVENTS_TOPIC || 'artifact-store-events',
  dataDir: env.LOCAL_DATA_DIR ?? '.local',
  bindHost,
  /** Where clients reach the stack: the bind host, or loopback when it binds every interface. */
  host: bindHost === '0.0.0.0' || bindHost === '::' ? '127.0.0.1' : bindHost,
  ports: {
    artifactsApi: port('ARTIFACTS_API_PORT', 8080),
    storeArtifact: port('STORE_ARTIFACT_PORT', 8081),
    syncArtifactMetadata: port('SYNC_METADATA_PORT', 8082),
    postgrest: port('SUPABASE_PORT', 54321),
    postgres: port('POSTGRES_PORT', 54322),
    gcs: port('GCS_PORT', 4443),
  },
} as const;

/** The variable that sets each port (for messages that say what to change). */
export const PORT_VARS = {
  artifactsApi: 'ARTIFACTS_API_PORT',
  storeArtifact: 'STORE_ARTIFACT_PORT',
  syncArtifactMetadata: 'SYNC_METADATA_PORT',
  postgrest: 'SUPABASE_PORT',
  postgres: 'POSTGRES_PORT',
  gcs: 'GCS_PORT',
} as const;

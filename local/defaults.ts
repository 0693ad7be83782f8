/**
 * Defaults of the local stack (docs/design.md: "Local stack", "Configuration"), each overridable by the environment variable named beside it.
 * The CLI uses the same values, so on a laptop everything finds everything without configuration.
 */
const env = process.env;
const port = (name: string, fallback: number) => Number(env[name] ?? fallback);

export const LOCAL = {
  projectId: env.GOOGLE_CLOUD_PROJECT ?? 'local-project',
  bucket: env.ARTIFACT_BUCKET ?? 'local-artifacts',
  topic: env.ARTIFACT_STORE_TOPIC ?? 'artifact-store-requests',
  dataDir: env.LOCAL_DATA_DIR ?? '.local',
  host: '127.0.0.1',
  ports: {
    artifactsApi: port('ARTIFACTS_API_PORT', 8080),
    storeArtifact: port('STORE_ARTIFACT_PORT', 8081),
    syncArtifactMetadata: port('SYNC_METADATA_PORT', 8082),
    postgrest: port('SUPABASE_PORT', 54321),
    postgres: port('POSTGRES_PORT', 54322),
    gcs: port('GCS_PORT', 4443),
  },
} as const;

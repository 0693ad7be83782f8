/**
 * Configuration from the environment (docs/design.md, "Configuration"), one schema per function. Each function parses its own at
 * cold start; a bad configuration fails the start with one error naming every missing or invalid variable.
 */
import { z } from 'zod';
import { PermanentError } from '../domain/errors';
import { normalizeOrigin } from './origins';

const url = z.url({ protocol: /^https?$/ });
const positiveInt = (fallback: number) => z.coerce.number().int().positive().default(fallback);
/** GCS bucket names: 3-63 characters of lower-case letters, digits, -, _ and dots. */
const bucketName = z.string().regex(/^[a-z0-9][a-z0-9._-]{1,61}[a-z0-9]$/, 'not a valid bucket name');

const storage = {
  GOOGLE_CLOUD_PROJECT: z.string().min(1).optional(),
  ARTIFACT_BUCKET: bucketName,
  GCS_API_ENDPOINT: url.optional(),
};

/** Where the store publishes its events (docs/design.md, "Events"); unset: no events. */
const events = {
  ARTIFACT_EVENTS_TOPIC: z
    .string()
    .regex(
      /^(projects\/[a-z][a-z0-9-]{4,28}[a-z0-9]\/topics\/)?[A-Za-z][A-Za-z0-9._~+%-]{2,254}$/,
      'a topic name or path',
    )
    .optional(),
  PUBSUB_EMULATOR_HOST: z.string().min(1).optional(),
};

const supabase = {
  SUPABASE_URL: url,
  SUPABASE_SERVICE_ROLE_KEY: z.string().min(20, 'too short to be a service role key'),
};

export const StoreArtifactConfig = z.object({
  ...storage,
  ...supabase,
  ...events,
  MATERIALIZATION_POLICY: z.string().optional(),
  MATERIALIZATION_POLICY_FILE: z.string().optional(),
  /** Largest artifact document accepted (JSON bytes, visuals included). */
  MAX_ARTIFACT_BYTES: positiveInt(64 * 1024 * 1024),
  /** Largest single visual accepted (decoded bytes). */
  MAX_VISUAL_BYTES: positiveInt(20 * 1024 * 1024),
  /** Most visuals one artifact may carry. */
  MAX_VISUALS: positiveInt(100),
});

export const SyncArtifactMetadataConfig = z.object({ ...storage, ...supabase, ...events });
export const ReconcileArtifactsConfig = z.object({
  ...storage,
  ...supabase,
  ...events,
  /** Unreferenced objects changed more recently than this are left alone. */
  RECONCILE_GRACE_MINUTES: z.coerce.number().int().min(0).default(60),
});

export const ArtifactsApiConfig = z
  .object({
    ...storage,
    ...supabase,
    ...events,
    SUPABASE_JWT_SECRET: z.string().min(32, 'must be at least 32 characters').optional(),
    AUTH_JWKS_URL: url.optional(),
    TENANT_CLAIM: z
      .string()
      .regex(/^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*$/, 'a dot path of claim names')
      .default('app_metadata.tenant_id'),
    AUTH_AUDIENCE: z.string().min(1).optional(),
    AUTH_ISSUER: z.string().min(1).optional(),
    /** Comma-separated origins allowed by CORS; empty = no CORS headers. */
    CORS_ORIGINS: z
      .string()
      .refine(
        (value) =>
          value
            .split(',')
            .map((o) => o.trim())
            .filter(Boolean)
            .every((o) => normalizeOrigin(o) !== null),
        'a comma-separated list of origins (scheme://host[:port]); * is not accepted',
      )
      .default(''),
    /** proxy: visual bytes stream through the API; signed: a 302 to a V4 signed URL of the object. */
    VISUAL_URL_MODE: z.enum(['proxy', 'signed']).default('proxy'),
    /** Lifetime of a signed visual URL; V4 signed URLs live at most 7 days. */
    SIGNED_URL_TTL_SECONDS: z.coerce.number().int().positive().max(604_800).default(300),
  })
  .refine((c) => c.SUPABASE_JWT_SECRET || c.AUTH_JWKS_URL, {
    message: 'set SUPABASE_JWT_SECRET and/or AUTH_JWKS_URL',
    path: ['SUPABASE_JWT_SECRET'],
    // Report it together with every other problem, not only once the rest is fixed.
    when: () => true,
  });

export const PublisherConfig = z.object({
  GOOGLE_CLOUD_PROJECT: z.string().min(1),
  ARTIFACT_BUCKET: bucketName,
  GCS_API_ENDPOINT: url.optional(),
  ARTIFACT_STORE_TOPIC: z.string().min(3).default('artifact-store-requests'),
  PUBSUB_EMULATOR_HOST: z.string().min(1).optional(),
});

export type StoreArtifactConfig = z.infer<typeof StoreArtifactConfig>;
export type SyncArtifactMetadataConfig = z.infer<typeof SyncArtifactMetadataConfig>;
export type ReconcileArtifactsConfig = z.infer<typeof ReconcileArtifactsConfig>;
export type ArtifactsApiConfig = z.infer<typeof ArtifactsApiConfig>;
export type PublisherConfig = z.infer<typeof PublisherConfig>;

/** The configuration schema of each deployed function, by its registered name. */
export const FUNCTION_CONFIGS = {
  storeArtifact: StoreArtifactConfig,
  syncArtifactMetadata: SyncArtifactMetadataConfig,
  artifactsApi: ArtifactsApiConfig,
  reconcileArtifacts: ReconcileArtifactsConfig,
} as const;

export type FunctionName = keyof typeof FUNCTION_CONFIGS;

/** Parses `env` with `schema`; PermanentError('INVALID_CONFIG') naming every bad variable otherwise. */
export function loadConfig<S extends z.ZodType>(
  schema: S,
  env: NodeJS.ProcessEnv = process.env,
  context = 'configuration',
): z.infer<S> {
  // Empty strings count as unset, as a deployment tool often leaves them.
  const cleaned = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  const result = schema.safeParse(cleaned);
  if (result.success) return result.data;
  const problems = result.error.issues.map((i) => {
    const name = String(i.path[0] ?? '(environment)');
    return cleaned[name] === undefined && i.code === 'invalid_type'
      ? `${name} is required`
      : `${name}: ${i.message}`;
  });
  throw new PermanentError('INVALID_CONFIG', `invalid ${context}: ${problems.join('; ')}`, { problems });
}

function objectShape(schema: z.ZodType): Record<string, z.ZodType> {
  const s = schema as unknown as {
    shape?: Record<string, z.ZodType>;
    def?: { in?: z.ZodType; schema?: z.ZodType };
  };
  if (s.shape) return s.shape;
  const inner = s.def?.in ?? s.def?.schema;
  return inner ? objectShape(inner) : {};
}

/** Which variables a schema requires (no default, not optional) and which it merely accepts. */
export function describeVariables(schema: z.ZodType): { required: string[]; optional: string[] } {
  const required: string[] = [];
  const optional: string[] = [];
  for (const [name, field] of Object.entries(objectShape(schema))) {
    (field.safeParse(undefined).success ? optional : required).push(name);
  }
  return { required, optional };
}

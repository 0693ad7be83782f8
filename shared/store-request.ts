/**
 * The store request (DESIGN 2): the JSON body of a Pub/Sub message on `artifact-store-requests`, version 1.
 * Parsing it is the first thing the store function does and the last thing a producer does before publishing.
 */
import { z } from 'zod';
import { artifactSchemaFor } from './artifact-types';
import { PermanentError } from './errors';
import { STAGED_NAME_RE } from './paths';
import type { JsonObject } from './visuals';

export const ArtifactTypeName = z
  .string()
  .regex(/^[a-z][a-z0-9_]{0,39}$/, 'lower-case letters, digits and _, starting with a letter, at most 40');
export const TenantId = z
  .string()
  .regex(
    /^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/,
    'letters, digits, _ and -, starting with a letter or digit, at most 64',
  );
export const ArtifactId = z.uuid().transform((id) => id.toLowerCase());

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/**
 * Text that ends up in a Postgres `text` or `jsonb` value of the row: no NUL and no lone surrogate, which
 * Postgres refuses (22P05). Refused here, so the store never acknowledges what the database would refuse.
 */
export const RowText = (max: number) =>
  z
    .string()
    .max(max)
    .refine((s) => !s.includes('\u0000'), 'must not contain the NUL character (\\u0000)')
    .refine((s) => !LONE_SURROGATE.test(s), 'must be well-formed Unicode (no lone surrogate)');

const Scalar = z.union([RowText(1_000), z.number(), z.boolean(), z.null()]);

export const RequestMetadata = z
  .object({
    user_id: RowText(200).optional(),
    ui_name: RowText(500).optional(),
    execution_id: RowText(200).optional(),
    session_id: RowText(200).optional(),
  })
  .catchall(Scalar)
  .refine((m) => Object.keys(m).length <= 50, 'at most 50 metadata fields')
  .refine(
    (m) => Object.keys(m).every((k) => !k.includes('\u0000') && !LONE_SURROGATE.test(k)),
    'field names must not contain NUL or lone surrogates',
  )
  // It travels as object custom metadata, which GCS caps at 8 KiB in all.
  .refine((m) => JSON.stringify(m).length <= 4096, 'at most 4096 characters of metadata in all');

export const MaterializationOverride = z.strictObject({
  mode: z.enum(['persist', 'ephemeral']),
  retention_days: z.int().min(1).max(36_500).optional(),
  reason: RowText(500).optional(),
});

export const ArtifactRef = z.strictObject({
  name: z
    .string()
    .regex(STAGED_NAME_RE, 'a staged object name under staging/{tenant_id}/')
    .refine((n) => !n.includes('..')),
});

export const StoreRequest = z
  .strictObject({
    version: z.literal(1).optional(),
    artifact_type: ArtifactTypeName,
    tenant_id: TenantId,
    artifact: z.record(z.string(), z.unknown()).optional(),
    artifact_ref: ArtifactRef.optional(),
    artifact_id: ArtifactId.optional(),
    idempotency_key: z.string().min(1).max(200).optional(),
    metadata: RequestMetadata.optional(),
    materialization: MaterializationOverride.optional(),
  })
  .refine((r) => (r.artifact === undefined) !== (r.artifact_ref === undefined), {
    message: 'exactly one of artifact or artifact_ref is required',
    path: ['artifact'],
  });

export type StoreRequest = z.infer<typeof StoreRequest>;
export type StoreRequestInput = z.input<typeof StoreRequest>;
export type RequestMetadata = z.infer<typeof RequestMetadata>;
export type MaterializationOverride = z.infer<typeof MaterializationOverride>;

/** `path: message` for each issue, joined; short enough for a log line and a quarantine record. */
export function formatIssues(error: z.ZodError): string {
  return error.issues
    .slice(0, 20)
    .map((i) => `${i.path.length ? i.path.join('.') : '(root)'}: ${i.message}`)
    .join('; ');
}

/** Fields that become object names: a malformed value there is UNSAFE_NAME, not a mere schema error. */
const NAME_FIELDS = new Set<PropertyKey>(['tenant_id', 'artifact_type', 'artifact_ref']);

/**
 * Validates a decoded message body. PermanentError listing every problem otherwise: UNSAFE_NAME when a
 * value that would become part of an object name is malformed, INVALID_MESSAGE for anything else.
 */
export function parseStoreRequest(body: unknown): StoreRequest {
  const result = StoreRequest.safeParse(body);
  if (!result.success) {
    const issues = result.error.issues;
    const unsafe = issues.some(
      (i) => NAME_FIELDS.has(i.path[0] ?? '') && (i.code === 'invalid_format' || i.code === 'custom'),
    );
    throw new PermanentError(
      unsafe ? 'UNSAFE_NAME' : 'INVALID_MESSAGE',
      `invalid store request: ${formatIssues(result.error)}`,
      { issues: issues.slice(0, 20) },
    );
  }
  // The artifact is stored as it was sent, not as zod's copy (which, for one, drops a `__proto__` field).
  const artifact = (body as { artifact?: unknown }).artifact;
  return artifact === undefined
    ? result.data
    : { ...result.data, artifact: artifact as Record<string, unknown> };
}

/** Validates an artifact document against its type's schema; PermanentError('INVALID_ARTIFACT') otherwise. */
export function parseArtifact(type: string, artifact: unknown): JsonObject {
  const result = artifactSchemaFor(type).safeParse(artifact);
  if (!result.success) {
    throw new PermanentError('INVALID_ARTIFACT', `invalid ${type} artifact: ${formatIssues(result.error)}`, {
      issues: result.error.issues.slice(0, 20),
    });
  }
  // Validation only: the stored document is the one that was sent, not zod's copy.
  return artifact as JsonObject;
}

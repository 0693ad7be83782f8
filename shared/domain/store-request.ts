/**
 * The store request (docs/design.md, "Store request"): the JSON body of a Pub/Sub message on `artifact-store-requests`, version 1.
 * Parsing it is the first thing the store function does and the last thing a producer does before publishing.
 */
import { z } from 'zod';
import { ArtifactMetadataFields, MetadataScalar } from './artifact-metadata';
import { artifactSchemaFor } from './artifact-types';
import { PermanentError } from './errors';
import type { JsonObject } from './json';
import { MaterializationOverride } from './materialization';
import { AliasName, ArtifactId, ArtifactTypeName, StagedName, TenantId } from './names';
import { isRowSafe } from './row-text';
import { formatIssues } from './schema-issues';

/** The request's `metadata`: the artifact's metadata fields, plus up to 50 extra scalars in all. */
export const RequestMetadata = ArtifactMetadataFields.catchall(MetadataScalar)
  .refine((m) => Object.keys(m).length <= 50, 'at most 50 metadata fields')
  .refine((m) => Object.keys(m).every(isRowSafe), 'field names must not contain NUL or lone surrogates')
  // It travels as object custom metadata, which GCS caps at 8 KiB in all.
  .refine((m) => JSON.stringify(m).length <= 4096, 'at most 4096 characters of metadata in all');

export const ArtifactRef = z.strictObject({ name: StagedName });

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
    /** The version this request revises (optimistic concurrency), or `latest`: append whatever is latest. */
    expected_version: z.union([z.int().min(1).max(1_000_000), z.literal('latest')]).optional(),
    /** Aliases to point at the version this request creates. */
    aliases: z
      .array(AliasName)
      .max(10)
      .refine((a) => new Set(a).size === a.length, 'aliases must be distinct')
      .optional(),
    /** The artifacts (and versions; the latest when omitted) this one was made from. */
    derived_from: z
      .array(z.strictObject({ artifact_id: ArtifactId, version: z.int().min(1).max(1_000_000).optional() }))
      .max(50)
      .optional(),
  })
  .refine((r) => (r.artifact === undefined) !== (r.artifact_ref === undefined), {
    message: 'exactly one of artifact or artifact_ref is required',
    path: ['artifact'],
  });

export type StoreRequest = z.infer<typeof StoreRequest>;
export type StoreRequestInput = z.input<typeof StoreRequest>;
export type RequestMetadata = z.infer<typeof RequestMetadata>;

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

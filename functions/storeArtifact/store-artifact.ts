/**
 * The store pipeline for one validated request (docs/design.md): the document validated whatever the policy
 * decides, the policy, the id claimed, visuals, and the manifest last, create-only, as the commit point.
 * Idempotent: a redelivery of the same content writes nothing new; different content under an existing id is
 * ID_CONFLICT and the original stays untouched. No attempt deletes what it wrote.
 */
import type { BlobStore } from '../../shared/adapters/blob-store';
import type { MetadataStore } from '../../shared/adapters/metadata-store';
import { recordedMetadata } from '../../shared/domain/artifact-metadata';
import { PermanentError, TransientError } from '../../shared/domain/errors';
import { parseExactJson } from '../../shared/domain/json-text';
import { encodeManifestMetadata } from '../../shared/domain/manifest-metadata';
import { componentCount } from '../../shared/domain/manifest-row';
import {
  evaluatePolicy,
  expiryOf,
  type MaterializationDecision,
  type MaterializationPolicy,
} from '../../shared/domain/materialization-policy';
import { type ArtifactKey, manifestPath, stagingPath } from '../../shared/domain/paths';
import { parseArtifact, type StoreRequest } from '../../shared/domain/store-request';
import { type ExtractedVisual, extractVisuals, sha256Hex, visualDetails } from '../../shared/domain/visuals';
import { mapLimit } from '../../shared/platform/concurrency';
import type { Logger } from '../../shared/platform/log';

export interface StoreLimits {
  maxArtifactBytes: number;
  maxVisualBytes: number;
  maxVisuals: number;
}

export interface StoreDeps {
  blobs: BlobStore;
  metadata: MetadataStore;
  policy: MaterializationPolicy;
  limits: StoreLimits;
  now: () => Date;
}

export type StoreResult =
  | { status: 'ephemeral'; artifact_id: string; decision: MaterializationDecision }
  | {
      status: 'stored' | 'already_stored';
      artifact_id: string;
      decision: MaterializationDecision;
      manifest_path: string;
      visuals: number;
    };

/** Visual uploads in flight at once. */
const VISUAL_CONCURRENCY = 4;
/** Bounded retries of a visual that was deleted between our create attempt and our touch of it. */
const REUSE_RETRIES = 3;

/** Stores `request` as artifact `artifactId` (resolved from the request and its message by the caller). */
export async function storeArtifact(
  request: StoreRequest,
  artifactId: string,
  deps: StoreDeps,
  log: Logger,
): Promise<StoreResult> {
  const { blobs } = deps;
  const key: ArtifactKey = {
    artifact_type: request.artifact_type,
    tenant_id: request.tenant_id,
    artifact_id: artifactId,
  };
  const manifestName = manifestPath(key);
  const staged = request.artifact_ref ? stagingPath(request.tenant_id, request.artifact_ref.name) : null;
  const { decision, override_ignored } = evaluatePolicy(deps.policy, request);
  if (override_ignored) log.notice('materialization override ignored', { reason: override_ignored });
  const done = (status: 'stored' | 'already_stored', visuals: number): StoreResult => ({
    status,
    artifact_id: key.artifact_id,
    decision,
    manifest_path: manifestName,
    visuals,
  });

  // Every request is validated completely, whatever the policy decides: a producer's bug shows up at once.
  const document = await loadDocument(request, staged, deps);
  if (document === null) {
    // The staged payload is gone: a redelivery after this message was handled (stored, or ephemeral and its
    // payload dropped), or a payload that never arrived.
    if (decision.mode === 'ephemeral') return { status: 'ephemeral', artifact_id: key.artifact_id, decision };
    if (await blobs.head(manifestName)) return done('already_stored', 0);
    throw new PermanentError('STAGED_OBJECT_MISSING', `staged payload ${staged} does not exist`);
  }
  const artifact = parseArtifact(key.artifact_type, document);
  const { manifest, visuals } = extractVisuals(artifact, key, deps.limits);

  if (decision.mode === 'ephemeral') {
    if (staged) await blobs.delete(staged);
    return { status: 'ephemeral', artifact_id: key.artifact_id, decision };
  }

  // The id is claimed (reserved for this tenant and type) before anything is written, so two requests racing
  // for one id under two tenants or two types cannot both be acknowledged.
  const claim = await deps.metadata.claim(key.artifact_id, key.tenant_id, key.artifact_type);
  if (claim === 'foreign') {
    throw new PermanentError('TENANT_CONFLICT', `artifact id ${key.artifact_id} belongs to another tenant`);
  }
  if (claim === 'conflict') {
    throw new PermanentError(
      'ID_CONFLICT',
      `artifact id ${key.artifact_id} is already used by an artifact of another type; the original is kept`,
    );
  }
  if (claim === 'deleted') {
    throw new PermanentError(
      'ARTIFACT_DELETED',
      `artifact ${key.artifact_id} was deleted; deleted ids are not reused`,
    );
  }

  const bytes = Buffer.from(JSON.stringify(manifest));
  const metadata = recordedMetadata(request.metadata);
  const sha256 = sha256Hex(bytes);
  const expiresAt = expiryOf(decision, deps.now());

  // Visuals first, then the manifest (the commit point), all create-only. Nothing written here is ever
  // deleted by this attempt, whatever happens next: a visual may already be referenced by a manifest that
  // another attempt committed. Leftovers of a failed or losing attempt are reconcile's (docs/design.md).
  await mapLimit(visuals, VISUAL_CONCURRENCY, (visual) =>
    putVisual(blobs, key, visual, expiresAt, deps.now()),
  );
  const result = await blobs.putIfAbsent(manifestName, bytes, {
    contentType: 'application/json',
    customTime: expiresAt ?? undefined,
    metadata: encodeManifestMetadata({
      ...key,
      sha256,
      ...metadata.fields,
      extra: metadata.extra,
      materialization: decision,
      expires_at: expiresAt?.toISOString() ?? null,
      // Computed here once, carried to the row when they fit in the object's custom metadata.
      visuals: visualDetails(visuals),
      component_count: componentCount(manifest),
    }),
  });
  if (!result.created && result.existing.metadata.sha256 !== sha256) throw idConflict(key);
  if (staged) await blobs.delete(staged);
  return done(result.created ? 'stored' : 'already_stored', visuals.length);
}

function idConflict(key: ArtifactKey): PermanentError {
  return new PermanentError(
    'ID_CONFLICT',
    `artifact ${key.artifact_id} already exists with different content; the original is kept`,
  );
}

/**
 * Writes one visual create-only. When it exists already with the same bytes (a redelivery, or a racing
 * attempt), it is reused: touched first, so that a reconcile that judged it unreferenced before this
 * attempt's manifest exists cannot delete it afterwards (its delete is conditional on the metageneration).
 * Same name with other bytes: ID_CONFLICT.
 */
async function putVisual(
  blobs: BlobStore,
  key: ArtifactKey,
  visual: ExtractedVisual,
  expiresAt: Date | null,
  now: Date,
): Promise<void> {
  for (let attempt = 0; ; attempt++) {
    const result = await blobs.putIfAbsent(visual.storage_path, visual.bytes, {
      contentType: visual.content_type,
      customTime: expiresAt ?? undefined,
      metadata: {
        artifact_id: key.artifact_id,
        artifact_type: key.artifact_type,
        tenant_id: key.tenant_id,
        visual: visual.name,
        sha256: visual.sha256,
      },
    });
    if (result.created) return;
    if (result.existing.metadata.sha256 !== visual.sha256) throw idConflict(key);
    if (await blobs.touch(visual.storage_path, { reused_at: now.toISOString() })) return;
    // Deleted between the create attempt and the touch: create it again.
    if (attempt >= REUSE_RETRIES) {
      throw new TransientError(`visual ${visual.storage_path} keeps disappearing; will retry`);
    }
  }
}

/** The artifact document: inline, or the staged payload (null when the staged object does not exist). */
async function loadDocument(
  request: StoreRequest,
  staged: string | null,
  deps: StoreDeps,
): Promise<unknown | null> {
  if (!staged) return request.artifact;
  const info = await deps.blobs.head(staged);
  if (!info) return null;
  if (info.size > deps.limits.maxArtifactBytes) {
    throw new PermanentError(
      'PAYLOAD_TOO_LARGE',
      `staged payload of ${info.size} bytes exceeds ${deps.limits.maxArtifactBytes}`,
      {
        size: info.size,
        limit: deps.limits.maxArtifactBytes,
      },
    );
  }
  const object = await deps.blobs.get(staged);
  if (!object) return null;
  return parseExactJson(object.bytes.toString('utf8'), `staged payload ${staged}`);
}

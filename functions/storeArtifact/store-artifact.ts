/**
 * The store pipeline for one validated request (DESIGN 2, 3, 6): policy, ownership, payload, visuals, and
 * the manifest last, create-only, as the commit point. Idempotent: a redelivery of the same content writes
 * nothing new; different content under an existing id is ID_CONFLICT and the original stays untouched.
 */
import type { BlobStore } from '../../shared/blob-store';
import { mapLimit } from '../../shared/concurrency';
import { isPermanent, PermanentError } from '../../shared/errors';
import { resolveArtifactId } from '../../shared/ids';
import type { Logger } from '../../shared/log';
import { encodeManifestMetadata } from '../../shared/manifest-metadata';
import {
  evaluatePolicy,
  expiryOf,
  type MaterializationDecision,
  type MaterializationPolicy,
} from '../../shared/materialization-policy';
import type { MetadataStore } from '../../shared/metadata-store';
import { type ArtifactKey, manifestPath, stagingPath } from '../../shared/paths';
import { parseArtifact, type StoreRequest } from '../../shared/store-request';
import { type ExtractedVisual, extractVisuals, type JsonObject, sha256Hex } from '../../shared/visuals';

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

export async function storeArtifact(
  request: StoreRequest,
  messageId: string,
  deps: StoreDeps,
  log: Logger,
): Promise<StoreResult> {
  const { blobs } = deps;
  const key: ArtifactKey = {
    artifact_type: request.artifact_type,
    tenant_id: request.tenant_id,
    artifact_id: resolveArtifactId(request, messageId),
  };
  const manifestName = manifestPath(key);
  const staged = request.artifact_ref ? stagingPath(request.tenant_id, request.artifact_ref.name) : null;

  const { decision, override_ignored } = evaluatePolicy(deps.policy, request);
  if (override_ignored) log.notice('materialization override ignored', { reason: override_ignored });
  if (decision.mode === 'ephemeral') {
    if (staged) await blobs.delete(staged);
    return { status: 'ephemeral', artifact_id: key.artifact_id, decision };
  }

  const claim = await deps.metadata.claim(key.artifact_id, key.tenant_id);
  if (claim === 'foreign') {
    throw new PermanentError('TENANT_CONFLICT', `artifact id ${key.artifact_id} belongs to another tenant`);
  }
  if (claim === 'deleted') {
    throw new PermanentError(
      'ARTIFACT_DELETED',
      `artifact ${key.artifact_id} was deleted; deleted ids are not reused`,
    );
  }

  const done = (status: 'stored' | 'already_stored', visuals: number): StoreResult => ({
    status,
    artifact_id: key.artifact_id,
    decision,
    manifest_path: manifestName,
    visuals,
  });

  const document = await loadDocument(request, staged, deps);
  if (document === null) {
    // The staged payload is gone: a redelivery after a completed store, or a real loss.
    const existing = await blobs.head(manifestName);
    if (existing) return done('already_stored', 0);
    throw new PermanentError('STAGED_OBJECT_MISSING', `staged payload ${staged} does not exist`);
  }

  const artifact = parseArtifact(key.artifact_type, document);
  const { manifest, visuals } = extractVisuals(artifact, key, deps.limits);
  const bytes = Buffer.from(JSON.stringify(manifest));
  const sha256 = sha256Hex(bytes);
  const expiresAt = expiryOf(decision, deps.now());

  const existing = await blobs.head(manifestName);
  if (existing) {
    if (existing.metadata.sha256 !== sha256) throw idConflict(key);
    if (staged) await blobs.delete(staged);
    return done('already_stored', visuals.length);
  }

  const created: string[] = [];
  try {
    await mapLimit(visuals, VISUAL_CONCURRENCY, async (visual) => {
      if (await putVisual(blobs, key, visual, expiresAt)) created.push(visual.storage_path);
    });
    const meta = request.metadata ?? {};
    const { user_id, ui_name, execution_id, session_id, ...extra } = meta;
    const result = await blobs.putIfAbsent(manifestName, bytes, {
      contentType: 'application/json',
      customTime: expiresAt ?? undefined,
      metadata: encodeManifestMetadata({
        ...key,
        sha256,
        user_id: user_id ?? null,
        ui_name: ui_name ?? null,
        execution_id: execution_id ?? null,
        session_id: session_id ?? null,
        extra: extra as Record<string, string | number | boolean | null>,
        materialization: decision,
        expires_at: expiresAt?.toISOString() ?? null,
      }),
    });
    if (!result.created && result.existing.metadata.sha256 !== sha256) throw idConflict(key);
    if (staged) await blobs.delete(staged);
    return done(result.created ? 'stored' : 'already_stored', visuals.length);
  } catch (err) {
    // A permanent failure must not leave this attempt's visuals behind; a transient one keeps them for the
    // retry, which finds them identical.
    if (isPermanent(err)) await Promise.all(created.map((name) => blobs.delete(name)));
    throw err;
  }
}

function idConflict(key: ArtifactKey): PermanentError {
  return new PermanentError(
    'ID_CONFLICT',
    `artifact ${key.artifact_id} already exists with different content; the original is kept`,
  );
}

/** Writes one visual create-only; true when this call created it. Same name, other bytes: ID_CONFLICT. */
async function putVisual(
  blobs: BlobStore,
  key: ArtifactKey,
  visual: ExtractedVisual,
  expiresAt: Date | null,
) {
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
  if (!result.created && result.existing.metadata.sha256 !== visual.sha256) throw idConflict(key);
  return result.created;
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
  try {
    return JSON.parse(object.bytes.toString('utf8')) as JsonObject;
  } catch (err) {
    throw new PermanentError(
      'INVALID_JSON',
      `staged payload ${staged} is not JSON: ${(err as Error).message}`,
    );
  }
}

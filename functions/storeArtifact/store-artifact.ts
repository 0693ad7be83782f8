/**
 * The store pipeline for one validated request (docs/design.md): the document validated whatever the policy
 * decides, the policy, the id claimed, visuals, and the manifest last, create-only, as the commit point.
 * Idempotent: a redelivery of the same content writes nothing new; different content under an existing id is
 * ID_CONFLICT and the original stays untouched. No attempt deletes what it wrote.
 */
import type { BlobStore } from '../../shared/adapters/blob-store';
import type { EventPublisher } from '../../shared/adapters/event-publisher';
import type { MetadataStore } from '../../shared/adapters/metadata-store';
import { recordedMetadata } from '../../shared/domain/artifact-metadata';
import { PermanentError, TransientError } from '../../shared/domain/errors';
import { IMAGE_TYPES } from '../../shared/domain/image-format';
import { parseExactJson } from '../../shared/domain/json-text';
import { encodeManifestMetadata } from '../../shared/domain/manifest-metadata';
import { componentCount } from '../../shared/domain/manifest-row';
import {
  evaluatePolicy,
  expiryOf,
  type MaterializationDecision,
  type MaterializationPolicy,
} from '../../shared/domain/materialization-policy';
import { type ArtifactKey, manifestPath, stagingPath, visualPath } from '../../shared/domain/paths';
import { parseArtifact, type StoreRequest } from '../../shared/domain/store-request';
import {
  type ExtractedVisual,
  type Extraction,
  extractVisuals,
  relocateVisual,
  sha256Hex,
  visualDetails,
} from '../../shared/domain/visuals';
import { listVersions, type StoredVersion, versionVisuals } from '../../shared/operations/artifact-versions';
import { mapLimit } from '../../shared/platform/concurrency';
import type { Logger } from '../../shared/platform/log';
import { readAll } from '../../shared/platform/read-all';

export interface StoreLimits {
  maxArtifactBytes: number;
  maxVisualBytes: number;
  maxVisuals: number;
}

export interface StoreDeps {
  blobs: BlobStore;
  metadata: MetadataStore;
  /** Where the ephemeral and rejected events go. */
  events?: EventPublisher;
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
      version: number;
      manifest_path: string;
      visuals: number;
    };

/** Visual uploads in flight at once. */
const VISUAL_CONCURRENCY = 4;
/** Attempts at numbering an `expected_version: latest` revision when concurrent writers take the number. */
const LATEST_RETRIES = 5;
/** Bounded retries of a visual that was deleted between our create attempt and our touch of it. */
const REUSE_RETRIES = 3;

/** Stores `request` as artifact `artifactId` (resolved from the request and its message by the caller). */
export async function storeArtifact(
  request: StoreRequest,
  artifactId: string,
  deps: StoreDeps,
  log: Logger,
  /** The message the request came in (recorded with the version it creates, for the status route). */
  messageId: string | null = null,
): Promise<StoreResult> {
  const { blobs } = deps;
  const key: ArtifactKey = {
    artifact_type: request.artifact_type,
    tenant_id: request.tenant_id,
    artifact_id: artifactId,
  };
  const staged = request.artifact_ref ? stagingPath(request.tenant_id, request.artifact_ref.name) : null;
  const { decision, override_ignored } = evaluatePolicy(deps.policy, request);
  if (override_ignored) log.notice('materialization override ignored', { reason: override_ignored });
  // Every request is validated completely, whatever the policy decides: a producer's bug shows up at once.
  const document = await loadDocument(request, staged, deps);
  if (document === null) {
    // The staged payload is gone: a redelivery after this message was handled (stored, or ephemeral and its
    // payload dropped), or a payload that never arrived.
    if (decision.mode === 'ephemeral') return { status: 'ephemeral', artifact_id: key.artifact_id, decision };
    const stored = (await listVersions(blobs, key)).at(-1);
    if (stored) return { ...alreadyStored(key, stored.version, 0), artifact_id: key.artifact_id, decision };
    throw new PermanentError('STAGED_OBJECT_MISSING', `staged payload ${staged} does not exist`);
  }
  const artifact = parseArtifact(key.artifact_type, document);
  // The document was parsed here from the message or the payload, and is ours to consume: each image's base64
  // is dropped from it once decoded, so only the bytes remain.
  const extraction = extractVisuals(artifact, key, deps.limits, 1, { release: true });

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

  const metadata = recordedMetadata(request.metadata);
  const expiresAt = expiryOf(decision, deps.now());
  // What identifies this content whatever the placement of its visuals: the manifest as version 1 would
  // store it. Equal documents give equal hashes, so a redelivery or a revision with nothing new is recognised.
  const content = Buffer.from(JSON.stringify(extraction.manifest));
  const contentSha = sha256Hex(content);
  const derivedFrom = await resolveParents(request, deps);
  for (let attempt = 1; ; attempt++) {
    const inputs = { decision, metadata, expiresAt, content, contentSha, derivedFrom, messageId };
    const outcome = await commitVersion(request, key, extraction, inputs, deps);
    if (outcome !== 'retry') {
      if (outcome.status === 'already_stored' && messageId) {
        // Nothing new written: remember what this message's content already is, for the status route.
        await deps.metadata.noteStored({ ...noteOf(key, messageId), version: outcome.version });
      }
      if (staged) await blobs.delete(staged);
      return { ...outcome, artifact_id: key.artifact_id, decision };
    }
    // `latest` lost its version number to a concurrent writer: number it again.
    if (attempt >= LATEST_RETRIES) {
      throw new TransientError(`artifact ${key.artifact_id}: too many concurrent revisions; will retry`);
    }
  }
}

const noteOf = (key: ArtifactKey, messageId: string) => ({
  uuid: key.artifact_id,
  tenant_id: key.tenant_id,
  message_id: messageId,
});

interface VersionInputs {
  messageId: string | null;
  /** The manifest as version 1 would store it (visuals at their version-1 paths), and its sha256. */
  content: Buffer;
  contentSha: string;
  derivedFrom: Array<{ artifact_id: string; version: number | null }>;
  decision: MaterializationDecision;
  metadata: ReturnType<typeof recordedMetadata>;
  expiresAt: Date | null;
}

type Committed = {
  status: 'stored' | 'already_stored';
  version: number;
  manifest_path: string;
  visuals: number;
};

/**
 * Commits one version of the artifact: numbers it (version 1 without `expected_version`; the latest plus one
 * with it), places its visuals (reusing the objects an earlier version stored for the same bytes), writes
 * them and then the version's manifest, create-only: the commit point, and the compare-and-set that makes
 * two writers of one version number impossible. 'retry' when `latest` lost its number to another writer.
 */
async function commitVersion(
  request: StoreRequest,
  key: ArtifactKey,
  extraction: Extraction,
  inputs: VersionInputs,
  deps: StoreDeps,
): Promise<Committed | 'retry'> {
  const { blobs } = deps;
  const expected = request.expected_version;
  const { manifest, visuals } = extraction;
  // Without expected_version only version 1 is written, so the listing is needed only once it exists.
  const versions = expected === undefined ? [] : await listVersions(blobs, key);
  const sha256 = inputs.contentSha;
  const same = versions.find((v) => v.sha256 === sha256);
  if (same) return alreadyStored(key, same.version, visuals.length);
  const latest = versions.at(-1)?.version ?? 0;
  if (typeof expected === 'number' && expected !== latest) throw versionConflict(key, expected, latest);
  const version = expected === undefined ? 1 : latest + 1;

  // Visuals: relocated to this version's folder, or to the earlier object holding the same bytes.
  const earlier = await reusableVisuals(blobs, key, versions, inputs.expiresAt);
  let asContent = true;
  visuals.forEach((visual, i) => {
    const path = earlier.get(visual.sha256) ?? visualPath(key, visual.name, extension(visual), version);
    relocateVisual(extraction, i, path);
    if (path !== visualPath(key, visual.name, extension(visual), 1)) asContent = false;
  });
  // Every visual at its version-1 path (version 1, nothing reused): the manifest is the content, as serialized.
  const bytes = asContent ? inputs.content : Buffer.from(JSON.stringify(manifest));
  const manifestSha = asContent ? sha256 : sha256Hex(bytes);
  const placed = await mapLimit(uniqueByPath(visuals), VISUAL_CONCURRENCY, (visual) =>
    putVisual(blobs, key, visual, inputs.expiresAt, deps.now()),
  );
  // Another writer of this version number got there first (its visual holds other bytes at the version's path).
  if (placed.includes('taken')) return lost(key, expected, version);
  const name = manifestPath(key, version);
  const result = await blobs.putIfAbsent(name, bytes, {
    contentType: 'application/json',
    customTime: inputs.expiresAt ?? undefined,
    metadata: encodeManifestMetadata({
      ...key,
      sha256: manifestSha,
      content_sha256: sha256,
      ...inputs.metadata.fields,
      extra: inputs.metadata.extra,
      materialization: inputs.decision,
      expires_at: inputs.expiresAt?.toISOString() ?? null,
      version,
      aliases: request.aliases ?? [],
      derived_from: inputs.derivedFrom,
      message_id: inputs.messageId,
      // Computed here once, carried to the row when they fit in the object's custom metadata.
      visuals: visualDetails(visuals),
      component_count: componentCount(manifest),
    }),
  });
  if (result.created) return { status: 'stored', version, manifest_path: name, visuals: visuals.length };
  if (result.existing.metadata.content_sha256 === sha256 || result.existing.metadata.sha256 === manifestSha) {
    return { status: 'already_stored', version, manifest_path: name, visuals: visuals.length };
  }
  if (expected === undefined) {
    // Version 1 exists with other content: identical to a later version is a redelivery, else a conflict.
    const all = await listVersions(blobs, key);
    const match = all.find((v) => v.sha256 === sha256);
    if (match) return alreadyStored(key, match.version, visuals.length);
  }
  return lost(key, expected, version);
}

/** This writer lost version `version` to another: ID_CONFLICT, VERSION_CONFLICT, or number again (`latest`). */
function lost(key: ArtifactKey, expected: StoreRequest['expected_version'], version: number): 'retry' {
  if (expected === 'latest') return 'retry';
  if (expected === undefined) throw idConflict(key);
  throw versionConflict(key, expected, version);
}

/**
 * The parents as recorded: each with the version given, or the parent's latest as this tenant's store holds it
 * now (null when it holds none: such an edge never shows, as one to another tenant's or a deleted id).
 */
async function resolveParents(
  request: StoreRequest,
  deps: StoreDeps,
): Promise<Array<{ artifact_id: string; version: number | null }>> {
  return mapLimit(request.derived_from ?? [], VISUAL_CONCURRENCY, async (parent) => {
    if (parent.version !== undefined) return { artifact_id: parent.artifact_id, version: parent.version };
    const status = await deps.metadata.status(parent.artifact_id, request.tenant_id);
    return { artifact_id: parent.artifact_id, version: status.state === 'stored' ? status.version : null };
  });
}

function alreadyStored(key: ArtifactKey, version: number, visuals: number): Committed {
  return { status: 'already_stored', version, manifest_path: manifestPath(key, version), visuals };
}

function versionConflict(key: ArtifactKey, expected: number, latest: number): PermanentError {
  return new PermanentError(
    'VERSION_CONFLICT',
    `artifact ${key.artifact_id}: expected_version ${expected}, but the latest version is ${latest || 'none'}`,
    { expected_version: expected, latest_version: latest },
  );
}

/** sha256 → the object an earlier version stored those bytes in, when this version may share it. */
async function reusableVisuals(
  blobs: BlobStore,
  key: ArtifactKey,
  versions: StoredVersion[],
  expiresAt: Date | null,
): Promise<Map<string, string>> {
  const reusable = new Map<string, string>();
  for (const version of versions) {
    for (const visual of await versionVisuals(blobs, key, version)) {
      const expiry = version.info.customTime ? Date.parse(version.info.customTime) : null;
      // An object expiring before this version would wants would take this version's image with it, and
      // an expiry can be moved later but never removed: share only when this version's expiry allows it.
      if (expiry !== null && expiresAt === null) continue;
      if (!reusable.has(visual.sha256)) reusable.set(visual.sha256, visual.storage_path);
    }
  }
  return reusable;
}

/** Visuals of one document sharing bytes share one object: write each object once. */
function uniqueByPath(visuals: ExtractedVisual[]): ExtractedVisual[] {
  const seen = new Map<string, ExtractedVisual>();
  for (const v of visuals) if (!seen.has(v.storage_path)) seen.set(v.storage_path, v);
  return [...seen.values()];
}

function extension(visual: ExtractedVisual): string {
  return IMAGE_TYPES[visual.format as keyof typeof IMAGE_TYPES].ext;
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
 * Same name with other bytes: 'taken' (another writer of this version placed its own visual there).
 */
async function putVisual(
  blobs: BlobStore,
  key: ArtifactKey,
  visual: ExtractedVisual,
  expiresAt: Date | null,
  now: Date,
): Promise<'placed' | 'taken'> {
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
    if (result.created) return 'placed';
    if (result.existing.metadata.sha256 !== visual.sha256) return 'taken';
    const later =
      expiresAt && result.existing.customTime && Date.parse(result.existing.customTime) < expiresAt.getTime();
    const touched = await blobs.touch(
      visual.storage_path,
      { reused_at: now.toISOString() },
      later ? { customTime: expiresAt } : {},
    );
    if (touched) return 'placed';
    // Deleted between the create attempt and the touch: create it again.
    if (attempt >= REUSE_RETRIES) {
      throw new TransientError(`visual ${visual.storage_path} keeps disappearing; will retry`);
    }
  }
}

/**
 * The artifact document: inline, or the staged payload (null when the staged object does not exist). The
 * payload is read once (its size checked first, from the same lookup that pins its generation), into one
 * buffer of its size, and parsed; nothing of it is kept but the parsed document.
 */
async function loadDocument(
  request: StoreRequest,
  staged: string | null,
  deps: StoreDeps,
): Promise<unknown | null> {
  if (!staged) return request.artifact;
  const opened = await deps.blobs.openRead(staged);
  if (!opened) return null;
  const { stream, info } = opened;
  if (info.size > deps.limits.maxArtifactBytes) {
    stream.destroy();
    throw new PermanentError(
      'PAYLOAD_TOO_LARGE',
      `staged payload of ${info.size} bytes exceeds ${deps.limits.maxArtifactBytes}`,
      {
        size: info.size,
        limit: deps.limits.maxArtifactBytes,
      },
    );
  }
  let text: string;
  try {
    text = (await readAll(stream, info.size)).toString('utf8');
  } catch (err) {
    // Deleted while being read (a redelivery racing the attempt that stored it): as if it were never there.
    if (!(await deps.blobs.head(staged))) return null;
    throw err;
  }
  return parseExactJson(text, `staged payload ${staged}`);
}

/**
 * Object names in the bucket (docs/design.md, "Objects in the bucket") and the validation that keeps every name a message can influence
 * inside its tenant's prefix. Every object name is built here and nowhere else.
 */
import { PermanentError } from './errors';
import { isUuid } from './ids';
import {
  ARTIFACT_OBJECT_RE,
  ARTIFACT_TYPE_RE,
  STAGED_NAME_RE,
  TENANT_ID_RE,
  VISUAL_NAME_MAX,
  VISUAL_NAME_RE,
} from './names';

export const ARTIFACTS_PREFIX = 'artifacts/';
export const STAGING_PREFIX = 'staging/';
export const QUARANTINE_PREFIX = 'quarantine/';

export interface ArtifactKey {
  artifact_type: string;
  tenant_id: string;
  artifact_id: string;
}

function unsafe(what: string, value: string): never {
  throw new PermanentError(
    'UNSAFE_NAME',
    `${what} is not a safe object name segment: ${JSON.stringify(value)}`,
  );
}

export function assertArtifactKey(key: ArtifactKey): void {
  if (!ARTIFACT_TYPE_RE.test(key.artifact_type)) unsafe('artifact_type', key.artifact_type);
  if (!TENANT_ID_RE.test(key.tenant_id)) unsafe('tenant_id', key.tenant_id);
  if (!isUuid(key.artifact_id)) unsafe('artifact_id', key.artifact_id);
}

export function isVisualName(name: string): boolean {
  return name.length <= VISUAL_NAME_MAX && VISUAL_NAME_RE.test(name);
}

/**
 * The manifest of a version, the commit point of that version: version 1 (what every artifact stored before
 * versions is) at `artifacts/{type}/{tenant}/{id}.json`, version N at `artifacts/{type}/{tenant}/{id}/v{N}.json`.
 */
export function manifestPath(key: ArtifactKey, version = 1): string {
  assertArtifactKey(key);
  if (!Number.isInteger(version) || version < 1) unsafe('version', String(version));
  return version === 1
    ? `${ARTIFACTS_PREFIX}${key.artifact_type}/${key.tenant_id}/${key.artifact_id}.json`
    : `${visualsPrefix(key)}v${version}.json`;
}

/** `artifacts/{type}/{tenant}/{id}/`: the folder of the artifact's visuals. */
export function visualsPrefix(key: ArtifactKey): string {
  assertArtifactKey(key);
  return `${ARTIFACTS_PREFIX}${key.artifact_type}/${key.tenant_id}/${key.artifact_id}/`;
}

/**
 * Where a version stores a visual it does not share with an earlier version: version 1 at
 * `artifacts/{type}/{tenant}/{id}/{name}.{ext}`, version N at `artifacts/{type}/{tenant}/{id}/v{N}/{name}.{ext}`
 * (a visual name holds no `/`, so the two never meet).
 */
export function visualPath(key: ArtifactKey, name: string, ext: string, version = 1): string {
  if (!isVisualName(name)) unsafe('visual name', name);
  if (!/^[a-z]{2,5}$/.test(ext)) unsafe('visual extension', ext);
  return `${visualsPrefix(key)}${version === 1 ? '' : `v${version}/`}${name}.${ext}`;
}

/** The key of a manifest object name (any version), or null for any other object (visuals, staging, ...). */
export function parseManifestPath(name: string): ArtifactKey | null {
  const parsed = parseArtifactObject(name);
  return parsed?.kind === 'manifest' ? parsed.key : null;
}

const VERSION_MANIFEST_RE = /^\/v([1-9][0-9]{0,8})\.json$/;

/**
 * The artifact an object under `artifacts/` belongs to: a manifest (`{id}.json`, version 1, or
 * `{id}/v{N}.json`, version N) or a member of its folder (`{id}/...`, a visual); null for any other name.
 */
export function parseArtifactObject(
  name: string,
): { key: ArtifactKey; kind: 'manifest'; version: number } | { key: ArtifactKey; kind: 'member' } | null {
  const m = ARTIFACT_OBJECT_RE.exec(name);
  if (!m) return null;
  const key = { artifact_type: m[1]!, tenant_id: m[2]!, artifact_id: m[3]! };
  if (m[4] === '.json') return { key, kind: 'manifest', version: 1 };
  const v = VERSION_MANIFEST_RE.exec(m[4]!);
  if (v && Number(v[1]) >= 2) return { key, kind: 'manifest', version: Number(v[1]) };
  return { key, kind: 'member' };
}

/** `staging/{tenant}/{name}`: a claim-check payload uploaded by a producer. */
export function stagingPath(tenantId: string, name: string): string {
  if (!TENANT_ID_RE.test(tenantId)) unsafe('tenant_id', tenantId);
  if (!STAGED_NAME_RE.test(name) || name.includes('..')) unsafe('staged object name', name);
  return `${STAGING_PREFIX}${tenantId}/${name}`;
}

/** Quarantine folder of records moved aside once replayed. */
export const REPLAYED_PREFIX = `${QUARANTINE_PREFIX}replayed/`;
/** Quarantine folder of storage events the sync function refused for good. */
export const SYNC_QUARANTINE_PREFIX = `${QUARANTINE_PREFIX}sync/`;

const safeSegment = (id: string) => id.replace(/[^A-Za-z0-9_-]/g, '_').slice(0, 200) || 'unknown';

/** `quarantine/{yyyy-mm-dd}/{message_id}.json`: a rejected message kept for replay. */
export function quarantinePath(messageId: string, at: Date = new Date()): string {
  return `${QUARANTINE_PREFIX}${at.toISOString().slice(0, 10)}/${safeSegment(messageId)}.json`;
}

/** `quarantine/sync/{yyyy-mm-dd}/{event_id}.json`: a storage event the sync function refused for good. */
export function syncQuarantinePath(eventId: string, at: Date = new Date()): string {
  return `${SYNC_QUARANTINE_PREFIX}${at.toISOString().slice(0, 10)}/${safeSegment(eventId)}.json`;
}

/** `quarantine/replayed/{rest}`: where a replayed record of `quarantine/{rest}` is moved. */
export function replayedPath(path: string): string {
  if (!path.startsWith(QUARANTINE_PREFIX) || path.startsWith(REPLAYED_PREFIX)) {
    throw new PermanentError(
      'UNSAFE_NAME',
      `not a quarantine record awaiting replay: ${JSON.stringify(path)}`,
    );
  }
  return REPLAYED_PREFIX + path.slice(QUARANTINE_PREFIX.length);
}

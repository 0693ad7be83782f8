/**
 * Writes a version of an artifact straight into a bucket and records its row, as the store and sync functions
 * do for a revision: the manifest at `artifacts/{type}/{tenant}/{id}/v{N}.json` (version 1 at `{id}.json`),
 * new visuals under `{id}/v{N}/`, and a visual whose bytes an earlier version already stored referenced at
 * that version's path. For API tests that need real versions whatever the store side does (in process over
 * the memory stores, or through a stack's own t.blobs / t.metadata).
 */
import type { BlobStore } from '../../shared/adapters/blob-store';
import type { MetadataStore, RecordOutcome } from '../../shared/adapters/metadata-store';
import type { VisualDetail } from '../../shared/domain/artifact-row';
import { encodeManifestMetadata } from '../../shared/domain/manifest-metadata';
import { componentCount } from '../../shared/domain/manifest-row';
import { type ArtifactKey, manifestPath, visualsPrefix } from '../../shared/domain/paths';
import { extractVisuals, type JsonObject, sha256Hex } from '../../shared/domain/visuals';

export interface SeededVersion {
  key: ArtifactKey;
  version: number;
  file_path: string;
  visuals: VisualDetail[];
  outcome: RecordOutcome;
}

export interface SeedOptions {
  version: number;
  document: JsonObject;
  /** Visuals of earlier versions: one with the same bytes is referenced, not stored again. */
  earlier?: VisualDetail[];
  aliases?: string[];
  ui_name?: string;
  execution_id?: string;
  /** RFC 3339: this version expires then. */
  expires_at?: string | null;
  /** The Pub/Sub message that created this version, as the store writes it (the status route answers by it). */
  message_id?: string;
  /** The parent versions this version was made from (lineage). */
  derived_from?: Array<{ artifact_id: string; version: number }>;
}

const MATERIALIZATION = {
  mode: 'persist' as const,
  source: 'override' as const,
  rule_index: null,
  retention_days: null,
  reason: 'test version',
};

/** The manifest path of version N (docs/design.md, "Versions"). */
export function versionManifestPath(key: ArtifactKey, version: number): string {
  return version === 1 ? manifestPath(key) : `${visualsPrefix(key)}v${version}.json`;
}

export async function seedVersion(
  stores: { blobs: BlobStore; metadata: MetadataStore },
  key: ArtifactKey,
  options: SeedOptions,
): Promise<SeededVersion> {
  const { version, document } = options;
  const extracted = extractVisuals(document, key);
  const visuals: VisualDetail[] = [];
  const paths = new Map<string, string>();
  for (const { bytes, ...detail } of extracted.visuals) {
    const reused = options.earlier?.find((v) => v.sha256 === detail.sha256);
    const path =
      reused?.storage_path ??
      (version === 1
        ? detail.storage_path
        : detail.storage_path.replace(visualsPrefix(key), `${visualsPrefix(key)}v${version}/`));
    if (!reused) await stores.blobs.putIfAbsent(path, bytes, { contentType: detail.content_type });
    paths.set(detail.storage_path, path);
    visuals.push({ ...detail, storage_path: path });
  }
  const manifest = JSON.parse(JSON.stringify(extracted.manifest), (_k, value) =>
    typeof value === 'string' && paths.has(value) ? paths.get(value) : value,
  ) as JsonObject;
  const bytes = Buffer.from(JSON.stringify(manifest));
  const file_path = versionManifestPath(key, version);
  const fields = {
    user_id: null,
    ui_name: options.ui_name ?? `${key.artifact_type} v${version}`,
    execution_id: options.execution_id ?? null,
    session_id: null,
  };
  const expires_at = options.expires_at ?? null;
  // The version rides on the manifest's custom metadata as the store writes it (a sync that reads versions
  // from there records the same row); version 1's manifest carries none.
  const versionField = version === 1 ? {} : { version };
  const put = await stores.blobs.putIfAbsent(file_path, bytes, {
    contentType: 'application/json',
    metadata: encodeManifestMetadata({
      ...key,
      ...fields,
      ...versionField,
      message_id: options.message_id ?? null,
      sha256: sha256Hex(bytes),
      extra: {},
      materialization: MATERIALIZATION,
      expires_at,
      visuals,
      component_count: componentCount(manifest),
    }),
  });
  if (!put.created) throw new Error(`seedVersion: ${file_path} exists already`);
  const outcome = await stores.metadata.record({
    uuid: key.artifact_id,
    tenant_id: key.tenant_id,
    artifact_type: key.artifact_type,
    user_id: null,
    ui_name: fields.ui_name,
    file_path,
    file_size: bytes.length,
    file_hash: sha256Hex(bytes),
    generation: put.info.generation,
    expires_at,
    metadata: {
      ...fields,
      component_count: componentCount(manifest),
      has_visuals: visuals.length > 0,
      visual_paths: visuals.map((v) => v.name),
      visuals,
      materialization: MATERIALIZATION,
      bucket: put.info.bucket,
      generation: put.info.generation,
      extra: {},
      message_id: options.message_id ?? null,
    },
    version,
    ...(options.aliases ? { aliases: options.aliases } : {}),
    ...(options.derived_from ? { derived_from: options.derived_from } : {}),
  });
  return { key, version, file_path, visuals, outcome };
}

/**
 * The metadata row (DESIGN 4) of a stored manifest: built from the manifest's bytes (size, hash, visual
 * references, components) and the custom metadata the store function wrote on it.
 */
import type { ArtifactRowInput } from './artifact-row';
import type { ObjectInfo } from './blob-store';
import { PermanentError } from './errors';
import type { ManifestMetadata } from './manifest-metadata';
import { findVisualReferences, type JsonObject, sha256Hex } from './visuals';

/** Number of components, as the seed counts them: the keys of `components` (or its length). */
export function componentCount(manifest: JsonObject): number {
  const components = manifest.components;
  if (Array.isArray(components)) return components.length;
  if (typeof components === 'object' && components !== null) return Object.keys(components).length;
  return 0;
}

export function rowFromManifest(info: ObjectInfo, bytes: Buffer, meta: ManifestMetadata): ArtifactRowInput {
  let manifest: JsonObject;
  try {
    manifest = JSON.parse(bytes.toString('utf8')) as JsonObject;
  } catch (err) {
    throw new PermanentError('INVALID_MANIFEST', `${info.name} is not JSON: ${(err as Error).message}`);
  }
  const visuals = findVisualReferences(manifest, meta);
  return {
    uuid: meta.artifact_id,
    tenant_id: meta.tenant_id,
    artifact_type: meta.artifact_type,
    user_id: meta.user_id,
    ui_name: meta.ui_name ?? `${meta.artifact_type}_${meta.artifact_id}`,
    file_path: info.name,
    file_size: bytes.length,
    file_hash: sha256Hex(bytes),
    generation: info.generation,
    expires_at: meta.expires_at,
    metadata: {
      execution_id: meta.execution_id,
      session_id: meta.session_id,
      user_id: meta.user_id,
      component_count: componentCount(manifest),
      has_visuals: visuals.length > 0,
      visual_paths: visuals.map((v) => v.name),
      visuals,
      materialization: meta.materialization,
      bucket: info.bucket,
      generation: info.generation,
      extra: meta.extra,
    },
  };
}

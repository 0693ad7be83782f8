/**
 * The row (docs/design.md, "The row") of a stored manifest: from the object (name, bucket, generation, size),
 * the custom metadata the store function wrote on it, and — only when that metadata does not carry the visual
 * details and component count — the manifest's bytes.
 */
import { METADATA_FIELDS } from './artifact-metadata';
import type { ArtifactRowInput } from './artifact-row';
import { PermanentError } from './errors';
import { isObject, type JsonObject } from './json';
import type { DecodedManifestMetadata } from './manifest-metadata';
import { findVisualReferences } from './visuals';

/** The manifest object as the row needs it. */
export interface ManifestObject {
  name: string;
  bucket: string;
  /** int64 as a decimal string. */
  generation: string;
  size: number;
}

/** Number of components, as the seed counts them: the keys of `components` (or its length). */
export function componentCount(manifest: JsonObject): number {
  const components = manifest.components;
  if (Array.isArray(components)) return components.length;
  return isObject(components) ? Object.keys(components).length : 0;
}

/** True when the metadata alone builds the row (no need to read the manifest's bytes). */
export function carriesRowDetails(meta: DecodedManifestMetadata): boolean {
  return meta.visuals !== undefined && meta.component_count !== undefined;
}

export function rowFromManifest(
  object: ManifestObject,
  meta: DecodedManifestMetadata,
  bytes?: Buffer,
): ArtifactRowInput {
  let { visuals, component_count } = meta;
  if (visuals === undefined || component_count === undefined) {
    if (!bytes) throw new Error(`rowFromManifest: ${object.name} needs its bytes (details not carried)`);
    let manifest: JsonObject;
    try {
      manifest = JSON.parse(bytes.toString('utf8')) as JsonObject;
    } catch (err) {
      throw new PermanentError('INVALID_MANIFEST', `${object.name} is not JSON: ${(err as Error).message}`);
    }
    visuals = findVisualReferences(manifest, meta);
    component_count = componentCount(manifest);
  }
  const fields = Object.fromEntries(METADATA_FIELDS.map((k) => [k, meta[k]]));
  return {
    uuid: meta.artifact_id,
    tenant_id: meta.tenant_id,
    artifact_type: meta.artifact_type,
    user_id: meta.user_id,
    ui_name: meta.ui_name ?? `${meta.artifact_type}_${meta.artifact_id}`,
    file_path: object.name,
    file_size: object.size,
    file_hash: meta.sha256,
    generation: object.generation,
    expires_at: meta.expires_at,
    version: meta.version,
    aliases: meta.aliases,
    derived_from: meta.derived_from,
    metadata: {
      ...fields,
      component_count,
      has_visuals: visuals.length > 0,
      visual_paths: visuals.map((v) => v.name),
      visuals,
      materialization: meta.materialization,
      bucket: object.bucket,
      generation: object.generation,
      extra: meta.extra,
      message_id: meta.message_id,
    },
  };
}

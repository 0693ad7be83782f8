/**
 * Recording one manifest object as its row: what the sync function does for a `finalized` event, and what
 * reconcile does for a manifest it finds without its row. The row is built from the manifest's bytes and the
 * custom metadata the store function wrote on it; the SQL function decides (docs/design.md, "The row").
 *
 * Outcomes: the record outcomes, plus `object_gone` (nothing to record), `superseded` (a newer generation
 * is live: its own event decides) and `deleted:removed` (the id was deleted, so this manifest and its visuals
 * are removed: deleted ids are never reused). A manifest that can never be recorded is a PermanentError:
 * INVALID_MANIFEST (not written by the store, or not JSON), TENANT_CONFLICT / ID_CONFLICT (its id belongs to
 * another tenant or type; it is left untouched), INVALID_ROW (the database refuses the row).
 */

import type { BlobStore, ObjectInfo } from '../adapters/blob-store';
import type { MetadataStore, RecordOutcome } from '../adapters/metadata-store';
import { PermanentError } from '../domain/errors';
import { type DecodedManifestMetadata, decodeManifestMetadata } from '../domain/manifest-metadata';
import { carriesRowDetails, rowFromManifest } from '../domain/manifest-row';
import type { ArtifactKey } from '../domain/paths';
import { deleteArtifactObjects } from './artifact-objects';

export type ManifestRecordOutcome = RecordOutcome | 'object_gone' | 'superseded' | 'deleted:removed';

/**
 * Records the manifest `name`. `described` is the object as an event described it (its resource: generation,
 * size, custom metadata): when it carries the store's metadata, nothing is read from the bucket at all; else
 * the object is looked up (and must still be that generation).
 */
export async function recordManifest(
  deps: { blobs: BlobStore; metadata: MetadataStore },
  name: string,
  key: ArtifactKey,
  described?: {
    generation: string;
    object?: ObjectInfo | undefined;
    /** Called once the version is recorded (or found recorded), after the commit: to announce it. */
    onRecorded?: (meta: DecodedManifestMetadata) => Promise<void>;
  },
): Promise<ManifestRecordOutcome> {
  const trusted = described?.object?.metadata.format ? described.object : undefined;
  const info = trusted ?? (await deps.blobs.head(name));
  if (!info) return 'object_gone';
  if (described && info.generation !== described.generation) return 'superseded';
  const meta = decodeManifestMetadata(info.metadata, key);
  if (!meta) {
    throw new PermanentError(
      'INVALID_MANIFEST',
      `${name} was not written by the artifact store (its custom metadata is missing or does not match its ` +
        'name); left untouched',
    );
  }
  // The bytes are read only when the metadata does not carry the row's details (a very large artifact).
  let bytes: Buffer | undefined;
  if (!carriesRowDetails(meta)) {
    const object = await deps.blobs.get(name);
    if (!object) return 'object_gone';
    if (object.info.generation !== info.generation) return 'superseded';
    bytes = object.bytes;
  }
  const outcome = await deps.metadata.record(rowFromManifest(info, meta, bytes));
  if (['inserted', 'updated', 'version_added', 'unchanged'].includes(outcome))
    await described?.onRecorded?.(meta);
  if (outcome === 'deleted') {
    // The id was deleted, and deleted ids are never reused: this manifest (a store that raced with the
    // delete) and its visuals go too, so nothing unreachable is left in the bucket.
    await deleteArtifactObjects(deps.blobs, key, { manifestGeneration: info.generation });
    return 'deleted:removed';
  }
  if (outcome === 'tenant_conflict' || outcome === 'id_conflict') {
    throw new PermanentError(
      outcome === 'tenant_conflict' ? 'TENANT_CONFLICT' : 'ID_CONFLICT',
      `${name}: artifact id ${key.artifact_id} belongs to ${
        outcome === 'tenant_conflict' ? 'another tenant' : 'an artifact of another type'
      }; the manifest is left untouched and never recorded`,
    );
  }
  return outcome;
}

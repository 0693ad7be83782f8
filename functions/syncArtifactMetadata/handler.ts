/**
 * The syncArtifactMetadata CloudEvent handler: keeps `project_files` in step with the manifests in the
 * bucket. Manifests only; visuals, staging/ and quarantine/ are ignored. Every rule that makes duplicates and
 * reordering converge (newer generation wins, never undelete, tombstones, tenant takeover refused) lives in
 * the SQL functions; this handler only feeds them and cleans up what they refuse.
 */
import type { CloudEvent } from '@google-cloud/functions-framework';
import { deleteArtifactObjects, deleteVisualObjects } from '../../shared/artifact-objects';
import type { BlobStore } from '../../shared/blob-store';
import type { Logger } from '../../shared/log';
import { decodeManifestMetadata } from '../../shared/manifest-metadata';
import type { MetadataStore } from '../../shared/metadata-store';
import { type ArtifactKey, parseManifestPath } from '../../shared/paths';
import { rowFromManifest } from './row-from-manifest';
import { type StorageEvent, storageEventFrom } from './storage-event';

export interface SyncDeps {
  blobs: BlobStore;
  metadata: MetadataStore;
}

export function createSyncHandler(deps: SyncDeps, log: Logger) {
  return async function syncArtifactMetadataHandler(cloudEvent: CloudEvent<unknown>): Promise<void> {
    const event = storageEventFrom(cloudEvent);
    const key = parseManifestPath(event.name);
    if (event.kind === 'other' || !key) return;
    const context = {
      event_id: event.id,
      event_type: event.kind,
      object: event.name,
      generation: event.generation,
    };
    if (event.bucket !== deps.blobs.bucket) {
      log.warn('event for another bucket ignored', { ...context, bucket: event.bucket });
      return;
    }
    const outcome =
      event.kind === 'finalized'
        ? await onFinalized(deps, event, key, log)
        : await onDeleted(deps, event, key);
    log.info('metadata synced', {
      ...context,
      artifact_id: key.artifact_id,
      tenant_id: key.tenant_id,
      outcome,
    });
  };
}

async function onFinalized(
  deps: SyncDeps,
  event: StorageEvent,
  key: ArtifactKey,
  log: Logger,
): Promise<string> {
  const object = await deps.blobs.get(event.name);
  // Gone already: its deleted event decides. A newer generation: its own finalize decides.
  if (!object) return 'object_gone';
  if (object.info.generation !== event.generation) return 'superseded';
  const meta = decodeManifestMetadata(object.info.metadata, key);
  if (!meta) {
    log.error('manifest without the store metadata; left untouched', { object: event.name });
    return 'foreign_object';
  }
  const outcome = await deps.metadata.record(rowFromManifest(object.info, object.bytes, meta));
  if (outcome === 'tenant_conflict' || outcome === 'deleted') {
    // The row refuses this manifest for good (another tenant owns the id, or the id was deleted): remove it
    // and its visuals so nothing unreachable is left in the bucket.
    await deleteArtifactObjects(deps.blobs, key, { manifestGeneration: object.info.generation });
    return `${outcome}:removed`;
  }
  return outcome;
}

async function onDeleted(deps: SyncDeps, event: StorageEvent, key: ArtifactKey): Promise<string> {
  const outcome = await deps.metadata.markDeleted({
    uuid: key.artifact_id,
    tenant_id: key.tenant_id,
    generation: event.generation || null,
    artifact_type: key.artifact_type,
    file_path: event.name,
  });
  if (outcome !== 'stale' && !(await deps.blobs.head(event.name))) {
    // The manifest is gone: so must its visuals be (an interrupted API delete, a lifecycle or manual delete).
    const removed = await deleteVisualObjects(deps.blobs, key);
    if (removed > 0) return `${outcome}:visuals_removed=${removed}`;
  }
  return outcome;
}

/**
 * The syncArtifactMetadata CloudEvent handler: keeps `project_files` in step with the manifests in the
 * bucket. Manifests only; visuals, staging/ and quarantine/ are ignored. Every rule that makes duplicates and
 * reordering converge (newer generation wins, never undelete, tombstones, takeover refused) lives in the SQL
 * functions; this handler feeds them, and never blocks the events behind one it cannot handle:
 * - success, or an event with nothing (left) to do: 2xx;
 * - an event that can never succeed (a manifest the database refuses for good, one the store did not write):
 *   quarantined under `quarantine/sync/{day}/{event id}.json` with its error code, logged, and 2xx;
 * - anything else (storage or database unavailable): rethrown, so Eventarc redelivers it.
 */
import type { CloudEvent } from '@google-cloud/functions-framework';
import type { BlobStore } from '../../shared/adapters/blob-store';
import { type EventPublisher, NO_EVENTS } from '../../shared/adapters/event-publisher';
import type { MetadataStore } from '../../shared/adapters/metadata-store';
import { isPermanent } from '../../shared/domain/errors';
import { type ArtifactKey, parseManifestPath, syncQuarantinePath } from '../../shared/domain/paths';
import { announceDeleted, announceVersion } from '../../shared/operations/announce';
import { deleteVisualObjects } from '../../shared/operations/artifact-objects';
import {
  quarantineError,
  type SyncQuarantineRecord,
  writeQuarantineRecord,
} from '../../shared/operations/quarantine';
import { recordManifest } from '../../shared/operations/record-manifest';
import type { Logger } from '../../shared/platform/log';
import { type StorageEvent, storageEventFrom } from './storage-event';

export interface SyncDeps {
  blobs: BlobStore;
  metadata: MetadataStore;
  /** Where the version_created, alias.moved and deleted events go (after their fact is committed). */
  events?: EventPublisher;
  now?: () => Date;
}

export function createSyncHandler(deps: SyncDeps, log: Logger) {
  const now = deps.now ?? (() => new Date());
  return async function syncArtifactMetadataHandler(cloudEvent: CloudEvent<unknown>): Promise<void> {
    const event = storageEventFrom(cloudEvent);
    const key = parseManifestPath(event.name);
    if (event.kind === 'other' || !key) return;
    const context = {
      event_id: event.id,
      event_type: event.kind,
      object: event.name,
      generation: event.generation,
      artifact_id: key.artifact_id,
      tenant_id: key.tenant_id,
    };
    if (event.bucket !== deps.blobs.bucket) {
      log.warn('event for another bucket ignored', { ...context, bucket: event.bucket });
      return;
    }
    try {
      const outcome =
        event.kind === 'finalized'
          ? await recordManifest(deps, event.name, key, {
              generation: event.generation,
              object: event.object,
              onRecorded: (meta) => announceVersion(deps.events ?? NO_EVENTS, key, meta, now()),
            })
          : await onDeleted(deps, event, key);
      log.info('metadata synced', { ...context, outcome });
    } catch (err) {
      if (!isPermanent(err)) {
        log.error('sync failed; the event will be redelivered', { ...context, error: err });
        throw err;
      }
      const at = now();
      const record: SyncQuarantineRecord = {
        error: quarantineError(err),
        event,
        quarantined_at: at.toISOString(),
        function: 'syncArtifactMetadata',
      };
      const path = await writeQuarantineRecord(deps.blobs, syncQuarantinePath(event.id, at), record, event);
      log.warn('storage event rejected', {
        ...context,
        event: 'sync.rejected',
        error_code: err.code,
        error: err.message,
        quarantine_path: path,
      });
    }
  };
}

async function onDeleted(deps: SyncDeps, event: StorageEvent, key: ArtifactKey): Promise<string> {
  // A deleted event says a generation is gone, not that the object is: if it still exists (a late or
  // duplicate event, or an older generation), the live object's own finalize decides.
  const live = await deps.blobs.head(event.name);
  if (live) return 'object_present';
  const outcome = await deps.metadata.markDeleted({
    uuid: key.artifact_id,
    tenant_id: key.tenant_id,
    generation: event.generation || null,
    artifact_type: key.artifact_type,
    file_path: event.name,
  });
  // A newer generation lives, or only an older version's manifest went: the artifact's other objects stay
  // (what that version alone referenced is reconcile's, once nothing references it).
  if (outcome === 'stale' || outcome === 'version_removed') return outcome;
  if (outcome !== 'not_found') {
    await announceDeleted(deps.events ?? NO_EVENTS, key, (deps.now ?? (() => new Date()))());
  }
  // The manifest is gone: so must its visuals be (an interrupted API delete, a lifecycle or manual delete).
  const removed = await deleteVisualObjects(deps.blobs, key);
  return removed > 0 ? `${outcome}:visuals_removed=${removed}` : outcome;
}

/**
 * The Cloud Storage CloudEvents the sync function receives from Eventarc (docs/design.md, "Dependencies"): int64 fields arrive as
 * strings; finalize fires on create and overwrite; deleted also fires for overwritten generations;
 * duplicates and any order happen.
 */
import type { CloudEvent } from '@google-cloud/functions-framework';
import type { FileMetadata } from '@google-cloud/storage';
import type { ObjectInfo } from '../../shared/adapters/blob-store';
import { toObjectInfo } from '../../shared/adapters/gcs-blob-store';
import { isObject } from '../../shared/domain/json';

export const FINALIZED = 'google.cloud.storage.object.v1.finalized';
export const DELETED = 'google.cloud.storage.object.v1.deleted';

export interface StorageEvent {
  kind: 'finalized' | 'deleted' | 'other';
  id: string;
  bucket: string;
  name: string;
  /** int64 as a decimal string. */
  generation: string;
  /** The object as the event's resource describes it (StorageObjectData), when it does. */
  object?: ObjectInfo;
}

export function storageEventFrom(event: CloudEvent<unknown>): StorageEvent {
  const data = (typeof event.data === 'object' && event.data !== null ? event.data : {}) as Record<
    string,
    unknown
  >;
  const str = (v: unknown) => (typeof v === 'string' ? v : typeof v === 'number' ? String(v) : '');
  const storageEvent: StorageEvent = {
    kind: event.type === FINALIZED ? 'finalized' : event.type === DELETED ? 'deleted' : 'other',
    id: event.id,
    bucket: str(data.bucket),
    name: str(data.name),
    generation: str(data.generation),
  };
  // The resource carries the custom metadata the sync needs: the row is built without reading the bucket.
  if (isObject(data.metadata) && storageEvent.name && storageEvent.generation) {
    storageEvent.object = toObjectInfo(storageEvent.bucket, data as FileMetadata);
  }
  return storageEvent;
}

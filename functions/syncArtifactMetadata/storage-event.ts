/**
 * The Cloud Storage CloudEvents the sync function receives from Eventarc (docs/design.md, "Dependencies"): int64 fields arrive as
 * strings; finalize fires on create and overwrite; deleted also fires for overwritten generations;
 * duplicates and any order happen.
 */
import type { CloudEvent } from '@google-cloud/functions-framework';

export const FINALIZED = 'google.cloud.storage.object.v1.finalized';
export const DELETED = 'google.cloud.storage.object.v1.deleted';

export interface StorageEvent {
  kind: 'finalized' | 'deleted' | 'other';
  id: string;
  bucket: string;
  name: string;
  /** int64 as a decimal string. */
  generation: string;
}

export function storageEventFrom(event: CloudEvent<unknown>): StorageEvent {
  const data = (typeof event.data === 'object' && event.data !== null ? event.data : {}) as Record<
    string,
    unknown
  >;
  const str = (v: unknown) => (typeof v === 'string' ? v : typeof v === 'number' ? String(v) : '');
  return {
    kind: event.type === FINALIZED ? 'finalized' : event.type === DELETED ? 'deleted' : 'other',
    id: event.id,
    bucket: str(data.bucket),
    name: str(data.name),
    generation: str(data.generation),
  };
}

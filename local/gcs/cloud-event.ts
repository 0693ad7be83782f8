/**
 * The GCS CloudEvents the stand-in emits, in the CloudEvents HTTP binary content mode Eventarc uses for a
 * gen2 function: `ce-*` headers, the StorageObjectData resource as the JSON body.
 */

export const FINALIZED = 'google.cloud.storage.object.v1.finalized';
export const DELETED = 'google.cloud.storage.object.v1.deleted';

export interface StorageCloudEvent {
  id: string;
  type: typeof FINALIZED | typeof DELETED;
  /** `//storage.googleapis.com/projects/_/buckets/{bucket}` */
  source: string;
  /** `objects/{name}` */
  subject: string;
  /** RFC 3339 */
  time: string;
  bucket: string;
  /** The object resource (StorageObjectData). */
  data: unknown;
}

/**
 * A CloudEvents HTTP binding (1.0.2, 3.1.3.2) header value: space, '"', '%' and everything outside printable
 * ASCII are percent-encoded as UTF-8.
 */
export function encodeHeaderValue(value: string): string {
  let out = '';
  for (const ch of value) {
    const code = ch.codePointAt(0)!;
    if (code > 0x20 && code < 0x7f && ch !== '"' && ch !== '%') out += ch;
    else
      for (const byte of Buffer.from(ch, 'utf8'))
        out += `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

/** The HTTP headers of `event` in binary content mode. */
export function cloudEventHeaders(event: StorageCloudEvent): Record<string, string> {
  return {
    'content-type': 'application/json',
    'ce-specversion': '1.0',
    'ce-id': event.id,
    'ce-source': encodeHeaderValue(event.source),
    'ce-type': event.type,
    'ce-subject': encodeHeaderValue(event.subject),
    'ce-time': event.time,
    'ce-bucket': encodeHeaderValue(event.bucket),
  };
}

let sequence = 0;
/** Numeric ids like Eventarc's (Pub/Sub message ids), unique within and across runs. */
export function newEventId(): string {
  sequence = (sequence + 1) % 1000;
  return `${Date.now()}${String(sequence).padStart(3, '0')}${Math.floor(Math.random() * 1000)
    .toString()
    .padStart(3, '0')}`;
}

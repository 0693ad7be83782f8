/**
 * Artifact id resolution (docs/design.md, "Store request"). The id is known before anything is stored, so a producer can hand it to
 * its caller at publish time and every redelivery of one message lands on the same id.
 */
import { createHash } from 'node:crypto';
import { UUID_RE } from './names';

/** Namespace of every derived artifact id. */
export const ARTIFACT_ID_NAMESPACE = 'b65929fc-9534-4bde-8ee9-cf968a2a736b';

/** True for a canonical lower-case UUID string (any version). */
export function isUuid(value: string): boolean {
  return UUID_RE.test(value);
}

/** RFC 9562 UUIDv5 (SHA-1, name-based) of `name` in `namespace`. */
export function uuidV5(name: string, namespace: string = ARTIFACT_ID_NAMESPACE): string {
  const ns = Buffer.from(namespace.replace(/-/g, ''), 'hex');
  if (ns.length !== 16) throw new TypeError(`invalid namespace UUID: ${namespace}`);
  const hash = createHash('sha1').update(ns).update(name, 'utf8').digest();
  const bytes = hash.subarray(0, 16);
  bytes[6] = (bytes[6]! & 0x0f) | 0x50;
  bytes[8] = (bytes[8]! & 0x3f) | 0x80;
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

export interface IdSource {
  tenant_id: string;
  artifact_type: string;
  artifact_id?: string | undefined;
  idempotency_key?: string | undefined;
}

/** The Pub/Sub message a request arrived in: its id, and its publish time exactly as delivered. */
export interface MessageIdentity {
  messageId: string;
  publishTime?: string | null | undefined;
}

/**
 * The explicit `artifact_id` (lower-cased), else UUIDv5 of `{tenant}/{type}/{idempotency_key}`, else UUIDv5
 * of `{tenant}/{type}/pubsub:{messageId}@{publishTime}` (`.../pubsub:{messageId}` when the delivery carries
 * no publish time). The publish time is part of it because the Pub/Sub emulator numbers messages from 1
 * again after every restart; a redelivery repeats both. Without a message (producer side, no key) there is
 * no deterministic id; the caller must then supply one.
 */
export function resolveArtifactId(source: IdSource, message?: MessageIdentity): string {
  if (source.artifact_id) return source.artifact_id.toLowerCase();
  const prefix = `${source.tenant_id}/${source.artifact_type}/`;
  if (source.idempotency_key) return uuidV5(prefix + source.idempotency_key);
  if (message?.messageId) {
    const at = message.publishTime ? `@${message.publishTime}` : '';
    return uuidV5(`${prefix}pubsub:${message.messageId}${at}`);
  }
  throw new TypeError('cannot resolve an artifact id without artifact_id, idempotency_key or a message id');
}

/**
 * The Pub/Sub message inside a `google.cloud.pubsub.topic.v1.messagePublished` CloudEvent, and the decoding
 * of its body. Both are defensive: whatever arrives is turned into a PubSubMessage, so that even a
 * malformed delivery can be quarantined with what it carried.
 */
import type { CloudEvent } from '@google-cloud/functions-framework';
import { PermanentError } from '../../shared/domain/errors';
import { parseExactJson } from '../../shared/domain/json-text';

export interface PubSubMessage {
  /** The message id, or null when the delivery carried none (then nothing derives an id from it). */
  messageId: string | null;
  publishTime: string | null;
  attributes: Record<string, string>;
  /** base64, as delivered. */
  data: string;
  subscription: string | null;
}

function asRecord(value: unknown): Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : {};
}

const text = (value: unknown): string | null => (typeof value === 'string' && value ? value : null);

/**
 * The message of a delivery, in either shape it reaches the handler in: a `messagePublished` CloudEvent
 * (`data.message`), or, for a push whose message has no data (functions-framework converts only pushes with
 * `message.data`), the raw push body itself (`message` at the top level).
 */
export function messageFromEvent(event: CloudEvent<unknown>): PubSubMessage {
  const raw = asRecord(event);
  const data = asRecord(event.data);
  const message = asRecord(data.message ?? raw.message);
  const attributes: Record<string, string> = {};
  for (const [k, v] of Object.entries(asRecord(message.attributes))) {
    if (typeof v === 'string') attributes[k] = v;
  }
  return {
    messageId: text(message.messageId) ?? text(message.message_id) ?? text(event.id),
    publishTime: text(message.publishTime) ?? text(message.publish_time) ?? text(event.time),
    attributes,
    data: typeof message.data === 'string' ? message.data : '',
    subscription: text(data.subscription) ?? text(raw.subscription),
  };
}

/** The JSON body of the message; INVALID_JSON when it is not base64 of a UTF-8 JSON document. */
export function decodeMessageBody(message: PubSubMessage, maxBytes: number): unknown {
  if (!message.data) throw new PermanentError('INVALID_MESSAGE', 'the message has no data');
  const size = Math.floor((message.data.length * 3) / 4);
  if (size > maxBytes) {
    throw new PermanentError('PAYLOAD_TOO_LARGE', `message body of ~${size} bytes exceeds ${maxBytes}`, {
      size,
      limit: maxBytes,
    });
  }
  return parseExactJson(Buffer.from(message.data, 'base64').toString('utf8'), 'message data');
}

/** Attributes `artifact_type` and `tenant_id`, when present, must mirror the body. */
export function checkAttributes(
  message: PubSubMessage,
  body: { artifact_type: string; tenant_id: string },
): void {
  for (const name of ['artifact_type', 'tenant_id'] as const) {
    const value = message.attributes[name];
    if (value !== undefined && value !== body[name]) {
      throw new PermanentError(
        'INVALID_MESSAGE',
        `attribute ${name}=${JSON.stringify(value)} does not match the body`,
      );
    }
  }
}

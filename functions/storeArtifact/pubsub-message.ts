/**
 * The Pub/Sub message inside a `google.cloud.pubsub.topic.v1.messagePublished` CloudEvent, and the decoding
 * of its body. Both are defensive: whatever arrives is turned into a PubSubMessage, so that even a
 * malformed delivery can be quarantined with what it carried.
 */
import type { CloudEvent } from '@google-cloud/functions-framework';
import { PermanentError } from '../../shared/errors';

export interface PubSubMessage {
  messageId: string;
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

export function messageFromEvent(event: CloudEvent<unknown>): PubSubMessage {
  const data = asRecord(event.data);
  const message = asRecord(data.message);
  const attributes: Record<string, string> = {};
  for (const [k, v] of Object.entries(asRecord(message.attributes))) {
    if (typeof v === 'string') attributes[k] = v;
  }
  const messageId =
    (typeof message.messageId === 'string' && message.messageId) ||
    (typeof message.message_id === 'string' && message.message_id) ||
    event.id;
  const publishTime =
    (typeof message.publishTime === 'string' && message.publishTime) ||
    (typeof event.time === 'string' && event.time) ||
    null;
  return {
    messageId: String(messageId),
    publishTime,
    attributes,
    data: typeof message.data === 'string' ? message.data : '',
    subscription: typeof data.subscription === 'string' ? data.subscription : null,
  };
}

/** The JSON body of the message; INVALID_JSON when it is not base64 of a UTF-8 JSON document. */
export function decodeMessageBody(message: PubSubMessage, maxBytes: number): unknown {
  if (!message.data) throw new PermanentError('INVALID_JSON', 'the message has no data');
  const size = Math.floor((message.data.length * 3) / 4);
  if (size > maxBytes) {
    throw new PermanentError('PAYLOAD_TOO_LARGE', `message body of ~${size} bytes exceeds ${maxBytes}`, {
      size,
      limit: maxBytes,
    });
  }
  const text = Buffer.from(message.data, 'base64').toString('utf8');
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new PermanentError('INVALID_JSON', `message data is not JSON: ${(err as Error).message}`);
  }
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

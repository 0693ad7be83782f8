/**
 * Quarantine (DESIGN 7): a message refused for good is kept, with its error, under
 * `quarantine/{yyyy-mm-dd}/{message_id}.json`, so nothing is lost and it can be replayed. The day is the
 * message's publish day, so every redelivery of one message lands on the same object (written once).
 */
import type { BlobStore } from '../../shared/blob-store';
import type { PermanentError } from '../../shared/errors';
import { quarantinePath } from '../../shared/paths';
import type { PubSubMessage } from './pubsub-message';

export interface QuarantineRecord {
  error: { code: string; message: string; details: Record<string, unknown> | null };
  message: PubSubMessage;
  quarantined_at: string;
  function: 'storeArtifact';
}

export async function quarantine(
  blobs: BlobStore,
  message: PubSubMessage,
  error: PermanentError,
  now: Date,
): Promise<string> {
  const published = message.publishTime ? new Date(message.publishTime) : now;
  const name = quarantinePath(message.messageId, Number.isNaN(published.getTime()) ? now : published);
  const record: QuarantineRecord = {
    error: { code: error.code, message: error.message, details: error.details ?? null },
    message,
    quarantined_at: now.toISOString(),
    function: 'storeArtifact',
  };
  await blobs.putIfAbsent(name, Buffer.from(JSON.stringify(record, null, 2)), {
    contentType: 'application/json',
    metadata: { error_code: error.code, message_id: message.messageId },
  });
  return name;
}

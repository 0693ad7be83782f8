/**
 * Quarantine of a store request refused for good (docs/design.md): the whole message, its error and, when it
 * got that far, the artifact id it was for, under `quarantine/{yyyy-mm-dd}/{message_id}.json` (the publish
 * day, so every redelivery of one message lands on the same record). A delivery without a message id is kept
 * under a name derived from its content.
 */
import type { BlobStore } from '../../shared/adapters/blob-store';
import type { PermanentError } from '../../shared/domain/errors';
import { quarantinePath } from '../../shared/domain/paths';
import { sha256Hex } from '../../shared/domain/visuals';
import {
  quarantineError,
  type StoreQuarantineRecord,
  writeQuarantineRecord,
} from '../../shared/operations/quarantine';
import type { PubSubMessage } from './pubsub-message';

export async function quarantine(
  blobs: BlobStore,
  message: PubSubMessage,
  error: PermanentError,
  now: Date,
  artifactId: string | null = null,
): Promise<string> {
  const published = message.publishTime ? new Date(message.publishTime) : now;
  const id = message.messageId ?? `no-message-id-${sha256Hex(JSON.stringify(message)).slice(0, 16)}`;
  const name = quarantinePath(id, Number.isNaN(published.getTime()) ? now : published);
  const record: StoreQuarantineRecord = {
    error: quarantineError(error),
    message,
    artifact_id: artifactId,
    quarantined_at: now.toISOString(),
    function: 'storeArtifact',
  };
  return writeQuarantineRecord(blobs, name, record, message);
}

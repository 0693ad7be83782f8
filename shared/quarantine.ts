/**
 * Quarantine records (docs/design.md, "Bad input and failures"): what a function refused for good is kept in
 * the bucket with its error code, so nothing is lost and it can be looked at and replayed.
 *
 * - `quarantine/{yyyy-mm-dd}/{message_id}.json`: a store request (storeArtifact), with the whole message;
 * - `quarantine/sync/{yyyy-mm-dd}/{event_id}.json`: a storage event (syncArtifactMetadata);
 * - `quarantine/replayed/...`: records moved aside once replayed.
 *
 * A record is written create-only under a name derived from what it records, so a redelivery finds it
 * written. Two different things that map to one name (the Pub/Sub emulator numbers messages from 1 again
 * after every restart) are both kept: the second goes to `{name}.{fingerprint}.json`.
 */
import type { BlobStore } from './blob-store';
import type { PermanentError } from './errors';
import { sha256Hex } from './visuals';

export interface QuarantineError {
  code: string;
  message: string;
  details: Record<string, unknown> | null;
}

export function quarantineError(error: PermanentError): QuarantineError {
  return { code: error.code, message: error.message, details: error.details ?? null };
}

/**
 * Writes `record` at `name` (or beside it, when another record holds the name); returns where it is.
 * `subject` is what the record is about (the message, the event): equal subjects are one record.
 */
export async function writeQuarantineRecord<R extends { error: QuarantineError }>(
  blobs: BlobStore,
  name: string,
  record: R,
  subject: unknown,
): Promise<string> {
  const fingerprint = sha256Hex(JSON.stringify(subject)).slice(0, 16);
  const bytes = Buffer.from(JSON.stringify(record, null, 2));
  const options = {
    contentType: 'application/json',
    metadata: { error_code: record.error.code, fingerprint },
  };
  const first = await blobs.putIfAbsent(name, bytes, options);
  if (first.created || first.existing.metadata.fingerprint === fingerprint) return name;
  const beside = name.replace(/\.json$/, `.${fingerprint}.json`);
  await blobs.putIfAbsent(beside, bytes, options);
  return beside;
}

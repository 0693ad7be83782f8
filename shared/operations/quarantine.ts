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
import { type BlobStore, listAll } from '../adapters/blob-store';
import { PermanentError } from '../domain/errors';
import { resolveArtifactId } from '../domain/ids';
import { QUARANTINE_PREFIX, replayedPath } from '../domain/paths';
import { sha256Hex } from '../domain/visuals';

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

/** The Pub/Sub message as a store quarantine record keeps it (as delivered). */
export interface QuarantinedMessage {
  messageId: string | null;
  publishTime: string | null;
  attributes: Record<string, string>;
  /** base64, as delivered. */
  data: string;
  subscription: string | null;
}

/** `quarantine/{day}/...`: a store request storeArtifact refused. */
export interface StoreQuarantineRecord {
  error: QuarantineError;
  message: QuarantinedMessage;
  /** The id the request resolved to, when it was valid enough to resolve one. */
  artifact_id: string | null;
  quarantined_at: string;
  function: 'storeArtifact';
}

/** `quarantine/sync/{day}/...`: a storage event syncArtifactMetadata refused. */
export interface SyncQuarantineRecord {
  error: QuarantineError;
  event: { kind: string; id: string; bucket: string; name: string; generation: string };
  quarantined_at: string;
  function: 'syncArtifactMetadata';
}

export type QuarantineRecord = StoreQuarantineRecord | SyncQuarantineRecord;

export interface QuarantineEntry {
  path: string;
  kind: 'store' | 'sync' | 'replayed';
  /** yyyy-mm-dd of the folder. */
  day: string;
  error_code: string;
  created: string;
}

const DAY = /^\d{4}-\d{2}-\d{2}$/;

/** The quarantine records, oldest day first, optionally of one day and/or one error code. */
export async function listQuarantine(
  blobs: BlobStore,
  filter: { day?: string; code?: string; replayed?: boolean } = {},
): Promise<QuarantineEntry[]> {
  const entries: QuarantineEntry[] = [];
  for (const info of await listAll(blobs, QUARANTINE_PREFIX)) {
    const rest = info.name.slice(QUARANTINE_PREFIX.length).split('/');
    const kind = rest[0] === 'replayed' ? 'replayed' : rest[0] === 'sync' ? 'sync' : 'store';
    const day =
      (kind === 'store' ? rest[0] : rest[kind === 'replayed' && DAY.test(rest[1] ?? '') ? 1 : 2]) ?? '';
    if ((kind === 'replayed') !== (filter.replayed === true)) continue;
    if (filter.day && day !== filter.day) continue;
    const code = info.metadata.error_code ?? '';
    if (filter.code && code !== filter.code) continue;
    entries.push({ path: info.name, kind, day, error_code: code, created: info.timeCreated });
  }
  return entries;
}

export async function readQuarantineRecord(blobs: BlobStore, path: string): Promise<QuarantineRecord | null> {
  if (!path.startsWith(QUARANTINE_PREFIX)) {
    throw new PermanentError('UNSAFE_NAME', `not a quarantine record: ${JSON.stringify(path)}`);
  }
  const object = await blobs.get(path);
  return object ? (JSON.parse(object.bytes.toString('utf8')) as QuarantineRecord) : null;
}

/**
 * The message to publish to replay a store record: the original data and attributes, with, when the request
 * named neither an `artifact_id` nor an `idempotency_key`, the id the original delivery resolved to written
 * into it (a replay is a new Pub/Sub message, whose own id would otherwise give another artifact id). The
 * rest of the body is kept byte for byte.
 */
export function replayMessage(record: StoreQuarantineRecord): {
  data: Buffer;
  attributes: Record<string, string>;
} {
  const data = Buffer.from(record.message.data, 'base64');
  const text = data.toString('utf8');
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return { data, attributes: record.message.attributes };
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    return { data, attributes: record.message.attributes };
  }
  const body = parsed as Record<string, unknown>;
  if (body.artifact_id !== undefined || body.idempotency_key !== undefined) {
    return { data, attributes: record.message.attributes };
  }
  let id = record.artifact_id;
  if (
    !id &&
    record.message.messageId &&
    typeof body.tenant_id === 'string' &&
    typeof body.artifact_type === 'string'
  ) {
    id = resolveArtifactId(
      { tenant_id: body.tenant_id, artifact_type: body.artifact_type },
      { messageId: record.message.messageId, publishTime: record.message.publishTime },
    );
  }
  if (!id) return { data, attributes: record.message.attributes };
  const open = text.indexOf('{');
  const withId = `${text.slice(0, open + 1)}"artifact_id":${JSON.stringify(id)},${text.slice(open + 1)}`;
  return { data: Buffer.from(withId, 'utf8'), attributes: record.message.attributes };
}

/** Moves a replayed record to `quarantine/replayed/...` (written there first, then removed); the new path. */
export async function markReplayed(blobs: BlobStore, path: string): Promise<string> {
  const object = await blobs.get(path);
  const target = replayedPath(path);
  if (!object) return target;
  await blobs.putIfAbsent(target, object.bytes, {
    contentType: 'application/json',
    metadata: { ...object.info.metadata, replayed_at: new Date().toISOString() },
  });
  await blobs.delete(path, { generation: object.info.generation });
  return target;
}

/**
 * The blob store: the few object operations the artifact store needs, independent of the backend.
 * `GcsBlobStore` (gcs-blob-store.ts) implements it on @google-cloud/storage; locally the same class talks to
 * the GCS stand-in in local/gcs.
 *
 * Errors: implementations throw TransientError for anything a retry can fix (5xx, 429, network) and let
 * programming errors through. "Not found" is a return value, never an exception.
 */
import type { Readable } from 'node:stream';

export interface ObjectInfo {
  /** Full object name inside the bucket. */
  name: string;
  bucket: string;
  /** int64 as a decimal string, as GCS returns it. */
  generation: string;
  metageneration: string;
  size: number;
  contentType: string;
  /** base64 MD5 of the bytes, as GCS reports it. */
  md5Hash: string;
  /** Custom metadata (string values only). */
  metadata: Record<string, string>;
  /** RFC 3339, when set. */
  customTime?: string;
  /** RFC 3339 creation time of this generation. */
  timeCreated: string;
  /** RFC 3339 time of the last change of this generation's metadata (timeCreated when never changed). */
  updated: string;
}

export interface PutOptions {
  contentType: string;
  /** Custom metadata; values must be strings. */
  metadata?: Record<string, string>;
  /** Sets the object's customTime (used with a days_since_custom_time lifecycle rule). */
  customTime?: Date;
  /** Cache-Control header stored with the object. */
  cacheControl?: string;
}

export type PutResult = { created: true; info: ObjectInfo } | { created: false; existing: ObjectInfo };

export interface SignedUrlOptions {
  /** Lifetime of the URL (V4 signed URLs: at most 604800, 7 days). */
  expiresInSeconds: number;
  /** Content-Type the storage service answers with (`response-content-type`). */
  responseType?: string;
}

export interface ListPage {
  items: ObjectInfo[];
  nextPageToken?: string;
}

export interface BlobStore {
  readonly bucket: string;
  /**
   * Create-only write (`ifGenerationMatch: 0`). When the object already exists nothing is written and the
   * existing object's info is returned, so the caller can decide whether it is the same content.
   */
  putIfAbsent(name: string, bytes: Buffer, options: PutOptions): Promise<PutResult>;
  /** The object's bytes and info, or null when it does not exist. */
  get(name: string): Promise<{ bytes: Buffer; info: ObjectInfo } | null>;
  /** A stream of the object's bytes with its info, or null when it does not exist. */
  openRead(name: string): Promise<{ stream: Readable; info: ObjectInfo } | null>;
  /** The object's info, or null when it does not exist. */
  head(name: string): Promise<ObjectInfo | null>;
  /**
   * Marks an existing object as in use by setting custom metadata fields (a metadata update: the bytes and
   * the generation stay, the metageneration and `updated` move on). The object's info after the update, or
   * null when it does not exist. Reconcile deletes an unreferenced object only if its metageneration has not
   * moved since it looked, so a writer that reuses an object touches it first (docs/design.md, "Reconcile").
   */
  touch(
    name: string,
    metadata: Record<string, string>,
    options?: { customTime?: Date },
  ): Promise<ObjectInfo | null>;
  /**
   * Deletes the object (only the given generation / metageneration, when set). Returns false when there was
   * nothing to delete (missing, or a precondition not met).
   */
  delete(name: string, options?: { generation?: string; metageneration?: string }): Promise<boolean>;
  /** One page of objects whose names start with `prefix`, in name order. */
  list(prefix: string, options?: { pageToken?: string; maxResults?: number }): Promise<ListPage>;
  /**
   * A URL that lets whoever holds it read the object, without credentials, until it expires (GCS: a V4
   * signed URL). Optional: only backends that can sign implement it.
   */
  signedReadUrl?(name: string, options: SignedUrlOptions): Promise<string>;
}

/** All objects under a prefix, following page tokens. */
export async function listAll(store: BlobStore, prefix: string): Promise<ObjectInfo[]> {
  const all: ObjectInfo[] = [];
  let pageToken: string | undefined;
  do {
    const page = await store.list(prefix, pageToken ? { pageToken } : {});
    all.push(...page.items);
    pageToken = page.nextPageToken;
  } while (pageToken);
  return all;
}

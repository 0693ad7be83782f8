/**
 * BlobStore on Google Cloud Storage through @google-cloud/storage. Locally the same class talks to the GCS
 * stand-in (local/gcs) through `apiEndpoint`: with a custom endpoint the client sends no credentials
 * (`useAuthWithCustomEndpoint` defaults to false), so no GOOGLE_APPLICATION_CREDENTIALS is needed.
 *
 * Wire calls (JSON API): uploads are single-request multipart POSTs (`resumable: false`) with
 * `ifGenerationMatch=0`; reads are `GET .../o/{name}` (metadata) and `?alt=media` pinned to the generation
 * just read; deletes are `DELETE .../o/{name}[?generation=]`; listings are `GET .../o?prefix=`.
 *
 * Integrity: an upload states the bytes' MD5 (`md5Hash` in the object resource, computed natively), so the
 * service refuses (400) bytes that arrived otherwise and never creates the object; the client's own
 * validation (a CRC32C the SDK computes in JavaScript, then a delete of the object when it disagrees) is off,
 * and the MD5 the service reports is still compared. A read is validated by MD5 too (native) whenever the
 * object has one, by the SDK's CRC32C only when it has none (composite objects).
 *
 * Errors: 404 is a null/false result, a 412 on create is "already exists", 5xx/429/408 and network errors
 * become TransientError, anything else is rethrown as the client raised it.
 */
import { createHash } from 'node:crypto';
import { PassThrough, type Readable } from 'node:stream';
import { type Bucket, type File, type FileMetadata, Storage } from '@google-cloud/storage';
import { isNetworkError, isRetryableStatus, TransientError } from '../domain/errors';
import { readAll } from '../platform/read-all';
import type { BlobStore, ListPage, ObjectInfo, PutOptions, PutResult, SignedUrlOptions } from './blob-store';

export interface GcsBlobStoreOptions {
  bucket: string;
  /** Storage endpoint override (the local stand-in); unset in production. */
  apiEndpoint?: string;
  projectId?: string;
  /** A preconfigured client (tests: short timeouts, no retries). */
  storage?: Storage;
}

/** Bounded retries of a read or create that raced with a concurrent delete or overwrite. */
const RACE_RETRIES = 3;

export class GcsBlobStore implements BlobStore {
  readonly bucket: string;
  private readonly storage: Storage;
  /** One Bucket for every call (the client builds a new one, with its ACL helpers, on each `bucket()`). */
  private readonly bucketRef: Bucket;

  constructor(options: GcsBlobStoreOptions) {
    this.bucket = options.bucket;
    this.storage =
      options.storage ??
      new Storage({
        ...(options.apiEndpoint ? { apiEndpoint: options.apiEndpoint } : {}),
        ...(options.projectId ? { projectId: options.projectId } : {}),
      });
    this.bucketRef = this.storage.bucket(this.bucket);
  }

  async putIfAbsent(name: string, bytes: Buffer, options: PutOptions): Promise<PutResult> {
    const md5Hash = createHash('md5').update(bytes).digest('base64');
    const metadata: FileMetadata = { contentType: options.contentType, md5Hash };
    if (options.metadata) metadata.metadata = { ...options.metadata };
    if (options.customTime) metadata.customTime = options.customTime.toISOString();
    if (options.cacheControl) metadata.cacheControl = options.cacheControl;
    for (let attempt = 0; ; attempt++) {
      const file = this.file(name);
      try {
        await file.save(bytes, {
          resumable: false,
          preconditionOpts: { ifGenerationMatch: 0 },
          metadata,
          // The service checks the stated md5Hash; nothing to compute in JavaScript here.
          validation: false,
        });
      } catch (err) {
        if (statusOf(err) === 400 && /md5/i.test((err as Error).message)) {
          // The service received other bytes than the MD5 stated: nothing was created; send them again.
          throw new TransientError(
            `GCS put ${name}: the uploaded data did not match (${(err as Error).message})`,
            err,
          );
        }
        if (statusOf(err) !== 412) throw mapError(err, `put ${name}`);
        const existing = await this.head(name);
        if (existing) return { created: false, existing };
        // It was deleted between our 412 and the lookup: try to create it again.
        if (attempt >= RACE_RETRIES)
          throw new TransientError(`put ${name}: object keeps changing concurrently`);
        continue;
      }
      const info = toObjectInfo(this.bucket, file.metadata);
      if (info.md5Hash !== md5Hash) {
        // A service that stored other bytes than were sent (GCS refuses them instead): remove exactly that
        // generation, which this call created, and let the message be redelivered.
        await this.delete(name, { generation: info.generation }).catch(() => false);
        throw new TransientError(
          `GCS put ${name}: the uploaded data did not match (MD5 ${info.md5Hash || 'none'} reported, ${md5Hash} sent)`,
        );
      }
      return { created: true, info };
    }
  }

  async get(name: string): Promise<{ bytes: Buffer; info: ObjectInfo } | null> {
    for (let attempt = 0; ; attempt++) {
      const info = await this.head(name);
      if (!info) return null;
      try {
        const source = this.file(name, info.generation).createReadStream({ validation: validationOf(info) });
        return { bytes: await readAll(source, info.size), info };
      } catch (err) {
        // 404: the generation we just saw was replaced or deleted; look again.
        if (statusOf(err) !== 404) throw mapError(err, `get ${name}`);
        if (attempt >= RACE_RETRIES)
          throw new TransientError(`get ${name}: object keeps changing concurrently`);
      }
    }
  }

  async openRead(name: string): Promise<{ stream: Readable; info: ObjectInfo } | null> {
    const info = await this.head(name);
    if (!info) return null;
    // Pinned to the generation reported in `info`: if it is replaced meanwhile the stream fails (404)
    // instead of mixing generations.
    const source = this.file(name, info.generation).createReadStream({ validation: validationOf(info) });
    const stream = new PassThrough();
    source.on('error', (err) => stream.destroy(mapError(err, `read ${name}`) as Error));
    // A reader that gives up (client gone) must not leave the download running.
    stream.once('close', () => source.destroy());
    source.pipe(stream);
    return { stream, info };
  }

  async head(name: string): Promise<ObjectInfo | null> {
    try {
      const [metadata] = await this.file(name).getMetadata();
      return toObjectInfo(this.bucket, metadata);
    } catch (err) {
      if (statusOf(err) === 404) return null;
      throw mapError(err, `head ${name}`);
    }
  }

  async touch(
    name: string,
    metadata: Record<string, string>,
    options: { customTime?: Date } = {},
  ): Promise<ObjectInfo | null> {
    try {
      const [resource] = await this.file(name).setMetadata({
        metadata,
        ...(options.customTime ? { customTime: options.customTime.toISOString() } : {}),
      });
      return toObjectInfo(this.bucket, resource);
    } catch (err) {
      if (statusOf(err) === 404) return null;
      throw mapError(err, `touch ${name}`);
    }
  }

  async delete(
    name: string,
    options: { generation?: string; metageneration?: string } = {},
  ): Promise<boolean> {
    try {
      await this.file(name, options.generation).delete(
        options.metageneration ? { ifMetagenerationMatch: Number(options.metageneration) } : {},
      );
      return true;
    } catch (err) {
      const status = statusOf(err);
      if (status === 404 || status === 412) return false;
      throw mapError(err, `delete ${name}`);
    }
  }

  async list(prefix: string, options: { pageToken?: string; maxResults?: number } = {}): Promise<ListPage> {
    try {
      const [files, nextQuery] = await this.bucketRef.getFiles({
        prefix,
        autoPaginate: false,
        ...(options.pageToken ? { pageToken: options.pageToken } : {}),
        ...(options.maxResults ? { maxResults: options.maxResults } : {}),
      });
      const nextPageToken = (nextQuery as { pageToken?: string } | null | undefined)?.pageToken;
      const items = files.map((file) => toObjectInfo(this.bucket, file.metadata));
      return nextPageToken ? { items, nextPageToken } : { items };
    } catch (err) {
      throw mapError(err, `list ${prefix}`);
    }
  }

  /**
   * A V4 signed read URL, signed by the client's credentials: locally with a service account key; on Cloud
   * Functions, without a key, through the IAM Credentials signBlob API as the function's own service account
   * (which then needs iam.serviceAccounts.signBlob on itself: roles/iam.serviceAccountTokenCreator).
   */
  async signedReadUrl(name: string, options: SignedUrlOptions): Promise<string> {
    try {
      const [url] = await this.file(name).getSignedUrl({
        version: 'v4',
        action: 'read',
        expires: Date.now() + options.expiresInSeconds * 1000,
        ...(options.responseType ? { responseType: options.responseType } : {}),
      });
      return url;
    } catch (err) {
      throw mapError(err, `sign ${name}`);
    }
  }

  /** An OAuth access token of the client's credentials (for another Google API), or null without any. */
  async accessToken(): Promise<string | null> {
    return (await this.storage.authClient.getAccessToken()) ?? null;
  }

  private file(name: string, generation?: string): File {
    // The client keeps generations as numbers; GCS generations (microsecond timestamps) fit exactly.
    return generation === undefined
      ? this.bucketRef.file(name)
      : this.bucketRef.file(name, { generation: Number(generation) });
  }
}

/** How a read is checked: by the object's MD5 (native) when it has one, else the SDK's CRC32C. */
function validationOf(info: ObjectInfo): 'md5' | 'crc32c' {
  return info.md5Hash ? 'md5' : 'crc32c';
}

/** The one mapping from a GCS object resource to ObjectInfo. */
export function toObjectInfo(bucket: string, metadata: FileMetadata): ObjectInfo {
  const custom: Record<string, string> = {};
  for (const [key, value] of Object.entries(metadata.metadata ?? {})) {
    if (value !== null && value !== undefined) custom[key] = String(value);
  }
  const info: ObjectInfo = {
    name: metadata.name ?? '',
    bucket: metadata.bucket ?? bucket,
    generation: String(metadata.generation ?? ''),
    metageneration: String(metadata.metageneration ?? ''),
    size: Number(metadata.size ?? 0),
    contentType: metadata.contentType ?? 'application/octet-stream',
    md5Hash: metadata.md5Hash ?? '',
    metadata: custom,
    timeCreated: metadata.timeCreated ?? '',
    updated: metadata.updated ?? metadata.timeCreated ?? '',
  };
  if (metadata.customTime) info.customTime = metadata.customTime;
  return info;
}

/** The HTTP status of a client error (ApiError.code), when it has one. */
function statusOf(err: unknown): number | undefined {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'number' ? code : undefined;
}

/** TransientError for what a retry can fix; anything else is returned unchanged (to be rethrown). */
function mapError(err: unknown, what: string): unknown {
  const status = statusOf(err);
  // The client's own check that the uploaded bytes arrived intact failed (it deleted the object): retry.
  if ((err as { code?: unknown } | null)?.code === 'FILE_NO_UPLOAD') {
    return new TransientError(
      `GCS ${what}: the uploaded data did not match (${(err as Error).message})`,
      err,
    );
  }
  if ((status !== undefined && isRetryableStatus(status)) || isNetworkError(err)) {
    const detail = status !== undefined ? `HTTP ${status}` : ((err as Error)?.message ?? String(err));
    return new TransientError(`GCS ${what}: ${detail}`, err);
  }
  return err;
}

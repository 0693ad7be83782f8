/**
 * BlobStore in memory, for in-process handler tests: the semantics of GCS as GcsBlobStore sees them
 * (create-only writes, generations and metagenerations, conditional deletes, name-ordered paged listings),
 * checked by the same contract suite as GcsBlobStore (test/contract/blob-store-contract.ts). It can also tell
 * a listener about each object finalized or deleted, as the bucket's events would.
 */
import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import type {
  BlobStore,
  ListPage,
  ObjectInfo,
  PutOptions,
  PutResult,
} from '../../../shared/adapters/blob-store';

export type ObjectEvent = { kind: 'finalized' | 'deleted'; info: ObjectInfo };

interface Stored {
  bytes: Buffer;
  info: ObjectInfo;
}

export class MemoryBlobStore implements BlobStore {
  readonly bucket: string;
  private readonly objects = new Map<string, Stored>();
  private lastGeneration = Date.now() * 1000;
  /** Failures to inject: the next calls of an operation throw this error (then it is removed). */
  readonly failures: Array<{ op: keyof BlobStore; name?: string; error: Error; times: number }> = [];
  listener: ((event: ObjectEvent) => void) | undefined;

  constructor(bucket = 'memory-bucket') {
    this.bucket = bucket;
  }

  private fail(op: keyof BlobStore, name: string): void {
    const i = this.failures.findIndex((f) => f.op === op && (f.name === undefined || f.name === name));
    if (i < 0) return;
    const failure = this.failures[i]!;
    if (--failure.times <= 0) this.failures.splice(i, 1);
    throw failure.error;
  }

  private now(): string {
    return new Date().toISOString();
  }

  async putIfAbsent(name: string, bytes: Buffer, options: PutOptions): Promise<PutResult> {
    this.fail('putIfAbsent', name);
    const existing = this.objects.get(name);
    if (existing) return { created: false, existing: { ...existing.info } };
    this.lastGeneration = Math.max(Date.now() * 1000, this.lastGeneration + 1);
    const time = this.now();
    const info: ObjectInfo = {
      name,
      bucket: this.bucket,
      generation: String(this.lastGeneration),
      metageneration: '1',
      size: bytes.length,
      contentType: options.contentType,
      md5Hash: createHash('md5').update(bytes).digest('base64'),
      metadata: { ...options.metadata },
      timeCreated: time,
      updated: time,
      ...(options.customTime ? { customTime: options.customTime.toISOString() } : {}),
    };
    this.objects.set(name, { bytes: Buffer.from(bytes), info });
    this.listener?.({ kind: 'finalized', info: { ...info } });
    return { created: true, info: { ...info } };
  }

  async get(name: string): Promise<{ bytes: Buffer; info: ObjectInfo } | null> {
    this.fail('get', name);
    const stored = this.objects.get(name);
    return stored ? { bytes: Buffer.from(stored.bytes), info: { ...stored.info } } : null;
  }

  async openRead(name: string) {
    this.fail('openRead', name);
    const stored = this.objects.get(name);
    return stored ? { stream: Readable.from([Buffer.from(stored.bytes)]), info: { ...stored.info } } : null;
  }

  async head(name: string): Promise<ObjectInfo | null> {
    this.fail('head', name);
    const stored = this.objects.get(name);
    return stored ? { ...stored.info, metadata: { ...stored.info.metadata } } : null;
  }

  async touch(
    name: string,
    metadata: Record<string, string>,
    options: { customTime?: Date } = {},
  ): Promise<ObjectInfo | null> {
    this.fail('touch', name);
    const stored = this.objects.get(name);
    if (!stored) return null;
    const customTime = options.customTime?.toISOString();
    if (customTime && stored.info.customTime && customTime < stored.info.customTime) {
      throw new Error('customTime cannot move earlier (GCS answers 400)');
    }
    stored.info = {
      ...stored.info,
      ...(customTime ? { customTime } : {}),
      metadata: { ...stored.info.metadata, ...metadata },
      metageneration: String(Number(stored.info.metageneration) + 1),
      updated: this.now(),
    };
    return { ...stored.info };
  }

  async delete(
    name: string,
    options: { generation?: string; metageneration?: string } = {},
  ): Promise<boolean> {
    this.fail('delete', name);
    const stored = this.objects.get(name);
    if (!stored) return false;
    if (options.generation !== undefined && stored.info.generation !== options.generation) return false;
    if (options.metageneration !== undefined && stored.info.metageneration !== options.metageneration)
      return false;
    this.objects.delete(name);
    this.listener?.({ kind: 'deleted', info: { ...stored.info } });
    return true;
  }

  async list(prefix: string, options: { pageToken?: string; maxResults?: number } = {}): Promise<ListPage> {
    this.fail('list', prefix);
    const max = options.maxResults ?? 1000;
    const names = [...this.objects.keys()]
      .filter((n) => n.startsWith(prefix) && (!options.pageToken || n > options.pageToken))
      .sort();
    const page = names.slice(0, max);
    const items = page.map((n) => ({ ...this.objects.get(n)!.info }));
    return names.length > max ? { items, nextPageToken: page.at(-1)! } : { items };
  }

  /** Every object name (tests). */
  names(): string[] {
    return [...this.objects.keys()].sort();
  }
}

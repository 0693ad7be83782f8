/**
 * The stand-in's bucket on disk. Object names (up to 1024 bytes, any characters, '/' included) are never
 * used as paths: each object is `{sha256(name)}.json` (the StoredObject, i.e. the resource) plus
 * `{sha256(name)}.{generation}.bin` (the bytes), both written to `tmp/` and renamed into place, so a reader
 * or a crash never sees half a file. The sidecar's rename is the commit point. An in-memory index, loaded
 * at start, answers lookups and listings. Every mutation of one name runs under a per-name lock, so
 * preconditions (`ifGenerationMatch: 0` included) are checked and applied atomically within the process.
 */
import { createHash, randomUUID } from 'node:crypto';
import {
  type FileHandle,
  mkdir,
  open,
  readdir,
  readFile,
  rename,
  rm,
  unlink,
  writeFile,
} from 'node:fs/promises';
import { join } from 'node:path';
import { crc32cBase64 } from './crc32c';
import { invalid, noSuchObject } from './errors';
import { checkWritePreconditions, type Preconditions } from './preconditions';
import type { StoredObject } from './resource';

/** Fields a client may set when creating an object. */
export interface NewObjectFields {
  contentType: string;
  metadata?: Record<string, string>;
  customTime?: string;
  cacheControl?: string;
  contentEncoding?: string;
  contentDisposition?: string;
  contentLanguage?: string;
}

/** Fields a metadata update (PATCH) may change; `metadata: null` removes every custom key. */
export interface ObjectPatch {
  metadata?: Record<string, string | null> | null;
  contentType?: string;
  customTime?: string;
  cacheControl?: string;
  contentDisposition?: string;
  contentLanguage?: string;
}

export interface ListOptions {
  prefix: string;
  delimiter?: string;
  /** Only names strictly after this one (the page token's cursor). */
  after?: string;
  maxResults: number;
}

export interface ListResult {
  items: StoredObject[];
  prefixes: string[];
  /** Set when more entries follow: the last name this page consumed. */
  cursor?: string;
}

/** Orders strings by code point, which is the UTF-8 byte order GCS lists in. */
export function compareNames(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    let x = a.charCodeAt(i);
    let y = b.charCodeAt(i);
    if (x === y) continue;
    // Surrogates (U+D800..DFFF) encode code points above U+FFFF: move them after U+E000..FFFF.
    x += x >= 0xd800 && x <= 0xdfff ? 0x2000 : x >= 0xe000 ? -0x800 : 0;
    y += y >= 0xd800 && y <= 0xdfff ? 0x2000 : y >= 0xe000 ? -0x800 : 0;
    return x - y;
  }
  return a.length - b.length;
}

/** GCS's object naming rules (the ones a client can run into). */
export function validateObjectName(name: string): void {
  const bytes = Buffer.byteLength(name, 'utf8');
  if (bytes === 0) throw invalid('Object name is required.');
  if (bytes > 1024) throw invalid('The maximum object length is 1024 characters, but got a name with more.');
  if (
    /[\r\n]/.test(name) ||
    name === '.' ||
    name === '..' ||
    name.startsWith('.well-known/acme-challenge/')
  ) {
    throw invalid(`The specified object name is not valid: ${JSON.stringify(name)}`);
  }
  if (/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/.test(name)) {
    throw invalid('Object names must be valid UTF-8.');
  }
}

export class ObjectStore {
  private readonly index = new Map<string, StoredObject>();
  private sortedCache: string[] | undefined;
  private readonly locks = new Map<string, Promise<void>>();
  private lastGeneration = 0;

  private constructor(
    private readonly dir: string,
    readonly bucket: string,
  ) {}

  /** Opens (creating when needed) the bucket's directory and loads the index. */
  static async open(dir: string, bucket: string): Promise<ObjectStore> {
    const store = new ObjectStore(dir, bucket);
    await rm(join(dir, 'tmp'), { recursive: true, force: true }); // leftovers of interrupted writes
    await mkdir(join(dir, 'tmp'), { recursive: true });
    const files = await readdir(dir);
    const referenced = new Set<string>();
    for (const file of files) {
      if (!file.endsWith('.json')) continue;
      const obj = JSON.parse(await readFile(join(dir, file), 'utf8')) as StoredObject;
      store.index.set(obj.name, obj);
      referenced.add(obj.dataFile);
      store.lastGeneration = Math.max(store.lastGeneration, Number(obj.generation));
    }
    // Bytes of generations that were replaced or deleted when a crash interrupted the cleanup.
    for (const file of files) {
      if (file.endsWith('.bin') && !referenced.has(file)) await unlink(join(dir, file)).catch(() => {});
    }
    return store;
  }

  get size(): number {
    return this.index.size;
  }

  /** The live object, or (with `generation`) that generation when it is the live one. */
  get(name: string, generation?: string): StoredObject | undefined {
    const obj = this.index.get(name);
    if (!obj || (generation !== undefined && obj.generation !== generation)) return undefined;
    return obj;
  }

  /**
   * Opens the bytes of `obj`. Undefined when that generation was replaced or deleted since it was looked up
   * (an open handle keeps reading even if the file is unlinked afterwards).
   */
  async openData(obj: StoredObject): Promise<FileHandle | undefined> {
    try {
      return await open(join(this.dir, obj.dataFile), 'r');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw err;
    }
  }

  /**
   * Creates a new generation of `name` (a first one, or an overwrite) when `preconditions` hold.
   * Returns the new object and the generation it replaced, if any.
   */
  insert(
    name: string,
    bytes: Buffer,
    fields: NewObjectFields,
    preconditions: Preconditions,
  ): Promise<{ created: StoredObject; replaced: StoredObject | undefined }> {
    validateObjectName(name);
    return this.withLock(name, async () => {
      const replaced = this.index.get(name);
      checkWritePreconditions(replaced, preconditions);
      const generation = this.nextGeneration();
      const now = new Date().toISOString();
      const key = nameKey(name);
      const created: StoredObject = {
        name,
        generation,
        metageneration: '1',
        size: bytes.length,
        contentType: fields.contentType,
        md5Hash: createHash('md5').update(bytes).digest('base64'),
        crc32c: crc32cBase64(bytes),
        ...definedOnly({
          metadata: fields.metadata,
          customTime: fields.customTime,
          cacheControl: fields.cacheControl,
          contentEncoding: fields.contentEncoding,
          contentDisposition: fields.contentDisposition,
          contentLanguage: fields.contentLanguage,
        }),
        timeCreated: now,
        updated: now,
        dataFile: `${key}.${generation}.bin`,
      };
      await this.writeAtomically(created.dataFile, bytes);
      await this.writeAtomically(`${key}.json`, JSON.stringify(created)); // commit point
      if (!replaced) this.sortedCache = undefined;
      this.index.set(name, created);
      if (replaced) await unlink(join(this.dir, replaced.dataFile)).catch(() => {});
      return { created, replaced };
    });
  }

  /**
   * A metadata update (PATCH) of the live object (only generation `generation`, when given): custom metadata
   * keys are merged (a null value removes the key), other given fields replaced; the metageneration goes up
   * by one and `updated` moves on. The bytes and the generation stay.
   */
  patch(
    name: string,
    generation: string | undefined,
    fields: ObjectPatch,
    preconditions: Preconditions,
  ): Promise<StoredObject> {
    return this.withLock(name, async () => {
      const current = this.get(name, generation);
      if (!current) throw noSuchObject(this.bucket, name, generation);
      checkWritePreconditions(current, preconditions);
      if (
        fields.customTime !== undefined &&
        current.customTime !== undefined &&
        Date.parse(fields.customTime) < Date.parse(current.customTime)
      ) {
        throw invalid('customTime cannot be set to an earlier time than it holds.');
      }
      const { metadata: metadataPatch, ...rest } = fields;
      const patched: StoredObject = {
        ...current,
        ...definedOnly(rest),
        metageneration: String(Number(current.metageneration) + 1),
        updated: new Date().toISOString(),
      };
      if (metadataPatch !== undefined) {
        const metadata: Record<string, string> = { ...current.metadata };
        for (const [key, value] of Object.entries(metadataPatch ?? {})) {
          if (value === null) delete metadata[key];
          else metadata[key] = value;
        }
        if (metadataPatch === null || Object.keys(metadata).length === 0) delete patched.metadata;
        else patched.metadata = metadata;
      }
      await this.writeAtomically(`${nameKey(name)}.json`, JSON.stringify(patched)); // commit point
      this.index.set(name, patched);
      return patched;
    });
  }

  /** Deletes the live object (only generation `generation`, when given); returns what was deleted. */
  remove(name: string, generation: string | undefined, preconditions: Preconditions): Promise<StoredObject> {
    return this.withLock(name, async () => {
      const current = this.get(name, generation);
      if (!current) throw noSuchObject(this.bucket, name, generation);
      checkWritePreconditions(current, preconditions);
      await unlink(join(this.dir, `${nameKey(name)}.json`)); // commit point
      this.index.delete(name);
      this.sortedCache = undefined;
      await unlink(join(this.dir, current.dataFile)).catch(() => {});
      return current;
    });
  }

  /** One page of a listing, in UTF-8 byte order; prefixes count towards `maxResults`, as in GCS. */
  list(options: ListOptions): ListResult {
    const names = this.sortedNames();
    let i = options.after === undefined ? 0 : upperBound(names, options.after);
    if (options.prefix && (options.after === undefined || compareNames(options.after, options.prefix) < 0)) {
      i = Math.max(i, lowerBound(names, options.prefix));
    }
    const items: StoredObject[] = [];
    const prefixes: string[] = [];
    let count = 0;
    let last: string | undefined;
    for (; i < names.length; i++) {
      const name = names[i]!;
      if (!name.startsWith(options.prefix)) break; // names with the prefix are contiguous
      let collapsed: string | undefined;
      if (options.delimiter) {
        const at = name.indexOf(options.delimiter, options.prefix.length);
        if (at >= 0) collapsed = name.slice(0, at + options.delimiter.length);
      }
      if (collapsed !== undefined && prefixes[prefixes.length - 1] === collapsed) {
        last = name; // names under one prefix are contiguous
        continue;
      }
      if (count === options.maxResults) return { items, prefixes, cursor: last };
      if (collapsed !== undefined) prefixes.push(collapsed);
      else items.push(this.index.get(name)!);
      count++;
      last = name;
    }
    return { items, prefixes };
  }

  private sortedNames(): string[] {
    this.sortedCache ??= [...this.index.keys()].sort(compareNames);
    return this.sortedCache;
  }

  /** GCS-like generations: microseconds since the epoch, strictly increasing (also across restarts). */
  private nextGeneration(): string {
    this.lastGeneration = Math.max(Date.now() * 1000, this.lastGeneration + 1);
    return String(this.lastGeneration);
  }

  private async writeAtomically(file: string, data: Buffer | string): Promise<void> {
    const tmp = join(this.dir, 'tmp', randomUUID());
    await writeFile(tmp, data);
    await rename(tmp, join(this.dir, file));
  }

  private async withLock<T>(name: string, fn: () => Promise<T>): Promise<T> {
    const previous = this.locks.get(name) ?? Promise.resolve();
    let release!: () => void;
    const mine = new Promise<void>((resolve) => {
      release = resolve;
    });
    const tail = previous.then(() => mine);
    this.locks.set(name, tail);
    await previous;
    try {
      return await fn();
    } finally {
      release();
      if (this.locks.get(name) === tail) this.locks.delete(name);
    }
  }
}

const nameKey = (name: string) => createHash('sha256').update(name, 'utf8').digest('hex');

function definedOnly<T extends Record<string, unknown>>(record: T): Partial<T> {
  return Object.fromEntries(Object.entries(record).filter(([, v]) => v !== undefined)) as Partial<T>;
}

/** First index whose name is >= `name`. */
function lowerBound(names: string[], name: string): number {
  let lo = 0;
  let hi = names.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (compareNames(names[mid]!, name) < 0) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** First index whose name is > `name`. */
function upperBound(names: string[], name: string): number {
  let lo = 0;
  let hi = names.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (compareNames(names[mid]!, name) <= 0) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

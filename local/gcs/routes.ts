/**
 * The stand-in's HTTP routes: the subset of the GCS JSON API that GcsBlobStore (@google-cloud/storage 7.x)
 * uses, with GCS's status codes, headers and error bodies.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { pipeline } from 'node:stream';
import { DELETED, FINALIZED, newEventId } from './cloud-event';
import { GcsHttpError, invalid, invalidArgument, noSuchBucket, noSuchObject, required } from './errors';
import type { EventDispatcher } from './events';
import { readBody, sendError, sendJson, sendNoContent } from './http-util';
import type { ObjectPatch, ObjectStore } from './object-store';
import { checkReadPreconditions, int64Param, readPreconditions } from './preconditions';
import { objectEtag, type StoredObject, toResource } from './resource';
import type { ResumableUploads } from './resumable';
import { parseUpload } from './upload';

export interface RouteContext {
  store: ObjectStore;
  bucket: string;
  /** The stand-in's own URL, for selfLink / mediaLink. */
  baseUrl: string;
  events: EventDispatcher;
  uploads: ResumableUploads;
  projectId: string;
  log: (line: string) => void;
  startedAt: string;
}

/** Handles one request; never throws (errors become GCS error responses). */
export async function handleRequest(
  ctx: RouteContext,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<void> {
  try {
    await route(ctx, req, res);
  } catch (err) {
    if (err instanceof GcsHttpError) {
      sendError(res, err);
      return;
    }
    ctx.log(`${req.method} ${req.url} failed: ${(err as Error).stack ?? String(err)}`);
    if (!res.headersSent) sendError(res, new GcsHttpError(500, 'backendError', 'Backend Error'));
    else res.destroy();
  }
}

async function route(ctx: RouteContext, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const method = req.method ?? 'GET';
  // The raw path, not a normalised URL: object names arrive percent-encoded (an encoded '/' included) and
  // must not be touched by dot-segment or backslash normalisation.
  const target = req.url ?? '/';
  const q = target.indexOf('?');
  const pathname = q < 0 ? target : target.slice(0, q);
  const query = new URLSearchParams(q < 0 ? '' : target.slice(q + 1));
  const segments = pathname.split('/').slice(1);
  // gcloud starts resumable uploads at /resumable/upload/storage/v1/...; the session URI is /upload/...
  const resumablePrefix = segments[0] === 'resumable' && segments[1] === 'upload';
  const [api, a, b, c, d, ...rest] = resumablePrefix ? segments.slice(1) : segments;

  if (!resumablePrefix && api === 'storage' && a === 'v1' && b === 'b' && (c === undefined || c === '')) {
    if (method === 'GET') return listBuckets(ctx, query, res);
    throw methodNotAllowed();
  }
  if (!resumablePrefix && api === 'storage' && a === 'v1' && b === 'b' && c !== undefined) {
    checkBucket(ctx, c);
    if (d === undefined || d === '') {
      if (method === 'GET') return getBucket(ctx, res);
      throw methodNotAllowed();
    }
    if (d === 'storageLayout' && rest.length === 0) {
      if (method === 'GET') return getStorageLayout(ctx, res);
      throw methodNotAllowed();
    }
    if (d === 'o' && rest.length === 0) {
      if (method === 'GET') return listObjects(ctx, query, res);
      if (method === 'POST') throw invalid('Use the /upload/storage/v1 path to upload objects.');
      throw methodNotAllowed();
    }
    if (d === 'o' && rest.length > 0) {
      const name = objectName(rest);
      if (method === 'GET') {
        if (query.get('alt') === 'media') return getMedia(ctx, name, query, req, res);
        return getObject(ctx, name, query, res);
      }
      if (method === 'DELETE') return deleteObject(ctx, name, query, res);
      if (method === 'PATCH') return patchObject(ctx, name, query, req, res);
      throw methodNotAllowed();
    }
  }
  if (
    !resumablePrefix &&
    api === 'download' &&
    a === 'storage' &&
    b === 'v1' &&
    c === 'b' &&
    d !== undefined
  ) {
    checkBucket(ctx, d);
    if (rest[0] === 'o' && rest.length > 1 && method === 'GET') {
      return getMedia(ctx, objectName(rest.slice(1)), query, req, res);
    }
  }
  if (api === 'upload' && a === 'storage' && b === 'v1' && c === 'b' && d !== undefined) {
    checkBucket(ctx, d);
    if (rest.length === 1 && rest[0] === 'o') {
      const uploadId = query.get('upload_id');
      if (uploadId !== null) {
        if (method === 'PUT' || method === 'POST') return ctx.uploads.put(uploadId, req, res);
        if (method === 'DELETE') return ctx.uploads.cancel(uploadId, res);
        throw methodNotAllowed();
      }
      if (method === 'POST' && query.get('uploadType') === 'resumable')
        return ctx.uploads.start(query, req, res);
      if (method === 'POST' || method === 'PUT') return upload(ctx, query, req, res);
    }
  }
  throw new GcsHttpError(404, 'notFound', `Not Found: ${method} ${pathname}`);
}

const methodNotAllowed = () =>
  new GcsHttpError(405, 'methodNotAllowed', 'Method not allowed for this resource.');

function checkBucket(ctx: RouteContext, encoded: string): void {
  if (decodeSegment(encoded) !== ctx.bucket) throw noSuchBucket();
}

function decodeSegment(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    throw invalid('The request path is not valid percent-encoded UTF-8.');
  }
}

/** `o/{name}`: the client encodes '/' as %2F; a raw '/' is accepted too. */
function objectName(segments: string[]): string {
  return decodeSegment(segments.join('/'));
}

function lookup(ctx: RouteContext, name: string, query: URLSearchParams): StoredObject {
  const generation = int64Param(query, 'generation');
  const obj = ctx.store.get(name, generation);
  if (!obj) throw noSuchObject(ctx.bucket, name, generation);
  checkReadPreconditions(obj, readPreconditions(query));
  return obj;
}

/** `GET /storage/v1/b?project=P`: the one bucket (gcloud's bare `ls` and `buckets list`). */
function listBuckets(ctx: RouteContext, query: URLSearchParams, res: ServerResponse): void {
  const project = query.get('project');
  if (project === null || project === '') throw required('Required parameter: project');
  const prefix = query.get('prefix') ?? '';
  const items = ctx.bucket.startsWith(prefix) ? [bucketResource(ctx)] : [];
  sendJson(res, 200, { kind: 'storage#buckets', ...(items.length > 0 ? { items } : {}) });
}

function getBucket(ctx: RouteContext, res: ServerResponse): void {
  sendJson(res, 200, bucketResource(ctx));
}

/** `GET /storage/v1/b/{b}/storageLayout` (gcloud's `rm -r` asks whether folders must go too): flat. */
function getStorageLayout(ctx: RouteContext, res: ServerResponse): void {
  sendJson(res, 200, {
    kind: 'storage#storageLayout',
    bucket: ctx.bucket,
    location: 'US',
    locationType: 'multi-region',
    hierarchicalNamespace: { enabled: false },
  });
}

function bucketResource(ctx: RouteContext): Record<string, unknown> {
  return {
    kind: 'storage#bucket',
    selfLink: `${ctx.baseUrl}/storage/v1/b/${ctx.bucket}`,
    id: ctx.bucket,
    name: ctx.bucket,
    projectNumber: '0',
    metageneration: '1',
    location: 'US',
    storageClass: 'STANDARD',
    etag: 'CAE=',
    timeCreated: ctx.startedAt,
    updated: ctx.startedAt,
    locationType: 'multi-region',
    iamConfiguration: {
      bucketPolicyOnly: { enabled: true },
      uniformBucketLevelAccess: { enabled: true },
      publicAccessPrevention: 'enforced',
    },
    hierarchicalNamespace: { enabled: false },
  };
}

function getObject(ctx: RouteContext, name: string, query: URLSearchParams, res: ServerResponse): void {
  sendJson(res, 200, toResource(lookup(ctx, name, query), ctx.bucket, ctx.baseUrl));
}

async function getMedia(
  ctx: RouteContext,
  name: string,
  query: URLSearchParams,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<void> {
  const obj = lookup(ctx, name, query);
  const handle = await ctx.store.openData(obj);
  if (!handle) throw noSuchObject(ctx.bucket, name, query.get('generation') ?? undefined); // replaced meanwhile
  const range = parseRange(req.headers.range, obj.size);
  if (range === 'unsatisfiable') {
    await handle.close();
    throw new GcsHttpError(416, 'requestedRangeNotSatisfiable', 'The requested range cannot be satisfied.');
  }
  const headers: Record<string, string | number> = {
    'content-type': obj.contentType,
    'x-goog-hash': `crc32c=${obj.crc32c},md5=${obj.md5Hash}`,
    'x-goog-generation': obj.generation,
    'x-goog-metageneration': obj.metageneration,
    'x-goog-stored-content-length': obj.size,
    'x-goog-stored-content-encoding': obj.contentEncoding ?? 'identity',
    'x-goog-storage-class': 'STANDARD',
    etag: objectEtag(obj.generation, obj.metageneration),
    'last-modified': new Date(obj.updated).toUTCString(),
    'accept-ranges': 'bytes',
    'cache-control': obj.cacheControl ?? 'no-cache, no-store, max-age=0, must-revalidate',
  };
  if (obj.contentEncoding) headers['content-encoding'] = obj.contentEncoding;
  if (obj.contentDisposition) headers['content-disposition'] = obj.contentDisposition;
  if (obj.contentLanguage) headers['content-language'] = obj.contentLanguage;
  let status = 200;
  let start = 0;
  let end = obj.size - 1;
  if (range) {
    status = 206;
    ({ start, end } = range);
    headers['content-range'] = `bytes ${start}-${end}/${obj.size}`;
  }
  headers['content-length'] = obj.size === 0 ? 0 : end - start + 1;
  res.writeHead(status, headers);
  if (obj.size === 0) {
    await handle.close();
    res.end();
    return;
  }
  // pipeline closes the file when the client goes away mid-download.
  pipeline(handle.createReadStream({ start, end }), res, () => {});
}

/** A single `bytes=` range; multiple ranges are served as the whole object (as a 200). */
function parseRange(
  header: string | undefined,
  size: number,
): { start: number; end: number } | 'unsatisfiable' | undefined {
  if (!header) return undefined;
  const match = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  if (!match || (match[1] === '' && match[2] === '')) return undefined;
  let start: number;
  let end: number;
  if (match[1] === '') {
    const suffix = Number(match[2]);
    if (suffix === 0) return 'unsatisfiable';
    start = Math.max(0, size - suffix);
    end = size - 1;
  } else {
    start = Number(match[1]);
    end = match[2] === '' ? size - 1 : Math.min(Number(match[2]), size - 1);
    if (end < start && match[2] !== '') return 'unsatisfiable';
  }
  if (start >= size) return 'unsatisfiable';
  return { start, end };
}

async function deleteObject(
  ctx: RouteContext,
  name: string,
  query: URLSearchParams,
  res: ServerResponse,
): Promise<void> {
  const deleted = await ctx.store.remove(name, int64Param(query, 'generation'), readPreconditions(query));
  await publish(ctx, DELETED, deleted, new Date().toISOString());
  sendNoContent(res);
}

/** Object metadata update: JSON body with the fields to change (custom metadata merged, null removes). */
async function patchObject(
  ctx: RouteContext,
  name: string,
  query: URLSearchParams,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<void> {
  const body = await readBody(req);
  let parsed: unknown;
  try {
    parsed = body.length ? JSON.parse(body.toString('utf8')) : {};
  } catch {
    throw invalid('The request body is not valid JSON.');
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw invalid('The request body must be a JSON object.');
  }
  const fields = parsed as Record<string, unknown>;
  const patch: ObjectPatch = {};
  if ('metadata' in fields) {
    const metadata = fields.metadata;
    if (metadata !== null && (typeof metadata !== 'object' || Array.isArray(metadata))) {
      throw invalid('metadata must be an object of strings.');
    }
    patch.metadata = metadata === null ? null : {};
    for (const [key, value] of Object.entries((metadata ?? {}) as Record<string, unknown>)) {
      patch.metadata![key] = value === null ? null : String(value);
    }
  }
  for (const key of [
    'contentType',
    'customTime',
    'cacheControl',
    'contentDisposition',
    'contentLanguage',
  ] as const) {
    if (typeof fields[key] === 'string') patch[key] = fields[key] as string;
  }
  const patched = await ctx.store.patch(
    name,
    int64Param(query, 'generation'),
    patch,
    readPreconditions(query),
  );
  sendJson(res, 200, toResource(patched, ctx.bucket, ctx.baseUrl));
}

/**
 * Refused with a 400. `includeFoldersAsPrefixes` (gcloud sends it on every list) is accepted and changes
 * nothing: folders exist only in buckets with a hierarchical namespace or managed folders, and this one has
 * neither.
 */
const UNSUPPORTED_LIST_PARAMS = ['startOffset', 'endOffset', 'matchGlob'];

function listObjects(ctx: RouteContext, query: URLSearchParams, res: ServerResponse): void {
  for (const key of UNSUPPORTED_LIST_PARAMS) {
    if (query.has(key))
      throw invalid(`The list parameter ${key} is not supported by the local GCS stand-in.`);
  }
  if (query.get('versions') === 'true') {
    throw invalid('Object versioning is not supported by the local GCS stand-in (versions=true).');
  }
  const rawMax = query.get('maxResults');
  let maxResults = 1000;
  if (rawMax !== null && rawMax !== '') {
    if (!/^\d+$/.test(rawMax)) throw invalidArgument(`Invalid argument for parameter maxResults: ${rawMax}`);
    maxResults = Math.min(Math.max(Number(rawMax), 1), 1000);
  }
  const prefix = query.get('prefix') ?? '';
  const delimiter = query.get('delimiter') || undefined;
  const pageToken = query.get('pageToken');
  const after = pageToken ? decodePageToken(pageToken) : undefined;
  const page = ctx.store.list({ prefix, delimiter, after, maxResults });
  const body: Record<string, unknown> = { kind: 'storage#objects' };
  if (page.cursor !== undefined) body.nextPageToken = encodePageToken(page.cursor);
  if (page.prefixes.length > 0) body.prefixes = page.prefixes;
  if (page.items.length > 0) body.items = page.items.map((obj) => toResource(obj, ctx.bucket, ctx.baseUrl));
  sendJson(res, 200, body);
}

/** Page tokens are opaque to clients: base64url of the last name the previous page consumed. */
function encodePageToken(cursor: string): string {
  return Buffer.from(JSON.stringify({ after: cursor }), 'utf8').toString('base64url');
}

function decodePageToken(token: string): string {
  try {
    const parsed = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as { after?: unknown };
    if (typeof parsed.after === 'string') return parsed.after;
  } catch {
    // fall through
  }
  throw invalid('Invalid page token.');
}

async function upload(
  ctx: RouteContext,
  query: URLSearchParams,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<void> {
  const uploadType = query.get('uploadType');
  const preconditions = readPreconditions(query);
  const body = await readBody(req);
  const parsed = parseUpload(uploadType, query, req.headers, body);
  const { created, replaced } = await ctx.store.insert(
    parsed.name,
    parsed.bytes,
    parsed.fields,
    preconditions,
  );
  await publishCreated(ctx, created, replaced);
  sendJson(res, 200, toResource(created, ctx.bucket, ctx.baseUrl));
}

/**
 * The events of a new generation, `finalized` then `deleted` for the generation it replaced: queued in order
 * and on disk before the write is answered, so an acknowledged write always has its events.
 */
export async function publishCreated(
  ctx: Pick<RouteContext, 'events' | 'bucket' | 'baseUrl'>,
  created: StoredObject,
  replaced: StoredObject | undefined,
): Promise<void> {
  const published = [publish(ctx, FINALIZED, created, created.updated)];
  if (replaced) published.push(publish(ctx, DELETED, replaced, created.updated));
  await Promise.all(published);
}

function publish(
  ctx: Pick<RouteContext, 'events' | 'bucket' | 'baseUrl'>,
  type: typeof FINALIZED | typeof DELETED,
  obj: StoredObject,
  time: string,
): Promise<void> {
  return ctx.events.publish({
    id: newEventId(),
    type,
    source: `//storage.googleapis.com/projects/_/buckets/${ctx.bucket}`,
    subject: `objects/${obj.name}`,
    time,
    bucket: ctx.bucket,
    data: toResource(obj, ctx.bucket, ctx.baseUrl),
  });
}

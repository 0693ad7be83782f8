/**
 * GCS resumable uploads (JSON API), as the gcloud CLI (from 8 MiB) and @google-cloud/storage (by default)
 * use them:
 * 1. `POST /upload/storage/v1/b/{b}/o?uploadType=resumable[&name=N]` (gcloud: `/resumable/upload/...`) with
 *    the object resource as JSON (or no body), `X-Upload-Content-Type` / `X-Upload-Content-Length` and
 *    preconditions in the query → 200, `Location:` the session URI (`...&upload_id=ID`).
 * 2. `PUT {session URI}` with bytes and `Content-Range: bytes A-B/T` (`T` or `*`; `A-*` for "the rest"),
 *    none for the whole object in one request, or `bytes *\/T` / `bytes *\/*` with no body to ask for the
 *    status → 308 `Range: bytes=0-N` (no Range while nothing is persisted) until the last byte arrives, then
 *    200 with the object resource (the final chunk's `X-Goog-Hash` and the metadata's md5Hash/crc32c are
 *    checked). A PUT to a completed session answers the resource again.
 * 3. `DELETE {session URI}` cancels: 499.
 * Sessions live in memory (lost when the stand-in stops; GCS keeps them a week) and expire after an hour
 * idle; bytes already persisted may be sent again (they are skipped); a chunk that starts past the persisted
 * bytes is a 400 (GCS answers 308 with what it has). Chunk sizes are not required to be multiples of 256 KiB.
 */
import { createHash, randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { crc32cBase64 } from './crc32c';
import { GcsHttpError, invalid, required } from './errors';
import { MAX_BODY_BYTES, readBody, sendJson } from './http-util';
import { type ObjectStore, validateObjectName } from './object-store';
import { checkWritePreconditions, type Preconditions, readPreconditions } from './preconditions';
import { type StoredObject, toResource } from './resource';
import { objectFields, verifyClientHashes } from './upload';

const IDLE_EXPIRY_MS = 60 * 60 * 1000;

interface Session {
  name: string;
  meta: Record<string, unknown>;
  contentType: string;
  preconditions: Preconditions;
  /** Declared total size (X-Upload-Content-Length, or a chunk's /T), when known. */
  total: number | undefined;
  chunks: Buffer[];
  received: number;
  touched: number;
  done?: StoredObject;
}

/** The open resumable upload sessions of one stand-in. */
export class ResumableUploads {
  private readonly sessions = new Map<string, Session>();

  constructor(
    private readonly store: ObjectStore,
    private readonly bucket: string,
    private readonly baseUrl: string,
    /** Called with each object a completed session created (and the generation it replaced). */
    private readonly onCreated: (created: StoredObject, replaced: StoredObject | undefined) => Promise<void>,
  ) {}

  /** Step 1: opens a session and answers its URI in `Location`. */
  async start(query: URLSearchParams, req: IncomingMessage, res: ServerResponse): Promise<void> {
    this.expire();
    const preconditions = readPreconditions(query);
    const text = (await readBody(req, 1024 * 1024)).toString('utf8');
    let meta: Record<string, unknown> = {};
    if (text.trim()) {
      try {
        meta = JSON.parse(text) as Record<string, unknown>;
      } catch {
        throw invalid('The object resource of a resumable upload is not valid JSON.');
      }
      if (!meta || typeof meta !== 'object' || Array.isArray(meta))
        throw invalid('The metadata must be an object.');
    }
    const name = query.get('name') || (typeof meta.name === 'string' ? meta.name : '');
    if (!name) throw required('Upload requests must include an object name.');
    validateObjectName(name);
    checkWritePreconditions(this.store.get(name), preconditions); // GCS fails early too
    const declared = header(req, 'x-upload-content-length');
    const id = randomBytes(16).toString('base64url');
    this.sessions.set(id, {
      name,
      meta,
      contentType:
        (typeof meta.contentType === 'string' && meta.contentType) ||
        header(req, 'x-upload-content-type') ||
        'application/octet-stream',
      preconditions,
      total: declared !== undefined && /^\d+$/.test(declared) ? Number(declared) : undefined,
      chunks: [],
      received: 0,
      touched: Date.now(),
    });
    const host = header(req, 'host');
    const base = host ? `http://${host}` : this.baseUrl;
    const location = `${base}/upload/storage/v1/b/${encodeURIComponent(this.bucket)}/o?uploadType=resumable&name=${encodeURIComponent(name)}&upload_id=${id}`;
    res.writeHead(200, { location, 'content-length': 0, 'x-guploader-uploadid': id });
    res.end();
  }

  /** Step 2: a chunk, the last chunk, or a status query. */
  async put(uploadId: string, req: IncomingMessage, res: ServerResponse): Promise<void> {
    const session = this.sessions.get(uploadId);
    if (!session) throw noSuchUpload();
    session.touched = Date.now();
    const range = parseContentRange(header(req, 'content-range'));
    const body = await readBody(req);
    if (session.done) return sendJson(res, 200, toResource(session.done, this.bucket, this.baseUrl));

    if (range.kind === 'status') {
      if (body.length > 0) throw invalid('A status query (Content-Range: bytes */...) has no body.');
      if (range.total !== undefined) setTotal(session, range.total);
    } else {
      append(session, range, body);
    }
    if (session.total === undefined || session.received < session.total) {
      const headers: Record<string, string | number> = { 'content-length': 0 };
      if (session.received > 0) headers.range = `bytes=0-${session.received - 1}`;
      res.writeHead(308, headers);
      res.end();
      return;
    }
    const bytes = Buffer.concat(session.chunks);
    verifyGoogHash(header(req, 'x-goog-hash'), bytes);
    verifyClientHashes(session.meta, bytes);
    const fields = objectFields(session.meta, session.contentType);
    const { created, replaced } = await this.store.insert(session.name, bytes, fields, session.preconditions);
    session.done = created;
    session.chunks = [];
    await this.onCreated(created, replaced);
    sendJson(res, 200, toResource(created, this.bucket, this.baseUrl));
  }

  /** Step 3: cancel. */
  cancel(uploadId: string, res: ServerResponse): void {
    if (!this.sessions.delete(uploadId)) throw noSuchUpload();
    res.writeHead(499, { 'content-length': 0 });
    res.end();
  }

  private expire(): void {
    const now = Date.now();
    for (const [id, s] of this.sessions) if (now - s.touched > IDLE_EXPIRY_MS) this.sessions.delete(id);
  }
}

/** Adds a chunk's bytes not persisted yet; fixes the total when the chunk says it. */
function append(session: Session, range: Exclude<ContentRange, { kind: 'status' }>, body: Buffer): void {
  const start = range.kind === 'whole' ? 0 : range.start;
  if (start > session.received) {
    throw invalid(`Content-Range starts at byte ${start} but only ${session.received} bytes are persisted.`);
  }
  if (range.kind === 'chunk' && range.end !== undefined && range.end - start + 1 !== body.length) {
    throw invalid(
      `Content-Range covers ${range.end - start + 1} bytes but the request body has ${body.length}.`,
    );
  }
  const fresh = body.subarray(Math.min(body.length, session.received - start));
  if (session.received + fresh.length > MAX_BODY_BYTES) {
    throw new GcsHttpError(
      413,
      'uploadTooLarge',
      `Uploads over ${MAX_BODY_BYTES} bytes are not accepted locally.`,
    );
  }
  if (fresh.length > 0) {
    session.chunks.push(Buffer.from(fresh));
    session.received += fresh.length;
  }
  // No Content-Range, or `A-*`: this request carries the rest of the object.
  if (range.kind === 'whole' || range.end === undefined) setTotal(session, start + body.length);
  else if (range.total !== undefined) setTotal(session, range.total);
  if (session.total !== undefined && session.received > session.total) {
    throw invalid(`The upload has ${session.received} bytes, more than its declared ${session.total}.`);
  }
}

const noSuchUpload = () =>
  new GcsHttpError(
    404,
    'notFound',
    'No such upload session (unknown, expired, cancelled, or the stand-in restarted).',
  );

function setTotal(session: Session, total: number): void {
  if (session.total !== undefined && session.total !== total) {
    throw invalid(`The upload's size was declared as ${session.total}, then as ${total}.`);
  }
  session.total = total;
}

type ContentRange =
  | { kind: 'whole' }
  | { kind: 'status'; total?: number }
  | { kind: 'chunk'; start: number; end?: number; total?: number };

function parseContentRange(value: string | undefined): ContentRange {
  if (value === undefined || value.trim() === '') return { kind: 'whole' };
  const status = /^bytes \*\/(\d+|\*)$/.exec(value.trim());
  if (status) return status[1] === '*' ? { kind: 'status' } : { kind: 'status', total: Number(status[1]) };
  const chunk = /^bytes (\d+)-(\d+|\*)\/(\d+|\*)$/.exec(value.trim());
  if (!chunk) throw invalid(`Invalid Content-Range: ${value}`);
  const start = Number(chunk[1]);
  const end = chunk[2] === '*' ? undefined : Number(chunk[2]);
  if (end !== undefined && end < start) throw invalid(`Invalid Content-Range: ${value}`);
  return {
    kind: 'chunk',
    start,
    ...(end === undefined ? {} : { end }),
    ...(chunk[3] === '*' ? {} : { total: Number(chunk[3]) }),
  };
}

/** `X-Goog-Hash: crc32c=...,md5=...` on the final request: 400 when the bytes do not match. */
function verifyGoogHash(value: string | undefined, bytes: Buffer): void {
  if (!value) return;
  for (const item of value.split(',')) {
    const at = item.indexOf('=');
    const kind = item.slice(0, at).trim().toLowerCase();
    const claimed = item.slice(at + 1).trim();
    const actual =
      kind === 'md5'
        ? createHash('md5').update(bytes).digest('base64')
        : kind === 'crc32c'
          ? crc32cBase64(bytes)
          : undefined;
    if (actual !== undefined && actual !== claimed) {
      throw invalid(`Provided ${kind} hash "${claimed}" doesn't match calculated hash "${actual}".`);
    }
  }
}

function header(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

/**
 * Turns a single-request upload (`uploadType=multipart`, or `media`) into the object's name, bytes and
 * fields. Multipart: a JSON object-resource part, then the media part (RFC 2387 multipart/related).
 * Resumable uploads are resumable.ts.
 */
import { createHash } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { crc32cBase64 } from './crc32c';
import { GcsHttpError, invalid, required } from './errors';
import { multipartBoundary, parseMultipart } from './multipart';
import type { NewObjectFields } from './object-store';

export interface ParsedUpload {
  name: string;
  bytes: Buffer;
  fields: NewObjectFields;
}

const DEFAULT_CONTENT_TYPE = 'application/octet-stream';

export function parseUpload(
  uploadType: string | null,
  query: URLSearchParams,
  headers: IncomingHttpHeaders,
  body: Buffer,
): ParsedUpload {
  if (uploadType === 'media') {
    const name = query.get('name');
    if (!name)
      throw required(
        'Upload requests must include an uploadType URL parameter and a URL-encoded object name.',
      );
    return { name, bytes: body, fields: { contentType: headers['content-type'] || DEFAULT_CONTENT_TYPE } };
  }
  if (uploadType !== 'multipart') {
    throw new GcsHttpError(
      400,
      uploadType ? 'invalid' : 'required',
      uploadType
        ? `Upload type ${JSON.stringify(uploadType)} is not supported by the local GCS stand-in (use multipart).`
        : 'Upload requests must include an uploadType URL parameter and a URL-encoded object name.',
    );
  }
  const boundary = multipartBoundary(headers['content-type']);
  if (!boundary) throw invalid('Multipart uploads need a multipart/related content type with a boundary.');
  const parts = parseMultipart(body, boundary);
  if (parts.length !== 2)
    throw invalid(`A multipart upload has 2 parts (metadata, media), got ${parts.length}.`);
  const [metaPart, mediaPart] = parts as [(typeof parts)[0], (typeof parts)[0]];
  let meta: Record<string, unknown>;
  try {
    meta =
      metaPart.body.length === 0
        ? {}
        : (JSON.parse(metaPart.body.toString('utf8')) as Record<string, unknown>);
  } catch {
    throw invalid('The metadata part of the multipart upload is not valid JSON.');
  }
  if (!meta || typeof meta !== 'object' || Array.isArray(meta))
    throw invalid('The metadata part must be an object.');
  const name = query.get('name') || (typeof meta.name === 'string' ? meta.name : '');
  if (!name)
    throw required('Upload requests must include an uploadType URL parameter and a URL-encoded object name.');
  const bytes = mediaPart.body;
  verifyClientHashes(meta, bytes);
  return { name, bytes, fields: objectFields(meta, mediaPart.headers['content-type']) };
}

/** The fields of a new object from its resource JSON; `contentType` there wins over `fallbackType`. */
export function objectFields(
  meta: Record<string, unknown>,
  fallbackType: string | undefined,
): NewObjectFields {
  const fields: NewObjectFields = {
    contentType: stringField(meta, 'contentType') || fallbackType || DEFAULT_CONTENT_TYPE,
  };
  const metadata = customMetadata(meta.metadata);
  if (metadata) fields.metadata = metadata;
  const customTime = stringField(meta, 'customTime');
  if (customTime !== undefined) fields.customTime = rfc3339(customTime);
  for (const key of ['cacheControl', 'contentEncoding', 'contentDisposition', 'contentLanguage'] as const) {
    const value = stringField(meta, key);
    if (value !== undefined) fields[key] = value;
  }
  return fields;
}

function stringField(meta: Record<string, unknown>, key: string): string | undefined {
  const value = meta[key];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') throw invalid(`Invalid value for ${key}: ${JSON.stringify(value)}`);
  return value;
}

/** GCS keeps custom metadata as strings; null values are dropped, scalars are stringified. */
function customMetadata(value: unknown): Record<string, string> | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'object' || Array.isArray(value)) throw invalid('Invalid value for metadata.');
  const out: Record<string, string> = {};
  for (const [key, v] of Object.entries(value as Record<string, unknown>)) {
    if (v === null || v === undefined) continue;
    if (typeof v === 'object') throw invalid(`Invalid value for metadata.${key}.`);
    out[key] = String(v);
  }
  return Object.keys(out).length > 0 ? out : undefined;
}

/** RFC 3339 date-time, normalised the way GCS returns it (UTC, milliseconds). */
function rfc3339(value: string): string {
  const ok = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/i.test(value);
  const date = new Date(value);
  if (!ok || Number.isNaN(date.getTime())) throw invalid(`Invalid value for customTime: ${value}`);
  return date.toISOString();
}

/** A client that states md5Hash / crc32c in the metadata gets a 400 when the bytes do not match. */
export function verifyClientHashes(meta: Record<string, unknown>, bytes: Buffer): void {
  const md5 = stringField(meta, 'md5Hash');
  if (md5 !== undefined) {
    const actual = createHash('md5').update(bytes).digest('base64');
    if (md5 !== actual) {
      throw invalid(`Provided MD5 hash "${md5}" doesn't match calculated MD5 hash "${actual}".`);
    }
  }
  const crc = stringField(meta, 'crc32c');
  if (crc !== undefined) {
    const actual = crc32cBase64(bytes);
    if (crc !== actual) {
      throw invalid(`Provided CRC32C "${crc}" doesn't match calculated CRC32C "${actual}".`);
    }
  }
}

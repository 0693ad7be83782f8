/** Small node:http helpers for the stand-in: reading bodies and writing JSON and GCS error responses. */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { GcsHttpError } from './errors';

/** Largest request body accepted (the stand-in keeps uploads in memory). */
export const MAX_BODY_BYTES = 256 * 1024 * 1024;

export async function readBody(req: IncomingMessage, limit = MAX_BODY_BYTES): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let total = 0;
  for await (const chunk of req) {
    total += (chunk as Buffer).length;
    if (total > limit) {
      throw new GcsHttpError(
        413,
        'uploadTooLarge',
        `Request bodies over ${limit} bytes are not accepted locally.`,
      );
    }
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

export function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json; charset=UTF-8',
    'content-length': Buffer.byteLength(text),
    'cache-control': 'no-cache, no-store, max-age=0, must-revalidate',
  });
  res.end(text);
}

export function sendError(res: ServerResponse, err: GcsHttpError): void {
  if (err.status === 304) {
    res.writeHead(304);
    res.end();
    return;
  }
  sendJson(res, err.status, err.toBody());
}

export function sendNoContent(res: ServerResponse): void {
  res.writeHead(204, { 'content-length': 0 });
  res.end();
}

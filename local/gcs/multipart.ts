/**
 * A parser for the `multipart/related` bodies of GCS multipart uploads (RFC 2046 / RFC 2387): the
 * @google-cloud/storage client (through teeny-request) sends
 * `--B\r\nContent-Type: application/json\r\n\r\n{metadata}\r\n--B\r\nContent-Type: <type>\r\n\r\n<bytes>\r\n--B--`
 * (no CRLF after the close delimiter), other clients may add a preamble, an epilogue or more headers.
 */
import { invalid } from './errors';

export interface MultipartPart {
  /** Header names in lower case. */
  headers: Record<string, string>;
  body: Buffer;
}

/** The boundary parameter of a multipart content type, or undefined when it is not multipart. */
export function multipartBoundary(contentType: string | undefined): string | undefined {
  if (!contentType || !/^\s*multipart\//i.test(contentType)) return undefined;
  const match = /;\s*boundary\s*=\s*(?:"([^"]+)"|([^;\s]+))/i.exec(contentType);
  return match?.[1] ?? match?.[2];
}

const CRLF = Buffer.from('\r\n');

/** Splits a multipart body into its parts; throws a GCS 400 when the body is not well formed. */
export function parseMultipart(body: Buffer, boundary: string): MultipartPart[] {
  const delimiter = Buffer.from(`--${boundary}`);
  const inner = Buffer.from(`\r\n--${boundary}`);
  // The first delimiter is at the very start or after a CRLF (the preamble is ignored).
  let pos = body.subarray(0, delimiter.length).equals(delimiter) ? 0 : body.indexOf(inner);
  if (pos < 0) throw invalid('Multipart body does not contain the boundary.');
  if (pos > 0) pos += 2;
  const parts: MultipartPart[] = [];
  for (;;) {
    pos += delimiter.length;
    if (body[pos] === 0x2d && body[pos + 1] === 0x2d) return parts; // close delimiter "--B--"
    // Transport padding, then the CRLF ending the delimiter line.
    while (body[pos] === 0x20 || body[pos] === 0x09) pos++;
    if (!body.subarray(pos, pos + 2).equals(CRLF)) throw invalid('Malformed multipart delimiter line.');
    pos += 2;
    let headerText = '';
    if (body.subarray(pos, pos + 2).equals(CRLF)) {
      pos += 2; // no headers
    } else {
      const headerEnd = body.indexOf('\r\n\r\n', pos);
      if (headerEnd < 0) throw invalid('Malformed multipart part headers.');
      headerText = body.subarray(pos, headerEnd).toString('latin1');
      pos = headerEnd + 4;
    }
    const next = body.indexOf(inner, pos);
    if (next < 0) throw invalid('Multipart body is missing its close delimiter.');
    parts.push({ headers: parseHeaders(headerText), body: body.subarray(pos, next) });
    pos = next + 2;
  }
}

function parseHeaders(text: string): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const line of text.split('\r\n')) {
    const colon = line.indexOf(':');
    if (colon <= 0) continue;
    headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  return headers;
}

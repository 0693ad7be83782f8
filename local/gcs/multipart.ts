/**
 * A parser for the `multipart/related` bodies of GCS multipart uploads (RFC 2046 / RFC 2387). Clients differ:
 * - @google-cloud/storage (through teeny-request) sends
 *   `--B\r\nContent-Type: application/json\r\n\r\n{metadata}\r\n--B\r\nContent-Type: <type>\r\n\r\n<bytes>\r\n--B--`
 *   (no CRLF after the close delimiter);
 * - the gcloud CLI (Python's email generator) quotes the boundary with single quotes in the header
 *   (`boundary='===============123=='`) and frames the body with bare LF line breaks:
 *   `--B\nContent-Type: ...\nMIME-Version: 1.0\n\n{metadata}\n--B\n...\n\n<bytes>\n--B--\n`.
 * GCS accepts both. The line break is taken from the first delimiter line and used for the whole body, so a
 * part whose bytes end in CR keeps it under LF framing. Other clients may add a preamble, an epilogue or more
 * headers.
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
  const match = /;\s*boundary\s*=\s*(?:"([^"]+)"|'([^']+)'|([^;\s]+))/i.exec(contentType);
  return match?.[1] ?? match?.[2] ?? match?.[3];
}

/** Splits a multipart body into its parts; throws a GCS 400 when the body is not well formed. */
export function parseMultipart(body: Buffer, boundary: string): MultipartPart[] {
  const delimiter = Buffer.from(`--${boundary}`);
  // The first delimiter is at the very start or at the start of a line (the preamble is ignored).
  let pos = body.subarray(0, delimiter.length).equals(delimiter)
    ? 0
    : body.indexOf(Buffer.from(`\n--${boundary}`));
  if (pos < 0) throw invalid('Multipart body does not contain the boundary.');
  if (pos > 0) pos += 1;
  const eol = lineBreakAfter(body, pos + delimiter.length);
  if (!eol) throw invalid('Malformed multipart delimiter line.');
  const inner = Buffer.concat([eol, delimiter]);
  const headerEnd = Buffer.concat([eol, eol]);
  const parts: MultipartPart[] = [];
  for (;;) {
    pos += delimiter.length;
    if (body[pos] === 0x2d && body[pos + 1] === 0x2d) return parts; // close delimiter "--B--"
    // Transport padding, then the line break ending the delimiter line.
    while (body[pos] === 0x20 || body[pos] === 0x09) pos++;
    if (!body.subarray(pos, pos + eol.length).equals(eol))
      throw invalid('Malformed multipart delimiter line.');
    pos += eol.length;
    let headerText = '';
    if (body.subarray(pos, pos + eol.length).equals(eol)) {
      pos += eol.length; // no headers
    } else {
      const end = body.indexOf(headerEnd, pos);
      if (end < 0) throw invalid('Malformed multipart part headers.');
      headerText = body.subarray(pos, end).toString('latin1');
      pos = end + headerEnd.length;
    }
    const next = body.indexOf(inner, pos);
    if (next < 0) throw invalid('Multipart body is missing its close delimiter.');
    parts.push({ headers: parseHeaders(headerText, eol.toString('latin1')), body: body.subarray(pos, next) });
    pos = next + eol.length;
  }
}

/** CRLF or LF right after the first delimiter (after any transport padding), else undefined. */
function lineBreakAfter(body: Buffer, start: number): Buffer | undefined {
  let pos = start;
  while (body[pos] === 0x20 || body[pos] === 0x09) pos++;
  if (body[pos] === 0x0d && body[pos + 1] === 0x0a) return Buffer.from('\r\n');
  if (body[pos] === 0x0a) return Buffer.from('\n');
  return undefined;
}

function parseHeaders(text: string, eol: string): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const line of text.split(eol)) {
    const colon = line.indexOf(':');
    if (colon <= 0) continue;
    headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  return headers;
}

/**
 * Strict base64 (RFC 4648 section 4, padded, canonical): no whitespace, no data: URL prefix, no URL-safe
 * alphabet, no non-zero padding bits. Anything else is refused with INVALID_BASE64 instead of being
 * decoded leniently into different bytes.
 */
import { PermanentError } from './errors';

// The alphabet and where padding may stand; length (a multiple of 4) and canonical padding bits are checked
// apart. (A pattern of repeated 4-character groups is exact too, but overflows V8's regexp stack above ~3 MB.)
// Only run to name what is wrong with a string already refused: on a valid image the round trip below
// decides alone, at a quarter of this pattern's cost (it scans ~150 MB/s).
const STRICT_BASE64_RE = /^[A-Za-z0-9+/]*={0,2}$/;

/** Bytes encoded per step of the round-trip check (a multiple of 3: each step is 64 KiB of base64). */
const CHECK_CHUNK = 3 * 16384;

/** Number of bytes a well-formed base64 string decodes to, without decoding it. */
export function decodedLength(b64: string): number {
  const padding = b64.endsWith('==') ? 2 : b64.endsWith('=') ? 1 : 0;
  return (b64.length / 4) * 3 - padding;
}

/**
 * Decodes `b64`, refusing anything but its canonical encoding. Exact by construction: Node's decoder is
 * lenient (it skips what is not base64, reads the URL-safe alphabet, ignores padding bits), so the string is
 * accepted only when it is exactly what encoding the decoded bytes gives back. That holds only for strict,
 * padded, canonical base64 (what the pattern above and the padding-bits rule describe), and the pattern is
 * consulted only to word the refusal.
 */
export function decodeStrictBase64(b64: string, where: string, maxBytes = Number.POSITIVE_INFINITY): Buffer {
  if (b64.length % 4 !== 0) throw notStrict(b64, where);
  const size = decodedLength(b64);
  if (size > maxBytes) {
    if (!STRICT_BASE64_RE.test(b64)) throw notStrict(b64, where);
    throw new PermanentError('PAYLOAD_TOO_LARGE', `${where}: image of ${size} bytes exceeds ${maxBytes}`, {
      visual: where,
      size,
      limit: maxBytes,
    });
  }
  const bytes = Buffer.from(b64, 'base64');
  if (bytes.length !== size || !encodesTo(bytes, b64)) {
    if (!STRICT_BASE64_RE.test(b64)) throw notStrict(b64, where);
    throw new PermanentError('INVALID_BASE64', `${where}: image_base64 is not canonical base64`, {
      visual: where,
    });
  }
  return bytes;
}

/**
 * Whether `bytes` encode to exactly `b64` (whose length is that of their encoding), compared a chunk at a
 * time so that no second copy of a large image's base64 is ever held.
 */
function encodesTo(bytes: Buffer, b64: string): boolean {
  for (let from = 0, at = 0; from < bytes.length; from += CHECK_CHUNK, at += (CHECK_CHUNK / 3) * 4) {
    const piece = bytes.toString('base64', from, Math.min(from + CHECK_CHUNK, bytes.length));
    if (!b64.startsWith(piece, at)) return false;
  }
  return true;
}

function notStrict(b64: string, where: string): PermanentError {
  const hint = b64.startsWith('data:') ? ' (send the bare base64, without a data: URL prefix)' : '';
  return new PermanentError('INVALID_BASE64', `${where}: image_base64 is not strict padded base64${hint}`, {
    visual: where,
  });
}

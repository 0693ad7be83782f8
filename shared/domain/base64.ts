/**
 * Strict base64 (RFC 4648 section 4, padded, canonical): no whitespace, no data: URL prefix, no URL-safe
 * alphabet, no non-zero padding bits. Anything else is refused with INVALID_BASE64 instead of being
 * decoded leniently into different bytes.
 */
import { PermanentError } from './errors';

// The alphabet and where padding may stand; length (a multiple of 4) and canonical padding bits are checked
// apart. (A pattern of repeated 4-character groups is exact too, but overflows V8's regexp stack above ~3 MB.)
const STRICT_BASE64_RE = /^[A-Za-z0-9+/]*={0,2}$/;

/** Number of bytes a well-formed base64 string decodes to, without decoding it. */
export function decodedLength(b64: string): number {
  const padding = b64.endsWith('==') ? 2 : b64.endsWith('=') ? 1 : 0;
  return (b64.length / 4) * 3 - padding;
}

export function decodeStrictBase64(b64: string, where: string, maxBytes = Number.POSITIVE_INFINITY): Buffer {
  if (b64.length % 4 !== 0 || !STRICT_BASE64_RE.test(b64)) {
    const hint = b64.startsWith('data:') ? ' (send the bare base64, without a data: URL prefix)' : '';
    throw new PermanentError('INVALID_BASE64', `${where}: image_base64 is not strict padded base64${hint}`, {
      visual: where,
    });
  }
  const size = decodedLength(b64);
  if (size > maxBytes) {
    throw new PermanentError('PAYLOAD_TOO_LARGE', `${where}: image of ${size} bytes exceeds ${maxBytes}`, {
      visual: where,
      size,
      limit: maxBytes,
    });
  }
  const bytes = Buffer.from(b64, 'base64');
  if (bytes.length !== size || bytes.toString('base64') !== b64) {
    throw new PermanentError('INVALID_BASE64', `${where}: image_base64 is not canonical base64`, {
      visual: where,
    });
  }
  return bytes;
}

/**
 * Image type from the bytes themselves (magic numbers), never from a claim in the document. Only the
 * formats below are accepted; everything else is refused with UNSUPPORTED_IMAGE.
 */
import { PermanentError } from './errors';

export type ImageFormat = 'png' | 'jpeg' | 'gif' | 'webp' | 'svg';

export interface ImageType {
  format: ImageFormat;
  contentType: string;
  ext: string;
}

export const IMAGE_TYPES: Record<ImageFormat, ImageType> = {
  png: { format: 'png', contentType: 'image/png', ext: 'png' },
  jpeg: { format: 'jpeg', contentType: 'image/jpeg', ext: 'jpg' },
  gif: { format: 'gif', contentType: 'image/gif', ext: 'gif' },
  webp: { format: 'webp', contentType: 'image/webp', ext: 'webp' },
  svg: { format: 'svg', contentType: 'image/svg+xml', ext: 'svg' },
};

const PNG = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

function startsWith(bytes: Buffer, prefix: Buffer | string, at = 0): boolean {
  const p = typeof prefix === 'string' ? Buffer.from(prefix, 'latin1') : prefix;
  return bytes.length >= at + p.length && bytes.subarray(at, at + p.length).equals(p);
}

/** SVG: optional BOM, whitespace, XML declaration, comments and doctype, then an `<svg` root element. */
function isSvg(bytes: Buffer): boolean {
  let text = bytes.subarray(0, 4096).toString('utf8');
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  const prolog = /^(\s+|<\?xml[^>]*\?>|<!--[\s\S]*?-->|<!DOCTYPE[^>[]*(\[[\s\S]*?\])?\s*>)*/i;
  const rest = text.replace(prolog, '');
  return /^<svg[\s>/]/.test(rest);
}

/** The type of an image, or null when the bytes are not one of the accepted formats. */
export function detectImageType(bytes: Buffer): ImageType | null {
  if (startsWith(bytes, PNG)) return IMAGE_TYPES.png;
  if (bytes.length >= 4 && bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff)
    return IMAGE_TYPES.jpeg;
  if (startsWith(bytes, 'GIF87a') || startsWith(bytes, 'GIF89a')) return IMAGE_TYPES.gif;
  if (bytes.length >= 12 && startsWith(bytes, 'RIFF') && startsWith(bytes, 'WEBP', 8))
    return IMAGE_TYPES.webp;
  if (bytes.length > 0 && isSvg(bytes)) return IMAGE_TYPES.svg;
  return null;
}

export function requireImageType(bytes: Buffer, where: string): ImageType {
  const type = detectImageType(bytes);
  if (!type) {
    throw new PermanentError(
      'UNSUPPORTED_IMAGE',
      `${where}: bytes are not a PNG, JPEG, GIF, WebP or SVG image`,
      { visual: where, first_bytes: bytes.subarray(0, 8).toString('hex') },
    );
  }
  return type;
}

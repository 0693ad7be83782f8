/** Documents for the fault suite: real image bytes (PNG signature, then noise) of a chosen size. */
import { randomBytes } from 'node:crypto';

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

export const pngBase64 = (bytes: number): string =>
  Buffer.concat([PNG_SIGNATURE, randomBytes(Math.max(0, bytes - PNG_SIGNATURE.length))]).toString('base64');

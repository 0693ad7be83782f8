/**
 * A stream's bytes in one Buffer. With the size known beforehand (an object's, from its metadata) the chunks
 * are copied into one buffer of that size as they arrive: the bytes are held once, never as a list of chunks
 * and then their concatenation. A stream longer than announced is still read whole.
 */
import type { Readable } from 'node:stream';

export async function readAll(stream: Readable, size?: number): Promise<Buffer> {
  const buffer = size !== undefined && size > 0 ? Buffer.allocUnsafe(size) : undefined;
  let length = 0;
  let extra: Buffer[] | undefined;
  for await (const chunk of stream) {
    const bytes = typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer);
    if (buffer && !extra && length + bytes.length <= buffer.length) {
      bytes.copy(buffer, length);
    } else {
      extra ??= buffer ? [buffer.subarray(0, length)] : [];
      extra.push(bytes);
    }
    length += bytes.length;
  }
  if (extra) return Buffer.concat(extra, length);
  return buffer ? buffer.subarray(0, length) : Buffer.alloc(0);
}

/**
 * CRC32C (Castagnoli, reflected polynomial 0x82F63B78), the checksum GCS reports for every object.
 * GCS encodes it as the base64 of the 4-byte big-endian value (e.g. "hello" -> "mnG7TA==").
 */

const TABLE = (() => {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ 0x82f63b78 : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
})();

/** The CRC32C of `bytes` as an unsigned 32-bit integer; pass `previous` to continue a running checksum. */
export function crc32c(bytes: Uint8Array, previous = 0): number {
  let crc = ~previous >>> 0;
  for (let i = 0; i < bytes.length; i++) {
    crc = (TABLE[(crc ^ bytes[i]!) & 0xff]! ^ (crc >>> 8)) >>> 0;
  }
  return ~crc >>> 0;
}

/** The CRC32C of `bytes` as GCS writes it: base64 of the big-endian 4 bytes. */
export function crc32cBase64(bytes: Uint8Array): string {
  const out = Buffer.alloc(4);
  out.writeUInt32BE(crc32c(bytes), 0);
  return out.toString('base64');
}

/**
 * The object as the stand-in keeps it (the sidecar JSON next to the bytes) and its GCS JSON API object
 * resource (`storage#object`), which is also the `data` of the object's CloudEvents (StorageObjectData).
 * int64 fields (`generation`, `metageneration`, `size`) are decimal strings, as GCS sends them.
 */

/** One stored generation of an object. */
export interface StoredObject {
  name: string;
  /** int64 decimal string; microseconds since the epoch at creation, like GCS. */
  generation: string;
  metageneration: string;
  size: number;
  contentType: string;
  /** base64 MD5 of the bytes. */
  md5Hash: string;
  /** base64 big-endian CRC32C of the bytes. */
  crc32c: string;
  metadata?: Record<string, string>;
  customTime?: string;
  cacheControl?: string;
  contentEncoding?: string;
  contentDisposition?: string;
  contentLanguage?: string;
  timeCreated: string;
  updated: string;
  /** File name (in the bucket's directory) of this generation's bytes. */
  dataFile: string;
}

export interface ObjectResource {
  kind: 'storage#object';
  id: string;
  selfLink: string;
  mediaLink: string;
  name: string;
  bucket: string;
  generation: string;
  metageneration: string;
  contentType: string;
  storageClass: string;
  size: string;
  md5Hash: string;
  crc32c: string;
  etag: string;
  timeCreated: string;
  updated: string;
  timeStorageClassUpdated: string;
  timeFinalized: string;
  cacheControl?: string;
  contentEncoding?: string;
  contentDisposition?: string;
  contentLanguage?: string;
  customTime?: string;
  metadata?: Record<string, string>;
}

/** GCS's encoding of an object name in a URL path segment. */
export const encodeObjectName = (name: string) => encodeURIComponent(name);

/**
 * The JSON API etag: base64 of a protobuf with field 1 = generation and field 2 = metageneration (varints),
 * which is what GCS returns (e.g. "CNHZkbuF/ugCEAE=" for generation 1587627537231057, metageneration 1).
 */
export function objectEtag(generation: string, metageneration: string): string {
  const bytes: number[] = [];
  const varint = (value: bigint) => {
    let v = value;
    while (v >= 0x80n) {
      bytes.push(Number(v & 0x7fn) | 0x80);
      v >>= 7n;
    }
    bytes.push(Number(v));
  };
  bytes.push(0x08);
  varint(BigInt(generation));
  bytes.push(0x10);
  varint(BigInt(metageneration));
  return Buffer.from(bytes).toString('base64');
}

/** The object resource GCS returns for `obj`; `baseUrl` is the stand-in's own URL (for the links). */
export function toResource(obj: StoredObject, bucket: string, baseUrl: string): ObjectResource {
  const encoded = encodeObjectName(obj.name);
  const resource: ObjectResource = {
    kind: 'storage#object',
    id: `${bucket}/${obj.name}/${obj.generation}`,
    selfLink: `${baseUrl}/storage/v1/b/${bucket}/o/${encoded}`,
    mediaLink: `${baseUrl}/download/storage/v1/b/${bucket}/o/${encoded}?generation=${obj.generation}&alt=media`,
    name: obj.name,
    bucket,
    generation: obj.generation,
    metageneration: obj.metageneration,
    contentType: obj.contentType,
    storageClass: 'STANDARD',
    size: String(obj.size),
    md5Hash: obj.md5Hash,
    crc32c: obj.crc32c,
    etag: objectEtag(obj.generation, obj.metageneration),
    timeCreated: obj.timeCreated,
    updated: obj.updated,
    timeStorageClassUpdated: obj.timeCreated,
    timeFinalized: obj.timeCreated,
  };
  if (obj.cacheControl !== undefined) resource.cacheControl = obj.cacheControl;
  if (obj.contentEncoding !== undefined) resource.contentEncoding = obj.contentEncoding;
  if (obj.contentDisposition !== undefined) resource.contentDisposition = obj.contentDisposition;
  if (obj.contentLanguage !== undefined) resource.contentLanguage = obj.contentLanguage;
  if (obj.customTime !== undefined) resource.customTime = obj.customTime;
  if (obj.metadata && Object.keys(obj.metadata).length > 0) resource.metadata = { ...obj.metadata };
  return resource;
}

/**
 * Visuals (docs/design.md, "Objects in the bucket"): any object, at any depth, whose key ends in `_visual` and that holds a string
 * `image_base64`. Extraction takes their bytes out of the document (each to be stored as its own object) and
 * leaves a reference in the manifest; rehydration is the exact inverse.
 *
 * A reference keeps the visual's other fields, loses `image_base64` and gains the REFERENCE_FIELDS. When the
 * original visual already had one of those fields, its value is kept under `$original` so that rehydration
 * gives back exactly the document that was sent.
 */
import { createHash } from 'node:crypto';
import type { VisualDetail } from './artifact-row';
import { decodeStrictBase64 } from './base64';
import { PermanentError } from './errors';
import { IMAGE_TYPES, type ImageFormat, type ImageType, requireImageType } from './image-format';
import { isObject, type JsonObject, type JsonValue } from './json';
import { VISUAL_KEY_RE } from './names';
import { type ArtifactKey, isVisualName, visualPath, visualsPrefix } from './paths';

export type { JsonObject, JsonValue } from './json';

export const VISUAL_SUFFIX = '_visual';
export const REFERENCE_FIELDS = ['storage_path', 'content_type', 'format', 'size', 'sha256'] as const;
export const ORIGINAL_FIELD = '$original';
const RESERVED = new Set<string>([...REFERENCE_FIELDS, ORIGINAL_FIELD]);
/** Deeper documents are refused: they are not artifacts, and recursion must stay bounded. */
export const MAX_DEPTH = 64;

export interface ExtractedVisual extends VisualDetail {
  bytes: Buffer;
}

export interface Extraction {
  manifest: JsonObject;
  visuals: ExtractedVisual[];
  /** The reference each visual became inside `manifest` (same order as `visuals`). */
  references: JsonObject[];
}

/**
 * Points visual `index` of an extraction at another object (the same bytes an earlier version of the artifact
 * stored): its reference in the manifest and its detail both take `storagePath`.
 */
export function relocateVisual(extraction: Extraction, index: number, storagePath: string): void {
  extraction.visuals[index]!.storage_path = storagePath;
  extraction.references[index]!.storage_path = storagePath;
}

export interface ExtractLimits {
  maxVisualBytes: number;
  maxVisuals: number;
}

export interface ExtractOptions {
  /**
   * The caller hands the document over: each visual's `image_base64` is deleted from it once decoded, so a
   * large document's base64 can be collected while its bytes are written (the store, on a document it parsed
   * itself). Without it the document is left as it was.
   */
  release?: boolean;
}

/**
 * Sets an own property, even one named `__proto__` (which JSON.parse creates as an ordinary field and plain
 * assignment would turn into a prototype change, silently dropping it).
 */
function setField(target: JsonObject, key: string, value: JsonValue): void {
  Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
}

export function sha256Hex(bytes: Buffer | string): string {
  return createHash('sha256').update(bytes).digest('hex');
}

function unsafeKey(path: string[]): never {
  throw new PermanentError(
    'UNSAFE_NAME',
    `visual at ${JSON.stringify(path)} has a key that cannot name an object`,
    {
      path,
    },
  );
}

/** Replaces each visual of `doc` by a reference; returns the manifest and the visuals' bytes. */
export function extractVisuals(
  doc: JsonObject,
  key: ArtifactKey,
  limits: ExtractLimits = { maxVisualBytes: Number.POSITIVE_INFINITY, maxVisuals: Number.POSITIVE_INFINITY },
  version = 1,
  options: ExtractOptions = {},
): Extraction {
  const visuals: ExtractedVisual[] = [];
  const references: JsonObject[] = [];
  const ownPrefix = visualsPrefix(key);

  const toReference = (value: JsonObject, path: string[]): JsonObject => {
    if (!path.every((k) => VISUAL_KEY_RE.test(k))) unsafeKey(path);
    const name = path.join('.');
    if (!isVisualName(name)) unsafeKey(path);
    if (visuals.length >= limits.maxVisuals) {
      throw new PermanentError('PAYLOAD_TOO_LARGE', `more than ${limits.maxVisuals} visuals`, {
        limit: limits.maxVisuals,
      });
    }
    const bytes = decodeStrictBase64(value.image_base64 as string, name, limits.maxVisualBytes);
    const type = requireImageType(bytes, name);
    const detail: VisualDetail = {
      name,
      storage_path: visualPath(key, name, type.ext, version),
      content_type: type.contentType,
      format: type.format,
      size: bytes.length,
      sha256: sha256Hex(bytes),
    };
    visuals.push({ ...detail, bytes });
    const reference: JsonObject = {};
    const original: JsonObject = {};
    for (const k of Object.keys(value)) {
      if (k === 'image_base64') continue;
      setField(RESERVED.has(k) ? original : reference, k, value[k]!);
    }
    const { name: _name, ...fields } = detail;
    Object.assign(reference, fields);
    if (Object.keys(original).length > 0) setField(reference, ORIGINAL_FIELD, original);
    references.push(reference);
    // The image is bytes now: a document the caller hands over (`release`) no longer holds its base64.
    if (options.release) delete value.image_base64;
    return reference;
  };

  // The path of the value being walked: one array, pushed and popped (no copy per node).
  const path: string[] = [];
  const walk = (value: JsonValue): JsonValue => {
    if (path.length > MAX_DEPTH) {
      throw new PermanentError('INVALID_ARTIFACT', `document nested deeper than ${MAX_DEPTH} levels`);
    }
    if (Array.isArray(value)) {
      let out: JsonValue[] | undefined;
      for (let i = 0; i < value.length; i++) {
        const item = value[i]!;
        path.push(String(i));
        const next = walk(item);
        path.pop();
        if (next !== item) {
          out ??= value.slice();
          out[i] = next;
        }
      }
      return out ?? value;
    }
    if (!isObject(value)) return value;
    let out: JsonObject | undefined;
    for (const k of Object.keys(value)) {
      // An own `__proto__` field (JSON.parse makes one) shadows the accessor: this reads the field.
      const v = value[k]!;
      let next: JsonValue;
      path.push(k);
      if (k.endsWith(VISUAL_SUFFIX) && isObject(v) && typeof v.image_base64 === 'string') {
        next = toReference(v, path.slice());
      } else {
        if (k.endsWith(VISUAL_SUFFIX) && isObject(v) && typeof v.storage_path === 'string') {
          if (v.storage_path.startsWith(ownPrefix)) {
            throw new PermanentError(
              'UNSAFE_NAME',
              `${path.join('.')}: storage_path claims this artifact's own visual prefix`,
            );
          }
        }
        next = walk(v);
      }
      path.pop();
      if (next !== v) {
        out ??= { ...value };
        setField(out, k, next);
      }
    }
    return out ?? value;
  };

  const manifest = walk(doc) as JsonObject;
  return { manifest, visuals, references };
}

/** The visual details recorded on the row (the bytes left out). */
export function visualDetails(visuals: ExtractedVisual[]): VisualDetail[] {
  return visuals.map(({ bytes: _bytes, ...detail }) => detail);
}

function isFormat(value: unknown): value is ImageFormat {
  return typeof value === 'string' && Object.hasOwn(IMAGE_TYPES, value);
}

/**
 * The visual references of a stored manifest: `*_visual` objects with a known format whose `storage_path` is
 * an object of this artifact's own folder with that format's extension. Nothing else in a stored document can
 * be one: the store refuses a document whose visual claims a `storage_path` there. (Version N's visuals may
 * live in an earlier version's folder: the same bytes are stored once.)
 */
export function findVisualReferences(manifest: JsonObject, key: ArtifactKey): VisualDetail[] {
  const found: VisualDetail[] = [];
  const prefix = visualsPrefix(key);
  const walk = (value: JsonValue, path: string[]) => {
    if (path.length > MAX_DEPTH) return;
    if (Array.isArray(value)) {
      for (const [i, item] of value.entries()) walk(item, [...path, String(i)]);
      return;
    }
    if (!isObject(value)) return;
    for (const [k, v] of Object.entries(value)) {
      const p = [...path, k];
      if (k.endsWith(VISUAL_SUFFIX) && isObject(v) && isFormat(v.format) && !('image_base64' in v)) {
        const name = p.join('.');
        const type: ImageType = IMAGE_TYPES[v.format];
        if (
          isVisualName(name) &&
          typeof v.storage_path === 'string' &&
          v.storage_path.startsWith(prefix) &&
          v.storage_path.endsWith(`.${type.ext}`) &&
          typeof v.sha256 === 'string' &&
          typeof v.size === 'number' &&
          v.content_type === type.contentType
        ) {
          found.push({
            name,
            storage_path: v.storage_path,
            content_type: type.contentType,
            format: type.format,
            size: v.size,
            sha256: v.sha256,
          });
          continue;
        }
      }
      walk(v, p);
    }
  };
  walk(manifest, []);
  return found;
}

/** Follows a visual's dot path in a manifest; undefined when it does not lead to an object. */
function objectAt(root: JsonObject, name: string): JsonObject | undefined {
  let current: JsonValue | undefined = root;
  for (const k of name.split('.')) {
    if (Array.isArray(current)) current = current[Number(k)];
    else if (isObject(current)) current = Object.hasOwn(current, k) ? current[k] : undefined;
    else return undefined;
  }
  return isObject(current) ? current : undefined;
}

/** A deep copy of the manifest where `transform` replaces the visual reference at each given name. */
export function mapVisualReferences(
  manifest: JsonObject,
  names: string[],
  transform: (reference: JsonObject, name: string) => JsonObject,
): JsonObject {
  const copy = structuredClone(manifest);
  for (const name of names) {
    const parentPath = name.split('.');
    const last = parentPath.pop()!;
    const parent = parentPath.length ? objectAt(copy, parentPath.join('.')) : copy;
    const reference = objectAt(copy, name);
    if (!parent || !reference) throw new Error(`manifest has no visual reference at ${name}`);
    parent[last] = transform(reference, name);
  }
  return copy;
}

/** The original visual object from its reference and bytes: the inverse of extraction's replacement. */
export function restoreVisual(reference: JsonObject, bytes: Buffer): JsonObject {
  const restored: JsonObject = {};
  for (const [k, v] of Object.entries(reference)) {
    if (!RESERVED.has(k)) setField(restored, k, v);
  }
  const original = reference[ORIGINAL_FIELD];
  if (isObject(original)) for (const [k, v] of Object.entries(original)) setField(restored, k, v);
  setField(restored, 'image_base64', bytes.toString('base64'));
  return restored;
}

/**
 * The original document from a manifest and the bytes of its visuals (by name). Each visual's bytes are
 * checked against the sha256 recorded in its reference.
 */
export function rehydrate(
  manifest: JsonObject,
  visuals: VisualDetail[],
  bytesByName: Map<string, Buffer>,
): JsonObject {
  return mapVisualReferences(
    manifest,
    visuals.map((v) => v.name),
    (reference, name) => {
      const bytes = bytesByName.get(name);
      if (!bytes) throw new Error(`missing bytes of visual ${name}`);
      if (sha256Hex(bytes) !== reference.sha256) throw new Error(`visual ${name} does not match its sha256`);
      return restoreVisual(reference, bytes);
    },
  );
}

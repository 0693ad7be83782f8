/**
 * The custom metadata the store function writes on a manifest (docs/design.md, "Objects in the bucket"): what
 * the row needs that the bytes do not say — the artifact's metadata fields, the materialization decision,
 * the expiry — and, when they fit, what the row would otherwise have to walk the document for (its visual
 * details and component count), computed once by the store. GCS custom metadata values are strings (and
 * 8 KiB in all), so structured values are JSON-encoded, and the optional ones left out when too large.
 */
import { z } from 'zod';
import { MetadataScalar, RecordedMetadataFields } from './artifact-metadata';
import { VisualDetail } from './artifact-row';
import { MaterializationDecision } from './materialization';
import type { ArtifactKey } from './paths';

export const MANIFEST_FORMAT = 'artifact-store/1';
/** Room left for the carried visual details (GCS allows 8 KiB of custom metadata in all). */
const CARRIED_BUDGET = 6 * 1024;

export const ManifestMetadata = RecordedMetadataFields.extend({
  artifact_id: z.string(),
  artifact_type: z.string(),
  tenant_id: z.string(),
  /** sha256 (hex) of the manifest bytes. */
  sha256: z.string(),
  /**
   * sha256 of the content: the manifest as version 1 would hold it (visuals at their version-1 paths); equal
   * documents have equal content hashes whichever version stores them. Absent on manifests from before
   * versions, whose sha256 is that hash.
   */
  content_sha256: z.string().optional(),
  /** The request metadata's extra scalar fields. */
  extra: z.record(z.string(), MetadataScalar).default({}),
  materialization: MaterializationDecision,
  /** RFC 3339, or null when kept until deleted. */
  expires_at: z.string().nullable().default(null),
  /** The version this manifest is (docs/design.md, "Versions"); manifests written before versions are 1. */
  version: z.int().min(1).default(1),
  /** Aliases the request asked to point at this version. */
  aliases: z.array(z.string()).default([]),
  /** The Pub/Sub message that created this version (the status route answers a producer by it). */
  message_id: z.string().nullable().default(null),
  /** The parents this version was made from, their versions resolved when the store wrote it. */
  derived_from: z.array(z.object({ artifact_id: z.string(), version: z.int().nullable() })).default([]),
  /** Carried when they fit; else the reader walks the manifest for them. */
  visuals: z.array(VisualDetail).optional(),
  component_count: z.int().min(0).optional(),
});
export type ManifestMetadata = z.input<typeof ManifestMetadata>;
export type DecodedManifestMetadata = z.output<typeof ManifestMetadata>;

/** Fields stored as JSON text. */
const JSON_FIELDS = new Set([
  'extra',
  'materialization',
  'visuals',
  'component_count',
  'version',
  'aliases',
  'derived_from',
]);

export function encodeManifestMetadata(m: ManifestMetadata): Record<string, string> {
  const out: Record<string, string> = { format: MANIFEST_FORMAT };
  for (const [key, value] of Object.entries(m)) {
    if (value === null || value === undefined || key === 'visuals') continue;
    if (key === 'extra' && Object.keys(value as object).length === 0) continue;
    if ((key === 'aliases' || key === 'derived_from') && (value as unknown[]).length === 0) continue;
    if (key === 'version' && value === 1) continue; // version 1's manifest is what it always was
    out[key] = JSON_FIELDS.has(key) ? JSON.stringify(value) : String(value);
  }
  if (m.visuals) {
    const visuals = JSON.stringify(m.visuals);
    const used = Object.entries(out).reduce((n, [k, v]) => n + k.length + v.length, 0);
    if (used + visuals.length <= CARRIED_BUDGET) out.visuals = visuals;
    else delete out.component_count; // carried together or not at all
  }
  return out;
}

/** The manifest metadata, or null when the object was not written by this store (wrong format or key). */
export function decodeManifestMetadata(
  raw: Record<string, string>,
  key: ArtifactKey,
): DecodedManifestMetadata | null {
  if (raw.format !== MANIFEST_FORMAT) return null;
  const candidate: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(raw)) {
    if (k === 'format') continue;
    if (!JSON_FIELDS.has(k)) {
      candidate[k] = v;
      continue;
    }
    try {
      candidate[k] = JSON.parse(v);
    } catch {
      if (k === 'extra') continue; // unreadable extras read as none: they are informational
      return null;
    }
  }
  const result = ManifestMetadata.safeParse(candidate);
  if (!result.success) return null;
  const m = result.data;
  if (
    m.artifact_id !== key.artifact_id ||
    m.artifact_type !== key.artifact_type ||
    m.tenant_id !== key.tenant_id
  ) {
    return null;
  }
  return m;
}

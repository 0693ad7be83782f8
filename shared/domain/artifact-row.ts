/**
 * The metadata row of an artifact in Supabase `project_files` (docs/design.md, "The row"), as zod schemas:
 * the adapter parses every row it reads with them, the API's envelope is built on them, and the types are
 * derived from them.
 */
import { z } from 'zod';
import { MetadataScalar, RecordedMetadataFields } from './artifact-metadata';
import { IMAGE_TYPES, type ImageFormat } from './image-format';
import { MaterializationDecision } from './materialization';

const FORMATS = Object.keys(IMAGE_TYPES) as [ImageFormat, ...ImageFormat[]];
const CONTENT_TYPES = Object.values(IMAGE_TYPES).map((t) => t.contentType) as [string, ...string[]];

/** One visual: its name (dot path), where its bytes are stored, their type, size and sha256. */
export const VisualDetail = z.object({
  /** Dot path of keys from the document root, e.g. `components.current_state.chart_visual`. */
  name: z.string(),
  storage_path: z.string(),
  content_type: z.enum(CONTENT_TYPES),
  format: z.enum(FORMATS),
  size: z.int().min(0),
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
});
export type VisualDetail = z.infer<typeof VisualDetail>;

/** int64 as a decimal string (GCS generations); older rows may hold a JSON number. */
const Int64String = z
  .union([z.string(), z.int()])
  .transform(String)
  .pipe(z.string().regex(/^\d{1,19}$/));

export const ArtifactRowMetadata = RecordedMetadataFields.extend({
  /** The version of this metadata (rows recorded before versions existed are version 1). */
  version: z.int().min(1).default(1),
  component_count: z.int().min(0),
  has_visuals: z.boolean(),
  visual_paths: z.array(z.string()),
  visuals: z.array(VisualDetail),
  materialization: MaterializationDecision,
  bucket: z.string(),
  generation: Int64String.describe('GCS generation of the manifest (int64 as a decimal string).'),
  extra: z
    .record(z.string(), MetadataScalar)
    .default({})
    .describe("Extra scalar fields of the store request's metadata."),
  message_id: z.string().nullable().default(null).describe('The Pub/Sub message that created this version.'),
});
export type ArtifactRowMetadata = z.infer<typeof ArtifactRowMetadata>;

/** A row as the SQL functions return it (to_jsonb of project_files). */
export const ArtifactRow = z.object({
  uuid: z.string(),
  tenant_id: z.string(),
  user_id: z.string().nullable(),
  ui_name: z
    .string()
    .nullable()
    .transform((v) => v ?? ''),
  artifact_type: z.string(),
  file_path: z.string(),
  file_type: z.literal('artifact'),
  mime_type: z.literal('application/json'),
  file_size: z.union([z.int(), z.string().regex(/^\d+$/).transform(Number)]),
  file_hash: z
    .string()
    .nullable()
    .transform((v) => v ?? ''),
  status: z.string(),
  created_at: z.string(),
  updated_at: z.string(),
  expires_at: z.string().nullable(),
  deleted: z.boolean(),
  metadata: ArtifactRowMetadata,
  /** The version this row describes (reads of an older version describe it), the latest, and its aliases. */
  version: z.int().min(1).default(1),
  latest_version: z.int().min(1).default(1),
  aliases: z.array(z.string()).default([]),
});
export type ArtifactRow = z.infer<typeof ArtifactRow>;

/** What `record` needs: everything the row holds that is not set by the database. */
export interface ArtifactRowInput {
  uuid: string;
  tenant_id: string;
  artifact_type: string;
  user_id: string | null;
  ui_name: string;
  file_path: string;
  file_size: number;
  file_hash: string;
  /** int64 as a decimal string. */
  generation: string;
  expires_at: string | null;
  metadata: z.input<typeof ArtifactRowMetadata>;
  /** The version this manifest is (default 1). */
  version?: number;
  /** Aliases the request asked to point at this version. */
  aliases?: string[];
  /** The parents this version was made from (the version resolved when the request gave none). */
  derived_from?: Array<{ artifact_id: string; version: number | null }>;
}

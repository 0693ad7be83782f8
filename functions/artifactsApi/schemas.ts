/**
 * The API's contract as zod schemas: the handlers validate with them, and docs/openapi.json is generated
 * from them, so the two cannot drift apart.
 */
import { z } from 'zod';
import { VISUAL_NAME_RE } from '../../shared/paths';
import { ArtifactTypeName, TenantId } from '../../shared/store-request';

export const ArtifactIdParam = z.uuid().transform((id) => id.toLowerCase());
export const VisualNameParam = z.string().max(512).regex(VISUAL_NAME_RE, 'a visual name (dot path of keys)');

const Filter = z.string().min(1).max(200);

export const ListQuery = z.strictObject({
  artifact_type: ArtifactTypeName.optional(),
  execution_id: Filter.optional(),
  session_id: Filter.optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
  cursor: z.string().min(1).max(1000).optional(),
  tenant_id: TenantId.optional(),
});
export type ListQuery = z.infer<typeof ListQuery>;

export const GetQuery = z.strictObject({
  visuals: z.enum(['reference', 'inline']).default('reference'),
  tenant_id: TenantId.optional(),
});

export const TenantOnlyQuery = z.strictObject({ tenant_id: TenantId.optional() });

export const Materialization = z.object({
  mode: z.enum(['persist', 'ephemeral']),
  source: z.enum(['default', 'rule', 'override']),
  rule_index: z.int().nullable(),
  retention_days: z.int().nullable(),
  reason: z.string().nullable(),
});

export const VisualDetail = z.object({
  name: z.string(),
  storage_path: z.string(),
  content_type: z.string(),
  format: z.string(),
  size: z.int(),
  sha256: z.string(),
});

export const RowMetadata = z.object({
  execution_id: z.string().nullable(),
  session_id: z.string().nullable(),
  user_id: z.string().nullable(),
  component_count: z.int(),
  has_visuals: z.boolean(),
  visual_paths: z.array(z.string()),
  visuals: z.array(VisualDetail),
  materialization: Materialization,
  bucket: z.string(),
  generation: z.string(),
  extra: z.record(z.string(), z.union([z.string(), z.number(), z.boolean(), z.null()])),
});

export const ArtifactSummary = z.object({
  artifact_id: z.uuid(),
  artifact_type: z.string(),
  tenant_id: z.string(),
  ui_name: z.string(),
  status: z.string(),
  created_at: z.string(),
  updated_at: z.string(),
  expires_at: z.string().nullable(),
  file_path: z.string(),
  file_size: z.int(),
  file_hash: z.string(),
  metadata: RowMetadata,
});

export const ArtifactEnvelope = ArtifactSummary.extend({
  artifact: z.record(z.string(), z.unknown()),
});

export const ListResponse = z.object({
  items: z.array(ArtifactSummary),
  next_cursor: z.string().nullable(),
});

export const ProblemSchema = z.object({
  type: z.string(),
  title: z.string(),
  status: z.int(),
  detail: z.string(),
  request_id: z.string().optional(),
});

export type ArtifactSummary = z.infer<typeof ArtifactSummary>;
export type ArtifactEnvelope = z.infer<typeof ArtifactEnvelope>;
export type ListResponse = z.infer<typeof ListResponse>;

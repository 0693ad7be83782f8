/**
 * The API's contract as zod schemas: the handlers validate requests with them, the responses are typed by
 * them, and the OpenAPI document (openapi.ts, docs/openapi.json) is generated from them, so the three cannot
 * drift apart. Schemas registered in `components` become `#/components/schemas/{id}` in the document;
 * descriptions (`.describe()`) end up there too.
 */
import { z } from 'zod';
import { IMAGE_TYPES } from '../../shared/image-format';
import { VISUAL_NAME_MAX, VISUAL_NAME_RE } from '../../shared/paths';
import { ArtifactTypeName, TenantId } from '../../shared/store-request';

/** The named schemas of the OpenAPI document. */
export const components = z.registry<{ id: string }>();

function component<S extends z.ZodType>(id: string, description: string, schema: S): S {
  const described = schema.describe(description);
  components.add(described, { id });
  return described;
}

// ---- Parameters -------------------------------------------------------------------------------------------

export const ArtifactIdParam = z
  .uuid()
  .transform((id) => id.toLowerCase())
  .describe('The artifact id (a UUID; any case).');

export const VisualNameParam = z
  .string()
  .max(VISUAL_NAME_MAX)
  .regex(VISUAL_NAME_RE, 'a visual name (dot path of keys)')
  .describe(
    'The visual name: the dot path of keys from the document root, e.g. `components.current_state.chart_visual`.',
  );

const Filter = z.string().min(1).max(200);

export const TenantIdParam = TenantId.describe(
  'Only with a `service_role` token, which must name the tenant it acts for; any other token is refused with 400.',
);

/** A positive decimal integer, strictly: no sign, exponent, hex or spaces. */
const Limit = z
  .string()
  .regex(/^[0-9]{1,4}$/, 'an integer from 1 to 200')
  .transform(Number)
  .pipe(z.int().min(1).max(200))
  .default(50)
  .describe('Page size, 1 to 200.');

export const ListQuery = z.strictObject({
  artifact_type: ArtifactTypeName.optional().describe('Only artifacts of this type.'),
  execution_id: Filter.optional().describe('Only artifacts whose metadata has this `execution_id`.'),
  session_id: Filter.optional().describe('Only artifacts whose metadata has this `session_id`.'),
  limit: Limit,
  cursor: z
    .string()
    .min(1)
    .max(1000)
    .optional()
    .describe(
      'The `next_cursor` of the previous page, as given: opaque, and valid only for the same tenant and filters.',
    ),
  tenant_id: TenantIdParam.optional(),
});
export type ListQuery = z.infer<typeof ListQuery>;

export const GetQuery = z.strictObject({
  visuals: z
    .enum(['reference', 'inline'])
    .default('reference')
    .describe(
      '`reference` (default): each visual is a reference with a `url`. `inline`: each visual gets its `image_base64` back, so the document is exactly the one that was published.',
    ),
  tenant_id: TenantIdParam.optional(),
});

export const TenantOnlyQuery = z.strictObject({ tenant_id: TenantIdParam.optional() });

// ---- Responses --------------------------------------------------------------------------------------------

const Timestamp = z.iso.datetime({ offset: true });

export const Materialization = component(
  'Materialization',
  'The materialization decision that kept this artifact: which mode, from the default, a rule or the request override.',
  z.object({
    mode: z.enum(['persist', 'ephemeral']),
    source: z.enum(['default', 'rule', 'override']),
    rule_index: z.int().nullable(),
    retention_days: z.int().nullable(),
    reason: z.string().nullable(),
  }),
);

export const VisualDetail = component(
  'VisualDetail',
  'One visual of the artifact: its name (dot path), where its bytes are stored, their type, size and sha256.',
  z.object({
    name: z.string(),
    storage_path: z.string(),
    content_type: z.enum(Object.values(IMAGE_TYPES).map((t) => t.contentType) as [string, ...string[]]),
    format: z.enum(Object.keys(IMAGE_TYPES) as [string, ...string[]]),
    size: z.int().min(0),
    sha256: z.string().regex(/^[0-9a-f]{64}$/),
  }),
);

export const RowMetadata = component(
  'ArtifactMetadata',
  'What the store recorded about the artifact besides its envelope fields.',
  z.object({
    execution_id: z.string().nullable(),
    session_id: z.string().nullable(),
    user_id: z.string().nullable(),
    component_count: z.int().min(0),
    has_visuals: z.boolean(),
    visual_paths: z.array(z.string()),
    visuals: z.array(VisualDetail),
    materialization: Materialization,
    bucket: z.string(),
    generation: z.string().describe('GCS generation of the manifest (int64 as a decimal string).'),
    extra: z
      .record(z.string(), z.union([z.string(), z.number(), z.boolean(), z.null()]))
      .describe("Extra scalar fields of the store request's metadata."),
  }),
);

export const ArtifactSummary = component(
  'ArtifactSummary',
  'The envelope of an artifact, without the document: what a list returns.',
  z.object({
    artifact_id: z.uuid(),
    artifact_type: z.string(),
    tenant_id: z.string(),
    ui_name: z.string(),
    status: z.string(),
    created_at: Timestamp,
    updated_at: Timestamp,
    expires_at: Timestamp.nullable().describe(
      'When the artifact stops being served; null: kept until deleted.',
    ),
    file_path: z.string().describe('Object name of the manifest in the bucket.'),
    file_size: z.int().min(0),
    file_hash: z.string().describe('sha256 (hex) of the manifest.'),
    metadata: RowMetadata,
  }),
);

export const ArtifactEnvelope = component(
  'Artifact',
  'The envelope and the artifact document. Each visual (`*_visual` object) is a reference with `storage_path`, `content_type`, `format`, `size`, `sha256` and `url`; with `?visuals=inline` it is the original object with its `image_base64`.',
  ArtifactSummary.extend({
    artifact: z.record(z.string(), z.unknown()).describe('The artifact document.'),
  }),
);

export const ListResponse = component(
  'ArtifactList',
  "One page of the tenant's artifacts, newest first.",
  z.object({
    items: z.array(ArtifactSummary),
    next_cursor: z
      .string()
      .nullable()
      .describe('Pass as `cursor` to get the next page; null on the last page.'),
  }),
);

export const ProblemSchema = component(
  'Problem',
  'An RFC 9457 problem (`application/problem+json`). `type` is a stable URN per kind of problem.',
  z.object({
    type: z.string().regex(/^urn:artifact-store:problem:[a-z_]+$/),
    title: z.string(),
    status: z.int().min(400).max(599),
    detail: z.string().describe('What went wrong, for a human; never echoes a token.'),
    request_id: z.string().describe('The X-Request-Id of the request, to quote when reporting a problem.'),
  }),
);

export type ArtifactSummary = z.infer<typeof ArtifactSummary>;
export type ArtifactEnvelope = z.infer<typeof ArtifactEnvelope>;
export type ListResponse = z.infer<typeof ListResponse>;
export type Problem = z.infer<typeof ProblemSchema>;

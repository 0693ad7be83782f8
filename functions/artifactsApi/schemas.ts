/**
 * The API's contract as zod schemas: the handlers validate requests with them, the responses are typed by
 * them, and the OpenAPI document (openapi.ts, docs/openapi.json) is generated from them, so the three cannot
 * drift apart. Schemas registered in `components` become `#/components/schemas/{id}` in the document;
 * descriptions (`.describe()`) end up there too.
 */
import { z } from 'zod';
import { ArtifactRowMetadata, VisualDetail as VisualDetailSchema } from '../../shared/domain/artifact-row';
import { MaterializationDecision } from '../../shared/domain/materialization';
import {
  ALIAS_RE,
  AliasName,
  ArtifactTypeName,
  TenantId,
  VISUAL_NAME_MAX,
  VISUAL_NAME_RE,
} from '../../shared/domain/names';

/** The named schemas of the OpenAPI document. */
export const components = z.registry<{ id: string }>();

/**
 * Registers `schema` itself (not a described copy), so that every schema nesting it — the storage module's
 * row schema nests the decision and visual schemas — refers to the component.
 */
function component<S extends z.ZodType>(id: string, description: string, schema: S): S {
  components.add(schema, { id });
  z.globalRegistry.add(schema, { ...z.globalRegistry.get(schema), description });
  return schema;
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

export const AliasParam = AliasName.describe(
  'An alias: lower-case letters, digits, `_` and `-`, starting with a letter, at most 40. `latest` is implicit (always the newest version): it cannot be set or removed.',
);

/** The path parameters of the route table, by the name their templates use: schema, component id, label. */
export const PATH_PARAMS = {
  id: { schema: ArtifactIdParam, component: 'ArtifactId', label: 'artifact id' },
  name: { schema: VisualNameParam, component: 'VisualName', label: 'visual name' },
  alias: { schema: AliasParam, component: 'AliasName', label: 'alias' },
} as const;
export type PathParamName = keyof typeof PATH_PARAMS;

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

const Cursor = (what: string) =>
  z
    .string()
    .min(1)
    .max(1000)
    .optional()
    .describe(`The \`next_cursor\` of the previous page, as given: ${what}`);

export const ListQuery = z.strictObject({
  artifact_type: ArtifactTypeName.optional().describe('Only artifacts of this type.'),
  execution_id: Filter.optional().describe('Only artifacts whose metadata has this `execution_id`.'),
  session_id: Filter.optional().describe('Only artifacts whose metadata has this `session_id`.'),
  derived_from: ArtifactIdParam.optional().describe(
    'Only the children of this artifact: artifacts with a version made from one of its versions.',
  ),
  limit: Limit,
  cursor: Cursor('opaque, and valid only for the same tenant and filters.'),
  tenant_id: TenantIdParam.optional(),
});
export type ListQuery = z.infer<typeof ListQuery>;

/** The largest version number (PostgreSQL `integer`). */
export const MAX_VERSION = 2_147_483_647;

/** A version number as a JSON value (request bodies). */
export const VersionNumber = z.int().min(1).max(MAX_VERSION);

/** A version number in the query: a positive decimal integer, strictly (no sign, zeros ahead, exponent). */
const VersionQuery = z
  .string()
  .regex(/^[1-9][0-9]{0,9}$/, 'a positive integer')
  .transform(Number)
  .pipe(VersionNumber)
  .describe('A version number (1, 2, 3, ... in commit order). At most one of `version` and `alias`.');

const AliasQuery = z
  .string()
  .regex(ALIAS_RE, 'an alias: lower-case letters, digits, _ and -, starting with a letter, at most 40')
  .describe(
    'The version an alias points at; `latest` is the newest version (the default). At most one of `version` and `alias`.',
  );

/** `version` and `alias` name one version: at most one of them. */
function oneVersion<S extends z.ZodType<{ version?: number | undefined; alias?: string | undefined }>>(
  schema: S,
): S {
  return schema.refine((q) => q.version === undefined || q.alias === undefined, {
    message: 'give version or alias, not both',
    path: ['alias'],
  }) as unknown as S;
}

export const GetQuery = oneVersion(
  z.strictObject({
    visuals: z
      .enum(['reference', 'inline'])
      .default('reference')
      .describe(
        '`reference` (default): each visual is a reference with a `url` (naming the version read). `inline`: each visual gets its `image_base64` back, so the document is exactly the one that was published.',
      ),
    version: VersionQuery.optional(),
    alias: AliasQuery.optional(),
    tenant_id: TenantIdParam.optional(),
  }),
);

export const VisualQuery = oneVersion(
  z.strictObject({
    version: VersionQuery.optional(),
    alias: AliasQuery.optional(),
    tenant_id: TenantIdParam.optional(),
  }),
);

export const VersionsQuery = z.strictObject({
  limit: Limit,
  cursor: Cursor('opaque, and valid only for the same tenant and artifact.'),
  tenant_id: TenantIdParam.optional(),
});

export const LineageQuery = z.strictObject({
  direction: z
    .enum(['up', 'down', 'both'])
    .default('both')
    .describe('`up`: what it was made from; `down`: what was made from it; `both` (default).'),
  depth: z
    .string()
    .regex(/^[1-5]$/, 'an integer from 1 to 5')
    .transform(Number)
    .default(1)
    .describe('How many edges to follow, 1 (default) to 5.'),
  tenant_id: TenantIdParam.optional(),
});

export const SetAliasBody = z
  .strictObject({
    version: VersionNumber.describe('The version the alias is to point at.'),
  })
  .describe('The version to point the alias at; no other field.');

export const TenantOnlyQuery = z.strictObject({ tenant_id: TenantIdParam.optional() });

export const StatusQuery = z.strictObject({
  message_id: z
    .string()
    .min(1)
    .max(200)
    .optional()
    .describe(
      "The Pub/Sub message id a publish returned: the answer is that message's own outcome (the version it created or its content already was, its refusal, or unknown until decided).",
    ),
  tenant_id: TenantIdParam.optional(),
});

// ---- Responses --------------------------------------------------------------------------------------------

const Timestamp = z.iso.datetime({ offset: true });

export const Materialization = component(
  'Materialization',
  'The materialization decision that kept this artifact: which mode, from the default, a rule or the request override.',
  MaterializationDecision,
);

export const VisualDetail = component(
  'VisualDetail',
  'One visual of the artifact: its name (dot path), where its bytes are stored, their type, size and sha256.',
  VisualDetailSchema,
);

export const RowMetadata = component(
  'ArtifactMetadata',
  "What the store recorded about the artifact besides its envelope fields: the request's metadata fields, its visuals, the materialization decision, where the manifest is, and the request metadata's extra scalars (`extra`).",
  ArtifactRowMetadata,
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
    version: VersionNumber.describe(
      'The version described here (its manifest, size, hash, expiry, metadata).',
    ),
    latest_version: VersionNumber.describe("The artifact's newest version."),
    aliases: z
      .array(z.string())
      .describe('The aliases pointing at this version, sorted (`latest` is implicit).'),
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

export const VersionSummary = component(
  'VersionSummary',
  'One version of an artifact: when it was stored, its manifest size and hash, expiry, the aliases pointing at it, and what the store recorded about it.',
  z.object({
    version: VersionNumber,
    created_at: Timestamp,
    file_size: z.int().min(0),
    file_hash: z.string().describe('sha256 (hex) of the manifest of this version.'),
    expires_at: Timestamp.nullable().describe(
      'When this version stops being served; null: kept until deleted.',
    ),
    aliases: z.array(z.string()).describe('The aliases pointing at this version, sorted.'),
    metadata: RowMetadata,
  }),
);

export const VersionList = component(
  'VersionList',
  'One page of the versions of an artifact, newest first.',
  z.object({
    items: z.array(VersionSummary),
    next_cursor: z
      .string()
      .nullable()
      .describe('Pass as `cursor` to get the next page; null on the last page.'),
  }),
);

export const AliasAssignment = component(
  'AliasAssignment',
  'An alias and the version it now points at.',
  z.object({ alias: z.string(), version: VersionNumber }),
);

export const StatusResponse = component(
  'ArtifactStatus',
  "What became of an artifact id, for the caller's tenant: `stored` (with its latest version), `rejected` (the store refused it; with the error code), `deleted`, or `unknown` (never seen, still on its way, or another tenant's: exactly alike).",
  z.discriminatedUnion('state', [
    z.object({ state: z.literal('stored'), version: VersionNumber }),
    z.object({
      state: z.literal('rejected'),
      error_code: z.string().describe('The stable error code of the refusal (e.g. `VERSION_CONFLICT`).'),
    }),
    z.object({ state: z.literal('deleted') }),
    z.object({ state: z.literal('unknown') }),
  ]),
);

const VersionRef = z.object({ artifact_id: z.uuid(), version: VersionNumber });

export const LineageResponse = component(
  'Lineage',
  "The artifact's lineage: its versions and the tenant's live artifact versions within `depth` edges, and the edges between them (from the version made to the version it was made from). Another tenant's, a deleted or a never-stored artifact is simply absent.",
  z.object({
    nodes: z.array(
      z.object({
        artifact_id: z.uuid(),
        artifact_type: z.string(),
        version: VersionNumber,
        ui_name: z.string().nullable(),
        created_at: Timestamp,
      }),
    ),
    edges: z.array(
      z.object({
        from: VersionRef.describe('The version that was made.'),
        to: VersionRef.describe('The version it was made from.'),
      }),
    ),
    truncated: z.boolean().describe('True when the graph was cut at 1,000 nodes.'),
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
export type VersionList = z.infer<typeof VersionList>;
export type AliasAssignment = z.infer<typeof AliasAssignment>;
export type StatusResponse = z.infer<typeof StatusResponse>;
export type LineageResponse = z.infer<typeof LineageResponse>;
export type Problem = z.infer<typeof ProblemSchema>;

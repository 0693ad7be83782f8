/**
 * Schemas of the known artifact types (docs/design.md, "Store request"), from the shapes the platform's orchestrators produce (the
 * seed plan's examples). Each is open to extra fields: it checks what the store and its readers rely on and
 * lets the rest through. Types not listed here are accepted as any JSON object.
 */
import { z } from 'zod';

/** Any JSON value, but present: the seed always sends the field, and never says what shape it has. */
const present = z.unknown().refine((v) => v !== undefined, 'is required');
const object = z.looseObject({});

/** A reference to embeddings kept in ArangoDB (hybrid_embeddings components). */
export const ArangoReference = z.looseObject({
  storage: z.literal('arango'),
  collection: z.string().min(1).max(256),
  query: z.record(z.string(), z.unknown()),
});

/**
 * Each schema requires what the store relies on and what the seed's orchestrators always send; a value whose
 * shape the seed leaves open (`synthesis`, `roadmap`, `sop_id`, ...) accepts any JSON, null included.
 */
export const ARTIFACT_TYPE_SCHEMAS = {
  /** Journey / operations orchestrators: `{workflow, sop_id}`, optionally `workflow_visual`. */
  workflow: z.looseObject({ workflow: present }),
  /** Journey orchestrator: `{sop, workflow_id}`, optionally `sop_visual`. */
  sop: z.looseObject({ sop: present }),
  /** Journey orchestrator: the blueprint as built, a composite whose `components` are counted on the row. */
  blueprint: z.looseObject({ components: z.union([object, z.array(z.unknown())]) }),
  /** Outcomes orchestrator: `{synthesis, content_summary, insights_summary, journey_summary}`. */
  solution: z.looseObject({ synthesis: present }),
  /** Outcomes orchestrator: `{roadmap, roadmap_id, strategic_plan}`, optionally `roadmap_visual`. */
  roadmap: z.looseObject({ roadmap: present }),
  /** Outcomes orchestrator: the proof of concept, whose shape the seed does not give. */
  poc: object,
  /** Content realm: the correlation map, with the embeddings themselves referenced in ArangoDB. */
  hybrid_embeddings: z.looseObject({
    file_id: z.string().min(1).max(256),
    correlation_map: object,
    components: z.looseObject({ structured: ArangoReference, unstructured: ArangoReference }),
  }),
} as const;

export type KnownArtifactType = keyof typeof ARTIFACT_TYPE_SCHEMAS;
export const KNOWN_ARTIFACT_TYPES = Object.keys(ARTIFACT_TYPE_SCHEMAS) as KnownArtifactType[];

export function isKnownArtifactType(type: string): type is KnownArtifactType {
  return Object.hasOwn(ARTIFACT_TYPE_SCHEMAS, type);
}

/** The schema an artifact of `type` must satisfy (any object for types without their own schema). */
export function artifactSchemaFor(type: string): z.ZodType<Record<string, unknown>> {
  return isKnownArtifactType(type) ? ARTIFACT_TYPE_SCHEMAS[type] : z.record(z.string(), z.unknown());
}

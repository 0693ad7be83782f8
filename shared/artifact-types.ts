/**
 * Schemas of the known artifact types (DESIGN 2), from the shapes the platform's orchestrators produce (the
 * seed plan's examples). Each is open to extra fields: it checks what the store and its readers rely on and
 * lets the rest through. Types not listed here are accepted as any JSON object.
 */
import { z } from 'zod';

const obj = z.looseObject({});
const text = z.string().max(10_000);

/** A reference to embeddings kept in ArangoDB (hybrid_embeddings components). */
export const ArangoReference = z.looseObject({
  storage: z.literal('arango'),
  collection: z.string().min(1).max(256),
  query: z.record(z.string(), z.unknown()),
});

export const ARTIFACT_TYPE_SCHEMAS = {
  /** Journey / operations orchestrators: the workflow, its SOP link, optionally `workflow_visual`. */
  workflow: z.looseObject({ workflow: obj, sop_id: text.optional(), workflow_file_path: text.optional() }),
  /** Journey orchestrator: the SOP, its workflow link, optionally `sop_visual`. */
  sop: z.looseObject({ sop: obj, workflow_id: text.optional() }),
  /** Journey orchestrator: a composite of components (current state, coexistence state, ...). */
  blueprint: z.looseObject({
    blueprint_id: text.optional(),
    components: z
      .record(z.string(), obj)
      .refine((c) => Object.keys(c).length > 0, 'needs at least one component'),
  }),
  /** Outcomes orchestrator: the synthesis and its summaries, optionally `summary_visual`. */
  solution: z.looseObject({
    synthesis: obj,
    content_summary: z.unknown().optional(),
    insights_summary: z.unknown().optional(),
    journey_summary: z.unknown().optional(),
  }),
  /** Outcomes orchestrator: the multi-phase roadmap, optionally `roadmap_visual`. */
  roadmap: z.looseObject({
    roadmap: obj,
    roadmap_id: text.optional(),
    strategic_plan: z.unknown().optional(),
  }),
  /** Outcomes orchestrator: the proof of concept. */
  poc: z.looseObject({ poc: obj }),
  /** Content realm: the correlation map, with the embeddings themselves referenced in ArangoDB. */
  hybrid_embeddings: z.looseObject({
    file_id: z.string().min(1).max(256),
    correlation_map: obj,
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

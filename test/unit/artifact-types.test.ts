import { describe, expect, it } from 'vitest';
import {
  ARTIFACT_TYPE_SCHEMAS,
  artifactSchemaFor,
  isKnownArtifactType,
  KNOWN_ARTIFACT_TYPES,
  type KnownArtifactType,
} from '../../shared/domain/artifact-types';
import { PermanentError } from '../../shared/domain/errors';
import { parseArtifact } from '../../shared/domain/store-request';

const PNG_B64 =
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==';

/** Realistic documents, shaped as the seed plan's orchestrators build them. */
const SEED_EXAMPLES: Record<KnownArtifactType, Record<string, unknown>> = {
  // Journey orchestrator, _handle_create_workflow
  workflow: {
    workflow: { id: 'wf-1', name: 'Claims intake', steps: [{ id: 's1', name: 'Receive claim' }] },
    sop_id: 'sop-1',
    workflow_visual: { image_base64: PNG_B64, storage_path: 'visuals/acme/workflows/wf-1.png' },
  },
  // Journey orchestrator, _handle_generate_sop
  sop: {
    sop: { title: 'Claims intake SOP', sections: [{ heading: 'Purpose', body: '...' }] },
    workflow_id: 'wf-1',
    sop_visual: { image_base64: PNG_B64 },
  },
  // Journey orchestrator, _handle_create_blueprint: a composite of 4 components
  blueprint: {
    blueprint_id: 'bp-1',
    components: {
      current_state: { description: 'as is', current_state_chart_visual: { image_base64: PNG_B64 } },
      coexistence_state: {
        description: 'coexistence',
        coexistence_state_chart_visual: { image_base64: PNG_B64 },
      },
      target_state: { description: 'to be' },
      migration_plan: { phases: ['one', 'two'] },
    },
  },
  // Outcomes orchestrator, _handle_synthesize_outcome
  solution: {
    synthesis: { headline: 'Automate intake', confidence: 0.82 },
    content_summary: { files: 3 },
    insights_summary: 'Most claims are simple.',
    journey_summary: { workflows: 1, sops: 1 },
    summary_visual: { image_base64: PNG_B64 },
  },
  // Outcomes orchestrator, _handle_generate_roadmap
  roadmap: {
    roadmap: {
      phases: [
        { name: 'Pilot', weeks: 4 },
        { name: 'Rollout', weeks: 8 },
      ],
    },
    roadmap_id: 'rm-1',
    strategic_plan: { goals: ['reduce cycle time'] },
    roadmap_visual: { image_base64: PNG_B64 },
  },
  // Outcomes orchestrator, _handle_create_poc
  poc: { poc: { title: 'Intake bot', scope: ['email'], success_criteria: ['80% auto-triage'] } },
  // Content realm, store_hybrid_embeddings
  hybrid_embeddings: {
    file_id: 'file-1',
    correlation_map: { 'column:amount': ['paragraph:3'], confidence: 0.9 },
    components: {
      structured: {
        storage: 'arango',
        collection: 'embeddings',
        query: { hybrid_file_id: 'file-1', hybrid_part_type: 'structured' },
      },
      unstructured: {
        storage: 'arango',
        collection: 'embeddings',
        query: { hybrid_file_id: 'file-1', hybrid_part_type: 'unstructured' },
      },
    },
  },
};

function code(type: string, doc: unknown): string | null {
  try {
    parseArtifact(type, doc);
    return null;
  } catch (err) {
    expect(err).toBeInstanceOf(PermanentError);
    return (err as PermanentError).code;
  }
}

describe('known artifact types', () => {
  it('are exactly the seven of docs/design.md, "Store request"', () => {
    expect([...KNOWN_ARTIFACT_TYPES].sort()).toEqual(
      ['blueprint', 'hybrid_embeddings', 'poc', 'roadmap', 'solution', 'sop', 'workflow'].sort(),
    );
    for (const t of KNOWN_ARTIFACT_TYPES) expect(isKnownArtifactType(t)).toBe(true);
  });

  it('names inherited from Object.prototype are not known types', () => {
    for (const t of ['constructor', 'toString', '__proto__', 'hasOwnProperty', 'valueOf']) {
      expect(isKnownArtifactType(t)).toBe(false);
      expect(artifactSchemaFor(t).safeParse({ anything: 1 }).success).toBe(true);
    }
  });

  it.each(KNOWN_ARTIFACT_TYPES)('%s accepts the seed example', (type) => {
    const doc = SEED_EXAMPLES[type];
    expect(ARTIFACT_TYPE_SCHEMAS[type].safeParse(doc).success).toBe(true);
    expect(parseArtifact(type, doc)).toBe(doc);
  });

  it.each(KNOWN_ARTIFACT_TYPES)('%s accepts extra fields and keeps them', (type) => {
    const doc = { ...SEED_EXAMPLES[type], artifact_id: 'x', produced_by: { agent: 'journey' }, tags: ['a'] };
    const result = artifactSchemaFor(type).safeParse(doc);
    expect(result.success).toBe(true);
    expect(result.data).toMatchObject({ produced_by: { agent: 'journey' }, tags: ['a'] });
  });

  it.each<[KnownArtifactType, string]>([
    ['workflow', 'workflow'],
    ['sop', 'sop'],
    ['blueprint', 'components'],
    ['solution', 'synthesis'],
    ['roadmap', 'roadmap'],
    ['hybrid_embeddings', 'correlation_map'],
    ['hybrid_embeddings', 'file_id'],
    ['hybrid_embeddings', 'components'],
  ])('%s without %s is refused with INVALID_ARTIFACT', (type, field) => {
    const { [field]: _removed, ...doc } = SEED_EXAMPLES[type];
    expect(code(type, doc)).toBe('INVALID_ARTIFACT');
  });

  it.each(KNOWN_ARTIFACT_TYPES)('%s refuses non-objects', (type) => {
    for (const doc of [null, [], 'text', 1]) expect(code(type, doc)).toBe('INVALID_ARTIFACT');
  });

  it.each(KNOWN_ARTIFACT_TYPES.filter((t) => t !== 'poc'))('%s refuses the empty object', (type) => {
    expect(code(type, {})).toBe('INVALID_ARTIFACT');
  });

  it('a poc is any object: the seed never shows its shape', () => {
    expect(code('poc', {})).toBeNull();
    expect(code('poc', { poc: 1, name: 'x' })).toBeNull();
  });

  it('values whose shape the seed leaves open accept any JSON, null included', () => {
    expect(code('workflow', { workflow: 'wf-1' })).toBeNull();
    expect(code('workflow', { workflow: ['step'], sop_id: null })).toBeNull();
    expect(code('workflow', { workflow: {}, sop_id: 12 })).toBeNull();
    expect(code('sop', { sop: null, workflow_id: { id: 1 } })).toBeNull();
    expect(code('solution', { synthesis: 'text', content_summary: null })).toBeNull();
    expect(code('roadmap', { roadmap: [], roadmap_id: null, strategic_plan: 'grow' })).toBeNull();
    expect(code('blueprint', { ...SEED_EXAMPLES.blueprint, blueprint_id: 5 })).toBeNull();
  });

  it('what the seed always gives a shape keeps it: a correlation map is an object', () => {
    expect(code('hybrid_embeddings', { ...SEED_EXAMPLES.hybrid_embeddings, correlation_map: [] })).toBe(
      'INVALID_ARTIFACT',
    );
  });

  it("a blueprint's components (counted on the row) are an object or an array", () => {
    expect(code('blueprint', { components: 'as is' })).toBe('INVALID_ARTIFACT');
    expect(code('blueprint', { components: null })).toBe('INVALID_ARTIFACT');
    expect(code('blueprint', { components: {} })).toBeNull();
    expect(code('blueprint', { components: { current_state: 'as is' } })).toBeNull();
    expect(code('blueprint', { components: [{ description: 'x' }] })).toBeNull();
  });

  it('hybrid_embeddings components reference ArangoDB', () => {
    const doc = SEED_EXAMPLES.hybrid_embeddings;
    const components = doc.components as Record<string, Record<string, unknown>>;
    const withStructured = (structured: unknown) => ({ ...doc, components: { ...components, structured } });
    expect(code('hybrid_embeddings', withStructured({ ...components.structured, storage: 'gcs' }))).toBe(
      'INVALID_ARTIFACT',
    );
    expect(code('hybrid_embeddings', withStructured({ ...components.structured, collection: '' }))).toBe(
      'INVALID_ARTIFACT',
    );
    expect(code('hybrid_embeddings', withStructured({ storage: 'arango', collection: 'embeddings' }))).toBe(
      'INVALID_ARTIFACT',
    );
    const { unstructured: _u, ...onlyStructured } = components;
    expect(code('hybrid_embeddings', { ...doc, components: onlyStructured })).toBe('INVALID_ARTIFACT');
    expect(code('hybrid_embeddings', { ...doc, file_id: '' })).toBe('INVALID_ARTIFACT');
    expect(
      code('hybrid_embeddings', withStructured({ ...components.structured, vector_dim: 768 })),
    ).toBeNull();
  });
});

describe('unknown artifact types', () => {
  it('accept any object', () => {
    const schema = artifactSchemaFor('meeting_notes');
    expect(isKnownArtifactType('meeting_notes')).toBe(false);
    for (const doc of [{}, { a: 1 }, { nested: { deep: [1, 2, { x: null }] } }, SEED_EXAMPLES.workflow]) {
      expect(schema.safeParse(doc).success).toBe(true);
    }
  });

  it('refuse anything that is not an object', () => {
    const schema = artifactSchemaFor('meeting_notes');
    for (const doc of [null, [], [1], 'x', 3, true, undefined])
      expect(schema.safeParse(doc).success).toBe(false);
  });
});

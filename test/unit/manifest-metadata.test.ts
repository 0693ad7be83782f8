import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  decodeManifestMetadata,
  encodeManifestMetadata,
  MANIFEST_FORMAT,
  type ManifestMetadata,
} from '../../shared/domain/manifest-metadata';
import type { ArtifactKey } from '../../shared/domain/paths';

const KEY: ArtifactKey = {
  artifact_type: 'workflow',
  tenant_id: 'acme',
  artifact_id: '2ed6657d-e927-568b-95e1-2665a8aea6a2',
};

const FULL: ManifestMetadata = {
  ...KEY,
  sha256: 'a'.repeat(64),
  user_id: 'user-1',
  ui_name: 'Claims intake workflow',
  execution_id: 'exec-1',
  session_id: 'sess-1',
  extra: { sop_id: 'sop-1', attempt: 2, draft: false, parent: null },
  materialization: {
    mode: 'persist',
    source: 'override',
    rule_index: null,
    retention_days: 30,
    reason: 'keep',
  },
  expires_at: '2026-12-05T12:00:00.000Z',
};

const MINIMAL: ManifestMetadata = {
  ...KEY,
  sha256: 'b'.repeat(64),
  user_id: null,
  ui_name: null,
  execution_id: null,
  session_id: null,
  extra: {},
  materialization: { mode: 'persist', source: 'rule', rule_index: 2, retention_days: null, reason: null },
  expires_at: null,
};

describe('encodeManifestMetadata', () => {
  it('gives GCS custom metadata: strings only, structured values as JSON', () => {
    const raw = encodeManifestMetadata(FULL);
    expect(raw).toEqual({
      format: MANIFEST_FORMAT,
      artifact_id: KEY.artifact_id,
      artifact_type: 'workflow',
      tenant_id: 'acme',
      sha256: 'a'.repeat(64),
      user_id: 'user-1',
      ui_name: 'Claims intake workflow',
      execution_id: 'exec-1',
      session_id: 'sess-1',
      extra: JSON.stringify(FULL.extra),
      materialization: JSON.stringify(FULL.materialization),
      expires_at: '2026-12-05T12:00:00.000Z',
    });
    for (const v of Object.values(raw)) expect(typeof v).toBe('string');
  });

  it('leaves out null fields and empty extras', () => {
    expect(Object.keys(encodeManifestMetadata(MINIMAL)).sort()).toEqual(
      ['artifact_id', 'artifact_type', 'format', 'materialization', 'sha256', 'tenant_id'].sort(),
    );
  });
});

describe('decodeManifestMetadata', () => {
  it('round-trips full and minimal metadata (version 1 and no aliases by default)', () => {
    expect(decodeManifestMetadata(encodeManifestMetadata(FULL), KEY)).toEqual({
      ...FULL,
      version: 1,
      aliases: [],
      derived_from: [],
      message_id: null,
    });
    expect(decodeManifestMetadata(encodeManifestMetadata(MINIMAL), KEY)).toEqual({
      ...MINIMAL,
      version: 1,
      aliases: [],
      derived_from: [],
      message_id: null,
    });
  });

  it('carries a version, its aliases and its content hash; version 1 writes no version field', () => {
    const v3 = {
      ...FULL,
      version: 3,
      aliases: ['prod', 'reviewed'],
      content_sha256: 'd'.repeat(64),
      derived_from: [{ artifact_id: KEY.artifact_id, version: 2 }],
      message_id: 'message-7',
    };
    const raw = encodeManifestMetadata(v3);
    expect(raw).toMatchObject({
      version: '3',
      aliases: '["prod","reviewed"]',
      content_sha256: 'd'.repeat(64),
    });
    expect(decodeManifestMetadata(raw, KEY)).toEqual(v3);
    expect(encodeManifestMetadata({ ...FULL, version: 1 })).not.toHaveProperty('version');
  });

  it('round-trips any metadata (property)', () => {
    const optional = fc.option(fc.string({ unit: 'binary', maxLength: 50 }), { nil: null });
    fc.assert(
      fc.property(
        optional,
        optional,
        optional,
        optional,
        fc.dictionary(
          fc.string({ maxLength: 10 }).filter((k) => k !== '__proto__'),
          fc.oneof(
            fc.string(),
            fc.double({ noNaN: true, noDefaultInfinity: true }).map((d) => (Object.is(d, -0) ? 0 : d)),
            fc.boolean(),
            fc.constant(null),
          ),
          { maxKeys: 5, noNullPrototype: true },
        ),
        fc.record({
          mode: fc.constantFrom('persist' as const, 'ephemeral' as const),
          source: fc.constantFrom('default' as const, 'rule' as const, 'override' as const),
          rule_index: fc.option(fc.nat(), { nil: null }),
          retention_days: fc.option(fc.integer({ min: 1, max: 36_500 }), { nil: null }),
          reason: fc.option(fc.string(), { nil: null }),
        }),
        fc.option(
          fc
            .date({ noInvalidDate: true, min: new Date('2000-01-01'), max: new Date('2200-01-01') })
            .map((d) => d.toISOString()),
          { nil: null },
        ),
        (user_id, ui_name, execution_id, session_id, extra, materialization, expires_at) => {
          const m: ManifestMetadata = {
            ...KEY,
            sha256: 'c'.repeat(64),
            user_id,
            ui_name,
            execution_id,
            session_id,
            extra,
            materialization,
            expires_at,
          };
          expect(decodeManifestMetadata(encodeManifestMetadata(m), KEY)).toEqual({
            ...m,
            version: 1,
            aliases: [],
            derived_from: [],
            message_id: null,
          });
        },
      ),
      { numRuns: 200 },
    );
  });

  it('refuses another format or none', () => {
    const raw = encodeManifestMetadata(FULL);
    expect(decodeManifestMetadata({ ...raw, format: 'artifact-store/2' }, KEY)).toBeNull();
    const { format: _f, ...noFormat } = raw;
    expect(decodeManifestMetadata(noFormat, KEY)).toBeNull();
    expect(decodeManifestMetadata({}, KEY)).toBeNull();
  });

  it('refuses metadata written for another key (id, type or tenant)', () => {
    const raw = encodeManifestMetadata(FULL);
    expect(
      decodeManifestMetadata(raw, { ...KEY, artifact_id: '6ba7b810-9dad-11d1-80b4-00c04fd430c8' }),
    ).toBeNull();
    expect(decodeManifestMetadata(raw, { ...KEY, artifact_type: 'sop' })).toBeNull();
    expect(decodeManifestMetadata(raw, { ...KEY, tenant_id: 'other' })).toBeNull();
    expect(decodeManifestMetadata({ ...raw, tenant_id: 'other' }, KEY)).toBeNull();
  });

  it('refuses metadata without a readable materialization or without sha256', () => {
    const raw = encodeManifestMetadata(FULL);
    expect(decodeManifestMetadata({ ...raw, materialization: '{not json' }, KEY)).toBeNull();
    expect(decodeManifestMetadata({ ...raw, materialization: 'null' }, KEY)).toBeNull();
    const { materialization: _m, ...noMaterialization } = raw;
    expect(decodeManifestMetadata(noMaterialization, KEY)).toBeNull();
    const { sha256: _s, ...noSha } = raw;
    expect(decodeManifestMetadata(noSha, KEY)).toBeNull();
  });

  it('reads unreadable extras as none rather than failing', () => {
    const raw = encodeManifestMetadata(FULL);
    expect(decodeManifestMetadata({ ...raw, extra: '{broken' }, KEY)?.extra).toEqual({});
  });
});

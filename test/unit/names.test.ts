/**
 * Every naming rule is written once (shared/domain/names.ts): the SQL of migrations/ must check artifact types
 * with the same pattern, so a change on one side cannot silently drift from the other.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  ALIAS_PATTERN,
  ARTIFACT_TYPE_PATTERN,
  ARTIFACT_TYPE_RE,
  TENANT_ID_RE,
} from '../../shared/domain/names';
import { parseArtifactObject } from '../../shared/domain/paths';

const MIGRATIONS = join(process.cwd(), 'migrations');
const sql = readdirSync(MIGRATIONS)
  .filter((f) => f.endsWith('.sql'))
  .map((f) => ({ file: f, text: readFileSync(join(MIGRATIONS, f), 'utf8') }));

describe('naming rules', () => {
  it('every artifact-type check in the SQL uses the pattern of names.ts', () => {
    const checks = sql.flatMap(({ file, text }) =>
      [...text.matchAll(/artifact_type\s*!?~\s*'([^']+)'/g)].map((m) => ({ file, pattern: m[1] })),
    );
    expect(checks.length).toBeGreaterThanOrEqual(5);
    for (const check of checks)
      expect(check, check.file).toMatchObject({ pattern: `^${ARTIFACT_TYPE_PATTERN}$` });
  });

  it('the SQL error messages quote the same patterns', () => {
    const quoted = (param: string) =>
      sql.flatMap(({ text }) =>
        [...text.matchAll(new RegExp(`${param} must match (\\^\\S+?\\$)(?=[, ])`, 'g'))].map((m) => m[1]),
      );
    expect(quoted('p_artifact_type').length).toBeGreaterThan(0);
    for (const q of quoted('p_artifact_type')) expect(q).toBe(`^${ARTIFACT_TYPE_PATTERN}$`);
    expect(quoted('p_alias').length).toBeGreaterThan(0);
    for (const q of quoted('p_alias')) expect(q).toBe(`^${ALIAS_PATTERN}$`);
  });

  it('every alias check in the SQL uses the alias pattern of names.ts', () => {
    const checks = sql.flatMap(({ text }) => [...text.matchAll(/alias\s*!?~\s*'([^']+)'/g)].map((m) => m[1]));
    expect(checks.length).toBeGreaterThanOrEqual(2);
    for (const check of checks) expect(check).toBe(`^${ALIAS_PATTERN}$`);
  });

  it('object names are parsed with the same rules the names are checked with', () => {
    const id = '3f1c2b1e-5d6a-4c7b-8e9f-0a1b2c3d4e5f';
    expect(parseArtifactObject(`artifacts/workflow/acme/${id}.json`)).toMatchObject({ kind: 'manifest' });
    expect(parseArtifactObject(`artifacts/workflow/acme/${id}/a_visual.png`)).toMatchObject({
      kind: 'member',
    });
    expect(parseArtifactObject(`artifacts/Work/acme/${id}.json`)).toBeNull();
    expect(ARTIFACT_TYPE_RE.test('Work')).toBe(false);
    expect(parseArtifactObject(`artifacts/workflow/-acme/${id}.json`)).toBeNull();
    expect(TENANT_ID_RE.test('-acme')).toBe(false);
    expect(parseArtifactObject(`artifacts/workflow/acme/${id.toUpperCase()}.json`)).toBeNull();
  });
});

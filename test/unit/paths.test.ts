import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { PermanentError } from '../../shared/domain/errors';
import {
  type ArtifactKey,
  assertArtifactKey,
  isVisualName,
  manifestPath,
  parseManifestPath,
  quarantinePath,
  stagingPath,
  visualPath,
  visualsPrefix,
} from '../../shared/domain/paths';

const ID = '2ed6657d-e927-568b-95e1-2665a8aea6a2';
const KEY: ArtifactKey = { artifact_type: 'workflow', tenant_id: 'acme-1', artifact_id: ID };

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (err) {
    if (err instanceof PermanentError) return err.code;
    throw err;
  }
  return undefined;
}

/** The invariant every object name built from message data must satisfy. */
function expectSafeUnder(path: string, prefix: string): void {
  expect(path.startsWith(prefix)).toBe(true);
  expect(path).not.toContain('..');
  expect(path).not.toContain('//');
  expect(path).not.toContain('\\');
  expect(path).not.toContain('\0');
  expect(path.startsWith('/')).toBe(false);
}

const hostileString = fc.oneof(
  fc.string({ unit: 'binary' }),
  fc.string({ unit: 'binary-ascii' }),
  fc.constantFrom(
    '',
    '.',
    '..',
    '../x',
    'a/b',
    '/abs',
    'a\\b',
    'a\0b',
    'x\n',
    ' acme',
    'acme ',
    '-acme',
    '_acme',
    'a'.repeat(65),
    'Workflow',
    '1type',
    '%2e%2e',
    'a//b',
  ),
  fc.stringMatching(/^[A-Za-z0-9_.\-/\\]{0,80}$/),
);

describe('manifestPath / visualsPrefix', () => {
  it('builds artifacts/{type}/{tenant}/{id}.json and artifacts/{type}/{tenant}/{id}/', () => {
    expect(manifestPath(KEY)).toBe(`artifacts/workflow/acme-1/${ID}.json`);
    expect(visualsPrefix(KEY)).toBe(`artifacts/workflow/acme-1/${ID}/`);
  });

  it('accepts the edges of the type and tenant grammar', () => {
    const longType = `a${'b'.repeat(39)}`;
    const longTenant = `A${'_-9'.repeat(21)}`;
    expect(longTenant.length).toBe(64);
    expect(manifestPath({ artifact_type: longType, tenant_id: longTenant, artifact_id: ID })).toBe(
      `artifacts/${longType}/${longTenant}/${ID}.json`,
    );
    expect(manifestPath({ artifact_type: 'hybrid_embeddings', tenant_id: '0', artifact_id: ID })).toBe(
      `artifacts/hybrid_embeddings/0/${ID}.json`,
    );
  });

  it.each([
    ['artifact_type', { ...KEY, artifact_type: 'Workflow' }],
    ['artifact_type', { ...KEY, artifact_type: '1workflow' }],
    ['artifact_type', { ...KEY, artifact_type: `a${'b'.repeat(40)}` }],
    ['artifact_type', { ...KEY, artifact_type: 'work-flow' }],
    ['artifact_type', { ...KEY, artifact_type: '../workflow' }],
    ['artifact_type', { ...KEY, artifact_type: '' }],
    ['tenant_id', { ...KEY, tenant_id: '' }],
    ['tenant_id', { ...KEY, tenant_id: '..' }],
    ['tenant_id', { ...KEY, tenant_id: 'a/b' }],
    ['tenant_id', { ...KEY, tenant_id: '-acme' }],
    ['tenant_id', { ...KEY, tenant_id: 'a'.repeat(65) }],
    ['tenant_id', { ...KEY, tenant_id: 'acme\n' }],
    ['tenant_id', { ...KEY, tenant_id: 'ac.me' }],
    ['artifact_id', { ...KEY, artifact_id: ID.toUpperCase() }],
    ['artifact_id', { ...KEY, artifact_id: '../x' }],
    ['artifact_id', { ...KEY, artifact_id: `${ID}/../x` }],
    ['artifact_id', { ...KEY, artifact_id: '' }],
  ])('refuses a bad %s with UNSAFE_NAME', (field, key) => {
    for (const build of [
      () => manifestPath(key),
      () => visualsPrefix(key),
      () => visualPath(key, 'workflow_visual', 'png'),
      () => assertArtifactKey(key),
    ]) {
      let error: unknown;
      try {
        build();
      } catch (err) {
        error = err;
      }
      expect(error).toBeInstanceOf(PermanentError);
      expect((error as PermanentError).code).toBe('UNSAFE_NAME');
      expect((error as PermanentError).message).toContain(field);
    }
  });
});

describe('visualPath', () => {
  it('builds artifacts/{type}/{tenant}/{id}/{name}.{ext}', () => {
    expect(visualPath(KEY, 'workflow_visual', 'png')).toBe(
      `artifacts/workflow/acme-1/${ID}/workflow_visual.png`,
    );
    expect(visualPath(KEY, 'components.current_state.chart_visual', 'svg')).toBe(
      `artifacts/workflow/acme-1/${ID}/components.current_state.chart_visual.svg`,
    );
    expect(visualPath(KEY, 'slides.0.slide_visual', 'webp')).toBe(
      `artifacts/workflow/acme-1/${ID}/slides.0.slide_visual.webp`,
    );
  });

  it.each([
    '',
    '.',
    '..',
    'a..b',
    '.a',
    'a.',
    '../a',
    'a/b',
    'a\\b',
    'a b',
    'a\0b',
    'ä',
    'a'.repeat(101),
    Array.from({ length: 17 }, () => 'a').join('.'),
  ])('refuses the visual name %j', (name) => {
    expect(codeOf(() => visualPath(KEY, name, 'png'))).toBe('UNSAFE_NAME');
    expect(isVisualName(name)).toBe(false);
  });

  it('accepts up to 16 keys and up to 512 characters', () => {
    const sixteen = Array.from({ length: 16 }, (_, i) => `k${i}`).join('.');
    expect(isVisualName(sixteen)).toBe(true);
    expect(visualPath(KEY, sixteen, 'png').endsWith(`/${sixteen}.png`)).toBe(true);
    const long = Array.from({ length: 5 }, () => 'a'.repeat(100)).join('.');
    expect(long.length).toBe(504);
    expect(isVisualName(long)).toBe(true);
    const tooLong = Array.from({ length: 6 }, () => 'a'.repeat(100)).join('.');
    expect(isVisualName(tooLong)).toBe(false);
  });

  it.each(['', 'p', 'PNG', 'png/', '../x', 'toolong', 'p.g', 'jp2'])('refuses the extension %j', (ext) => {
    expect(codeOf(() => visualPath(KEY, 'workflow_visual', ext))).toBe('UNSAFE_NAME');
  });
});

describe('no message data can name an object outside artifacts/{type}/{tenant}/', () => {
  it('manifestPath, visualsPrefix and visualPath (property)', () => {
    fc.assert(
      fc.property(
        hostileString,
        hostileString,
        hostileString,
        fc.oneof(fc.constant(ID), hostileString),
        fc.constantFrom('png', 'jpg', 'gif', 'webp', 'svg'),
        (type, tenant, name, id, ext) => {
          const key = { artifact_type: type, tenant_id: tenant, artifact_id: id };
          for (const build of [
            () => manifestPath(key),
            () => visualsPrefix(key),
            () => visualPath(key, name, ext),
          ]) {
            let path: string;
            try {
              path = build();
            } catch (err) {
              expect(err).toBeInstanceOf(PermanentError);
              expect((err as PermanentError).code).toBe('UNSAFE_NAME');
              continue;
            }
            expectSafeUnder(path, `artifacts/${type}/${tenant}/`);
            // The tenant and the type are exactly one segment each.
            expect(path.split('/')[1]).toBe(type);
            expect(path.split('/')[2]).toBe(tenant);
          }
        },
      ),
      { numRuns: 1000 },
    );
  });

  it('stagingPath stays inside staging/{tenant}/ (property)', () => {
    fc.assert(
      fc.property(hostileString, hostileString, (tenant, name) => {
        let path: string;
        try {
          path = stagingPath(tenant, name);
        } catch (err) {
          expect(err).toBeInstanceOf(PermanentError);
          expect((err as PermanentError).code).toBe('UNSAFE_NAME');
          return;
        }
        expectSafeUnder(path, `staging/${tenant}/`);
        expect(path.split('/')).toHaveLength(3);
      }),
      { numRuns: 1000 },
    );
  });

  it('quarantinePath stays inside quarantine/{day}/ (property)', () => {
    fc.assert(
      fc.property(hostileString, fc.date({ noInvalidDate: true }), (messageId, at) => {
        const path = quarantinePath(messageId, at);
        expectSafeUnder(path, `quarantine/${at.toISOString().slice(0, 10)}/`);
        expect(path.split('/')).toHaveLength(3);
        expect(path).toMatch(/^quarantine\/[^/]+\/[A-Za-z0-9_-]{1,200}\.json$/);
      }),
      { numRuns: 500 },
    );
  });
});

describe('parseManifestPath', () => {
  it('round-trips manifestPath', () => {
    expect(parseManifestPath(manifestPath(KEY))).toEqual(KEY);
  });

  it('round-trips manifestPath for any valid key (property)', () => {
    fc.assert(
      fc.property(
        fc.stringMatching(/^[a-z][a-z0-9_]{0,39}$/),
        fc.stringMatching(/^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/),
        fc.uuid().map((u) => u.toLowerCase()),
        (artifact_type, tenant_id, artifact_id) => {
          const key = { artifact_type, tenant_id, artifact_id };
          expect(parseManifestPath(manifestPath(key))).toEqual(key);
        },
      ),
      { numRuns: 300 },
    );
  });

  it.each([
    ['a visual', `artifacts/workflow/acme-1/${ID}/workflow_visual.png`],
    ['a visual named like a manifest', `artifacts/workflow/acme-1/${ID}/x.json`],
    ['the visuals prefix', `artifacts/workflow/acme-1/${ID}/`],
    ['a staged object', `staging/acme-1/${ID}.json`],
    ['a quarantined message', `quarantine/2026-11-05/${ID}.json`],
    ['an upper-case id', `artifacts/workflow/acme-1/${ID.toUpperCase()}.json`],
    ['a 36-character non-UUID', 'artifacts/workflow/acme-1/------------------------------------.json'],
    ['a leading slash', `/artifacts/workflow/acme-1/${ID}.json`],
    ['an extra segment', `artifacts/workflow/acme-1/x/${ID}.json`],
    ['a missing tenant', `artifacts/workflow/${ID}.json`],
    ['a bad type', `artifacts/Workflow/acme-1/${ID}.json`],
    ['a bad tenant', `artifacts/workflow/-acme/${ID}.json`],
    ['a trailing newline', `artifacts/workflow/acme-1/${ID}.json\n`],
    ['another extension', `artifacts/workflow/acme-1/${ID}.png`],
    ['garbage', 'not a path'],
    ['the empty string', ''],
  ])('returns null for %s', (_what, name) => {
    expect(parseManifestPath(name)).toBeNull();
  });
});

describe('stagingPath', () => {
  it('builds staging/{tenant}/{name}', () => {
    expect(stagingPath('acme-1', 'payload.json')).toBe('staging/acme-1/payload.json');
    expect(stagingPath('acme-1', `${ID}.v1.json`)).toBe(`staging/acme-1/${ID}.v1.json`);
  });

  it.each([
    '..',
    'a..b',
    '../acme-2/x',
    'a/b',
    '/x',
    '.hidden',
    '-x',
    '',
    'a\\b',
    'a b',
    'a\0',
    'a'.repeat(201),
  ])('refuses the staged name %j', (name) => {
    expect(codeOf(() => stagingPath('acme-1', name))).toBe('UNSAFE_NAME');
  });

  it('refuses a bad tenant', () => {
    expect(codeOf(() => stagingPath('../acme', 'x.json'))).toBe('UNSAFE_NAME');
    expect(codeOf(() => stagingPath('', 'x.json'))).toBe('UNSAFE_NAME');
  });
});

describe('quarantinePath', () => {
  const at = new Date('2026-11-05T23:59:59.999Z');

  it('is quarantine/{yyyy-mm-dd}/{message_id}.json with the UTC day', () => {
    expect(quarantinePath('1234567890', at)).toBe('quarantine/2026-11-05/1234567890.json');
    expect(quarantinePath('1234567890', new Date('2026-11-06T00:00:00Z'))).toBe(
      'quarantine/2026-11-06/1234567890.json',
    );
  });

  it('is stable for one message id and day', () => {
    expect(quarantinePath('msg-1', at)).toBe(quarantinePath('msg-1', new Date('2026-11-05T00:00:00Z')));
  });

  it('sanitises hostile ids into a single segment', () => {
    expect(quarantinePath('../../etc/passwd', at)).toBe('quarantine/2026-11-05/______etc_passwd.json');
    expect(quarantinePath('a/b\\c\0d e', at)).toBe('quarantine/2026-11-05/a_b_c_d_e.json');
    expect(quarantinePath('..', at)).toBe('quarantine/2026-11-05/__.json');
    expect(quarantinePath('', at)).toBe('quarantine/2026-11-05/unknown.json');
    expect(quarantinePath('x'.repeat(300), at)).toBe(`quarantine/2026-11-05/${'x'.repeat(200)}.json`);
  });
});

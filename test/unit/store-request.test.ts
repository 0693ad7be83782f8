import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { PermanentError } from '../../shared/domain/errors';
import { parseArtifact, parseStoreRequest, type StoreRequestInput } from '../../shared/domain/store-request';

const base = { artifact_type: 'workflow', tenant_id: 'acme', artifact: { workflow: { id: 'wf-1' } } };

function refusal(body: unknown): PermanentError {
  try {
    parseStoreRequest(body);
  } catch (err) {
    expect(err).toBeInstanceOf(PermanentError);
    return err as PermanentError;
  }
  throw new Error(`expected ${JSON.stringify(body)} to be refused`);
}

const codeOf = (body: unknown) => refusal(body).code;

describe('parseStoreRequest: valid requests', () => {
  it('accepts the minimal request', () => {
    expect(parseStoreRequest(base)).toEqual(base);
  });

  it('accepts a full request (seed workflow) and lower-cases artifact_id', () => {
    const body: StoreRequestInput = {
      version: 1,
      artifact_type: 'workflow',
      tenant_id: 'tenant_42-eu',
      artifact: { workflow: { id: 'wf-1' }, sop_id: 'sop-1' },
      artifact_id: 'A1B2C3D4-E5F6-4711-8899-AABBCCDDEEFF',
      idempotency_key: 'journey:exec-1:create_workflow',
      metadata: {
        user_id: 'user-1',
        ui_name: 'Claims intake workflow',
        execution_id: 'exec-1',
        session_id: 'sess-1',
        sop_id: 'sop-1',
        attempt: 2,
        draft: false,
        parent: null,
      },
      materialization: { mode: 'persist', retention_days: 30, reason: 'customer deliverable' },
    };
    const parsed = parseStoreRequest(body);
    expect(parsed.artifact_id).toBe('a1b2c3d4-e5f6-4711-8899-aabbccddeeff');
    expect(parsed.metadata).toEqual(body.metadata);
    expect(parsed.materialization).toEqual(body.materialization);
    expect(parsed.artifact).toEqual(body.artifact);
    expect(parsed.idempotency_key).toBe('journey:exec-1:create_workflow');
  });

  it('accepts artifact_ref instead of artifact', () => {
    const body = { artifact_type: 'blueprint', tenant_id: 'acme', artifact_ref: { name: 'upload-1.json' } };
    expect(parseStoreRequest(body)).toEqual(body);
  });

  it.each(['a', 'hybrid_embeddings', `a${'b_9'.repeat(13)}`])(
    'accepts the artifact_type %j',
    (artifact_type) => {
      expect(parseStoreRequest({ ...base, artifact_type }).artifact_type).toBe(artifact_type);
    },
  );

  it.each(['A', '0', 'acme-corp_1', `T${'-_9'.repeat(21)}`])('accepts the tenant_id %j', (tenant_id) => {
    expect(parseStoreRequest({ ...base, tenant_id }).tenant_id).toBe(tenant_id);
  });
});

describe('parseStoreRequest: names that become object paths → UNSAFE_NAME', () => {
  it.each([
    'Workflow',
    '1workflow',
    '_workflow',
    'work-flow',
    'work flow',
    '../workflow',
    'workflow/x',
    '',
    `a${'b'.repeat(40)}`,
  ])('artifact_type %j', (artifact_type) => {
    const err = refusal({ ...base, artifact_type });
    expect(err.code).toBe('UNSAFE_NAME');
    expect(err.message).toContain('artifact_type');
  });

  it.each(['-acme', '_acme', 'ac.me', 'a/b', '..', '', 'acme\n', ' acme', 'é', 'a'.repeat(65)])(
    'tenant_id %j',
    (tenant_id) => {
      const err = refusal({ ...base, tenant_id });
      expect(err.code).toBe('UNSAFE_NAME');
      expect(err.message).toContain('tenant_id');
    },
  );

  it.each(['..', 'a..b', '../other/x.json', 'a/b', '/x', '.hidden', '-x', '', 'a b', 'a'.repeat(201)])(
    'artifact_ref.name %j',
    (name) => {
      const { artifact: _a, ...rest } = base;
      const err = refusal({ ...rest, artifact_ref: { name } });
      expect(err.code).toBe('UNSAFE_NAME');
      expect(err.message).toContain('artifact_ref.name');
    },
  );

  it('a bad name wins over other problems', () => {
    expect(codeOf({ ...base, tenant_id: '../x', idempotency_key: '' })).toBe('UNSAFE_NAME');
  });
});

describe('parseStoreRequest: other problems → INVALID_MESSAGE', () => {
  it.each<[string, unknown]>([
    ['null', null],
    ['a string', 'hello'],
    ['an array', [base]],
    ['a number', 1],
    ['an empty object', {}],
  ])('a body that is %s', (_what, body) => {
    expect(codeOf(body)).toBe('INVALID_MESSAGE');
  });

  it('missing or non-string artifact_type and tenant_id are schema errors, not unsafe names', () => {
    const { artifact_type: _t, ...noType } = base;
    const { tenant_id: _n, ...noTenant } = base;
    expect(codeOf(noType)).toBe('INVALID_MESSAGE');
    expect(codeOf(noTenant)).toBe('INVALID_MESSAGE');
    expect(codeOf({ ...base, tenant_id: 42 })).toBe('INVALID_MESSAGE');
    expect(codeOf({ ...base, artifact_type: ['workflow'] })).toBe('INVALID_MESSAGE');
  });

  it('requires exactly one of artifact and artifact_ref', () => {
    const both = refusal({ ...base, artifact_ref: { name: 'x.json' } });
    expect(both.code).toBe('INVALID_MESSAGE');
    expect(both.message).toMatch(/exactly one of artifact or artifact_ref/);
    const { artifact: _a, ...neither } = base;
    const none = refusal(neither);
    expect(none.code).toBe('INVALID_MESSAGE');
    expect(none.message).toMatch(/exactly one of artifact or artifact_ref/);
  });

  it('refuses unknown top-level fields, naming them', () => {
    const err = refusal({ ...base, artifact_data: {} });
    expect(err.code).toBe('INVALID_MESSAGE');
    expect(err.message).toContain('artifact_data');
    expect(codeOf({ ...base, tenantId: 'acme' })).toBe('INVALID_MESSAGE');
  });

  it.each<[string, unknown]>([
    ['an array', [{ workflow: {} }]],
    ['a string', '{"workflow": {}}'],
    ['null', null],
    ['a number', 3],
  ])('refuses an artifact that is %s', (_what, artifact) => {
    expect(codeOf({ ...base, artifact })).toBe('INVALID_MESSAGE');
  });

  it('refuses an artifact_ref that is not {name}', () => {
    const { artifact: _a, ...rest } = base;
    expect(codeOf({ ...rest, artifact_ref: 'x.json' })).toBe('INVALID_MESSAGE');
    expect(codeOf({ ...rest, artifact_ref: { name: 'x.json', bucket: 'other' } })).toBe('INVALID_MESSAGE');
    expect(codeOf({ ...rest, artifact_ref: {} })).toBe('INVALID_MESSAGE');
  });

  it('artifact_id must be a UUID', () => {
    for (const artifact_id of [
      'nope',
      '',
      '2ed6657de927568b95e12665a8aea6a2',
      '{2ed6657d-e927-568b-95e1-2665a8aea6a2}',
      7,
    ]) {
      const err = refusal({ ...base, artifact_id });
      expect(err.code).toBe('INVALID_MESSAGE');
      expect(err.message).toContain('artifact_id');
    }
    expect(
      parseStoreRequest({ ...base, artifact_id: '2ed6657d-e927-568b-95e1-2665a8aea6a2' }).artifact_id,
    ).toBe('2ed6657d-e927-568b-95e1-2665a8aea6a2');
  });

  it('idempotency_key is 1 to 200 characters', () => {
    expect(parseStoreRequest({ ...base, idempotency_key: 'k' }).idempotency_key).toBe('k');
    expect(parseStoreRequest({ ...base, idempotency_key: 'k'.repeat(200) }).idempotency_key).toHaveLength(
      200,
    );
    expect(codeOf({ ...base, idempotency_key: '' })).toBe('INVALID_MESSAGE');
    expect(codeOf({ ...base, idempotency_key: 'k'.repeat(201) })).toBe('INVALID_MESSAGE');
    expect(codeOf({ ...base, idempotency_key: 12 })).toBe('INVALID_MESSAGE');
  });

  it('version, when present, is 1', () => {
    expect(parseStoreRequest({ ...base, version: 1 }).version).toBe(1);
    expect(codeOf({ ...base, version: 2 })).toBe('INVALID_MESSAGE');
    expect(codeOf({ ...base, version: '1' })).toBe('INVALID_MESSAGE');
  });

  it('lists every problem in the message and keeps the issues', () => {
    const err = refusal({ ...base, idempotency_key: '', version: 3, metadata: { user_id: 5 } });
    expect(err.code).toBe('INVALID_MESSAGE');
    expect(err.message).toContain('idempotency_key');
    expect(err.message).toContain('version');
    expect(err.message).toContain('metadata.user_id');
    expect(Array.isArray(err.details?.issues)).toBe(true);
    expect((err.details?.issues as unknown[] | undefined)?.length ?? 0).toBeGreaterThanOrEqual(3);
  });
});

describe('parseStoreRequest: metadata', () => {
  const withMetadata = (metadata: unknown) => ({ ...base, metadata });

  it('accepts the known fields and scalar extras', () => {
    const metadata = {
      user_id: 'u',
      ui_name: 'n',
      execution_id: 'e',
      session_id: 's',
      a: 'x',
      b: 1.5,
      c: true,
      d: null,
    };
    expect(parseStoreRequest(withMetadata(metadata)).metadata).toEqual(metadata);
  });

  it('known fields are strings within their limits', () => {
    expect(codeOf(withMetadata({ user_id: 5 }))).toBe('INVALID_MESSAGE');
    expect(codeOf(withMetadata({ user_id: 'u'.repeat(201) }))).toBe('INVALID_MESSAGE');
    expect(parseStoreRequest(withMetadata({ ui_name: 'n'.repeat(500) })).metadata?.ui_name).toHaveLength(500);
    expect(codeOf(withMetadata({ ui_name: 'n'.repeat(501) }))).toBe('INVALID_MESSAGE');
    expect(codeOf(withMetadata({ execution_id: 'e'.repeat(201) }))).toBe('INVALID_MESSAGE');
    expect(codeOf(withMetadata({ session_id: null }))).toBe('INVALID_MESSAGE');
  });

  it.each<[string, unknown]>([
    ['an object', { nested: true }],
    ['an array', ['a']],
    ['an empty array', []],
    ['a string over 1000 characters', 'x'.repeat(1001)],
  ])('refuses an extra that is %s', (_what, value) => {
    const err = refusal(withMetadata({ extra_field: value }));
    expect(err.code).toBe('INVALID_MESSAGE');
    expect(err.message).toContain('metadata.extra_field');
  });

  it('accepts up to 50 fields, refuses 51', () => {
    const fields = (n: number) => Object.fromEntries(Array.from({ length: n }, (_, i) => [`f${i}`, i]));
    expect(Object.keys(parseStoreRequest(withMetadata(fields(50))).metadata ?? {})).toHaveLength(50);
    expect(codeOf(withMetadata(fields(51)))).toBe('INVALID_MESSAGE');
  });

  it('caps the whole metadata at 4096 characters of JSON', () => {
    const big = { a: 'x'.repeat(1000), b: 'x'.repeat(1000), c: 'x'.repeat(1000), d: 'x'.repeat(1000) };
    expect(JSON.stringify(big).length).toBeLessThanOrEqual(4096);
    expect(parseStoreRequest(withMetadata(big)).metadata).toEqual(big);
    const tooBig = { ...big, e: 'x'.repeat(100) };
    const err = refusal(withMetadata(tooBig));
    expect(err.code).toBe('INVALID_MESSAGE');
    expect(err.message).toMatch(/4096/);
  });

  it('refuses metadata that is not an object', () => {
    expect(codeOf(withMetadata('x'))).toBe('INVALID_MESSAGE');
    expect(codeOf(withMetadata([]))).toBe('INVALID_MESSAGE');
  });
});

describe('parseStoreRequest: materialization override', () => {
  const withOverride = (materialization: unknown) => ({ ...base, materialization });

  it('accepts {mode} with optional retention_days and reason', () => {
    expect(parseStoreRequest(withOverride({ mode: 'persist' })).materialization).toEqual({ mode: 'persist' });
    expect(parseStoreRequest(withOverride({ mode: 'ephemeral', reason: 'scratch' })).materialization).toEqual(
      {
        mode: 'ephemeral',
        reason: 'scratch',
      },
    );
    expect(
      parseStoreRequest(withOverride({ mode: 'persist', retention_days: 1 })).materialization?.retention_days,
    ).toBe(1);
    expect(
      parseStoreRequest(withOverride({ mode: 'persist', retention_days: 36_500 })).materialization
        ?.retention_days,
    ).toBe(36_500);
  });

  it.each<[string, unknown]>([
    ['no mode', {}],
    ['an unknown mode', { mode: 'forever' }],
    ['an upper-case mode', { mode: 'PERSIST' }],
    ['retention_days 0', { mode: 'persist', retention_days: 0 }],
    ['negative retention_days', { mode: 'persist', retention_days: -1 }],
    ['fractional retention_days', { mode: 'persist', retention_days: 1.5 }],
    ['retention_days over 100 years', { mode: 'persist', retention_days: 36_501 }],
    ['string retention_days', { mode: 'persist', retention_days: '30' }],
    ['a reason over 500 characters', { mode: 'persist', reason: 'r'.repeat(501) }],
    ['an unknown field', { mode: 'persist', ttl: 3 }],
    ['a string', 'persist'],
  ])('refuses %s', (_what, materialization) => {
    const err = refusal(withOverride(materialization));
    expect(err.code).toBe('INVALID_MESSAGE');
    expect(err.message).toContain('materialization');
  });
});

describe('parseStoreRequest keeps the document exactly as sent', () => {
  it('any JSON object survives parsing unchanged (property)', () => {
    fc.assert(
      fc.property(
        fc
          .dictionary(
            // A top-level __proto__ key is covered by its own test below.
            fc.string({ maxLength: 10 }).filter((k) => k !== '__proto__'),
            fc.jsonValue({ maxDepth: 4, stringUnit: 'binary' }),
            { noNullPrototype: true },
          )
          .map((d) => JSON.stringify(d)),
        (text) => {
          const body = JSON.parse(`{"artifact_type": "poc", "tenant_id": "acme", "artifact": ${text}}`);
          expect(JSON.stringify(parseStoreRequest(body).artifact)).toBe(text);
        },
      ),
      { numRuns: 200 },
    );
  });

  it('a top-level "__proto__" key of the artifact (an own key after JSON.parse) is kept', () => {
    const text = '{"poc": {"title": "x"}, "__proto__": {"injected": true}}';
    const body = JSON.parse(`{"artifact_type": "poc", "tenant_id": "acme", "artifact": ${text}}`);
    expect(Object.hasOwn(body.artifact, '__proto__')).toBe(true);
    expect(JSON.stringify(parseStoreRequest(body).artifact)).toBe(JSON.stringify(JSON.parse(text)));
  });
});

describe('parseArtifact', () => {
  it('returns the very document that was sent (not a copy) when it is valid', () => {
    const doc = { workflow: { id: 'wf-1' }, sop_id: 'sop-1', extra: { keep: [1, 2] } };
    expect(parseArtifact('workflow', doc)).toBe(doc);
  });

  it("refuses a document that does not match its type's schema with INVALID_ARTIFACT", () => {
    let error: unknown;
    try {
      parseArtifact('workflow', { sop_id: 'sop-1' });
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(PermanentError);
    expect((error as PermanentError).code).toBe('INVALID_ARTIFACT');
    expect((error as PermanentError).message).toContain('workflow');
  });

  it('accepts any object for a type without its own schema, and nothing else', () => {
    const doc = { whatever: [1, { x: null }] };
    expect(parseArtifact('meeting_notes', doc)).toBe(doc);
    expect(parseArtifact('meeting_notes', {})).toEqual({});
    expect(() => parseArtifact('meeting_notes', [1])).toThrow(PermanentError);
    expect(() => parseArtifact('meeting_notes', null)).toThrow(PermanentError);
    expect(() => parseArtifact('meeting_notes', 'text')).toThrow(PermanentError);
  });
});

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ARTIFACT_ID_NAMESPACE, isUuid, resolveArtifactId, uuidV5 } from '../../shared/domain/ids';

const DNS_NAMESPACE = '6ba7b810-9dad-11d1-80b4-00c04fd430c8';
const URL_NAMESPACE = '6ba7b811-9dad-11d1-80b4-00c04fd430c8';

describe('uuidV5', () => {
  it('matches the RFC 9562 example (DNS namespace, www.example.com)', () => {
    expect(uuidV5('www.example.com', DNS_NAMESPACE)).toBe('2ed6657d-e927-568b-95e1-2665a8aea6a2');
  });

  it('matches vectors computed with Python uuid.uuid5 (ASCII, UTF-8, empty name)', () => {
    expect(uuidV5('python.org', DNS_NAMESPACE)).toBe('886313e1-3b8a-5372-9b90-0c9aee199e5d');
    expect(uuidV5('https://example.com/ünïcode', URL_NAMESPACE)).toBe('81b932f9-64c2-5911-bcce-4e95188eebaa');
    expect(uuidV5('', DNS_NAMESPACE)).toBe('4ebd0208-8328-5d69-8c44-ec50939c0967');
  });

  it('uses the artifact namespace b65929fc-... by default', () => {
    expect(ARTIFACT_ID_NAMESPACE).toBe('b65929fc-9534-4bde-8ee9-cf968a2a736b');
    // Python: uuid.uuid5(UUID('b65929fc-9534-4bde-8ee9-cf968a2a736b'), 'acme/workflow/key-123')
    expect(uuidV5('acme/workflow/key-123')).toBe('c57207b8-b697-5215-a89a-0edff09c33b9');
    expect(uuidV5('acme/workflow/key-123')).toBe(uuidV5('acme/workflow/key-123', ARTIFACT_ID_NAMESPACE));
  });

  it('accepts an upper-case namespace and refuses a malformed one', () => {
    expect(uuidV5('www.example.com', DNS_NAMESPACE.toUpperCase())).toBe(
      '2ed6657d-e927-568b-95e1-2665a8aea6a2',
    );
    expect(() => uuidV5('x', '6ba7b810-9dad-11d1-80b4')).toThrow(TypeError);
    expect(() => uuidV5('x', 'not-a-uuid')).toThrow(TypeError);
  });

  it('always gives a canonical lower-case version 5, RFC variant UUID', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), (name) => {
        const id = uuidV5(name);
        expect(isUuid(id)).toBe(true);
        expect(id[14]).toBe('5');
        expect('89ab').toContain(id[19]);
        expect(uuidV5(name)).toBe(id);
      }),
      { numRuns: 200 },
    );
  });

  it('different names give different ids', () => {
    fc.assert(
      fc.property(fc.string(), fc.string(), (a, b) => {
        fc.pre(a !== b);
        expect(uuidV5(a)).not.toBe(uuidV5(b));
      }),
      { numRuns: 200 },
    );
  });
});

describe('isUuid', () => {
  it('accepts canonical lower-case UUIDs of any version', () => {
    expect(isUuid('2ed6657d-e927-568b-95e1-2665a8aea6a2')).toBe(true);
    expect(isUuid('6ba7b810-9dad-11d1-80b4-00c04fd430c8')).toBe(true);
    expect(isUuid('00000000-0000-0000-0000-000000000000')).toBe(true);
  });

  it('refuses upper case, missing dashes, wrong lengths and surrounding text', () => {
    expect(isUuid('2ED6657D-E927-568B-95E1-2665A8AEA6A2')).toBe(false);
    expect(isUuid('2ed6657de927568b95e12665a8aea6a2')).toBe(false);
    expect(isUuid('2ed6657d-e927-568b-95e1-2665a8aea6a')).toBe(false);
    expect(isUuid(' 2ed6657d-e927-568b-95e1-2665a8aea6a2')).toBe(false);
    expect(isUuid('2ed6657d-e927-568b-95e1-2665a8aea6a2\n')).toBe(false);
    expect(isUuid('{2ed6657d-e927-568b-95e1-2665a8aea6a2}')).toBe(false);
    expect(isUuid('')).toBe(false);
  });
});

describe('resolveArtifactId (docs/design.md, "Store request")', () => {
  const base = { tenant_id: 'acme', artifact_type: 'workflow' };

  it('uses the explicit artifact_id, lower-cased, over everything else', () => {
    const explicit = 'A1B2C3D4-E5F6-4711-8899-AABBCCDDEEFF';
    expect(
      resolveArtifactId(
        { ...base, artifact_id: explicit, idempotency_key: 'key-123' },
        { messageId: 'msg-1' },
      ),
    ).toBe('a1b2c3d4-e5f6-4711-8899-aabbccddeeff');
    expect(resolveArtifactId({ ...base, artifact_id: explicit })).toBe(
      'a1b2c3d4-e5f6-4711-8899-aabbccddeeff',
    );
  });

  it('else UUIDv5 of {tenant}/{type}/{idempotency_key}, ignoring the message id', () => {
    const id = resolveArtifactId({ ...base, idempotency_key: 'key-123' }, { messageId: '1234567890' });
    expect(id).toBe('c57207b8-b697-5215-a89a-0edff09c33b9');
    expect(id).toBe(uuidV5('acme/workflow/key-123', ARTIFACT_ID_NAMESPACE));
    expect(resolveArtifactId({ ...base, idempotency_key: 'key-123' })).toBe(id);
    expect(resolveArtifactId({ ...base, idempotency_key: 'key-123' }, { messageId: 'another-message' })).toBe(
      id,
    );
  });

  it('else UUIDv5 of {tenant}/{type}/pubsub:{messageId}@{publishTime}, the publish time exactly as delivered', () => {
    const publishTime = '2026-12-03T10:00:00.123456789Z';
    const id = resolveArtifactId(base, { messageId: '1234567890', publishTime });
    expect(id).toBe(uuidV5(`acme/workflow/pubsub:1234567890@${publishTime}`));
    expect(resolveArtifactId(base, { messageId: '1234567890', publishTime })).toBe(id);
    // The emulator numbers messages from 1 again after a restart: same id, another publish time.
    expect(
      resolveArtifactId(base, { messageId: '1234567890', publishTime: '2026-12-04T10:00:00Z' }),
    ).not.toBe(id);
  });

  it('else UUIDv5 of {tenant}/{type}/pubsub:{messageId} when the delivery carries no publish time', () => {
    const id = resolveArtifactId(base, { messageId: '1234567890' });
    expect(id).toBe('a1902228-0594-51fc-b48a-bd21e289872f');
    expect(id).toBe(uuidV5('acme/workflow/pubsub:1234567890'));
    expect(resolveArtifactId(base, { messageId: '1234567890', publishTime: null })).toBe(id);
  });

  it('an idempotency key and a message id with the same text give different ids', () => {
    const fromKey = resolveArtifactId({ ...base, idempotency_key: 'key-123' });
    const fromMessage = resolveArtifactId(base, { messageId: 'key-123' });
    expect(fromMessage).toBe('a7bd5d71-f05e-5da9-89da-a08c04cac627');
    expect(fromMessage).not.toBe(fromKey);
  });

  it('different tenants or types give different ids for the same key', () => {
    const id = resolveArtifactId({ ...base, idempotency_key: 'key-123' });
    expect(
      resolveArtifactId({ tenant_id: 'other', artifact_type: 'workflow', idempotency_key: 'key-123' }),
    ).toBe('ce5ac9dd-8db0-5a36-a7ce-5a9827df4490');
    expect(resolveArtifactId({ tenant_id: 'acme', artifact_type: 'sop', idempotency_key: 'key-123' })).toBe(
      '6ea86d89-b4a3-5e56-85c6-b799bbe34ca8',
    );
    expect(
      resolveArtifactId({ tenant_id: 'other', artifact_type: 'workflow', idempotency_key: 'key-123' }),
    ).not.toBe(id);
  });

  it('is deterministic and separates tenants and types (property)', () => {
    const tenant = fc.stringMatching(/^[A-Za-z0-9][A-Za-z0-9_-]{0,20}$/);
    const type = fc.stringMatching(/^[a-z][a-z0-9_]{0,20}$/);
    fc.assert(
      fc.property(tenant, tenant, type, type, fc.string({ minLength: 1 }), (t1, t2, y1, y2, key) => {
        const a = resolveArtifactId({ tenant_id: t1, artifact_type: y1, idempotency_key: key });
        expect(isUuid(a)).toBe(true);
        expect(resolveArtifactId({ tenant_id: t1, artifact_type: y1, idempotency_key: key })).toBe(a);
        if (t1 !== t2) {
          expect(resolveArtifactId({ tenant_id: t2, artifact_type: y1, idempotency_key: key })).not.toBe(a);
        }
        if (y1 !== y2) {
          expect(resolveArtifactId({ tenant_id: t1, artifact_type: y2, idempotency_key: key })).not.toBe(a);
        }
        const m = resolveArtifactId({ tenant_id: t1, artifact_type: y1 }, { messageId: key });
        expect(resolveArtifactId({ tenant_id: t1, artifact_type: y1 }, { messageId: key })).toBe(m);
        expect(m).not.toBe(a);
      }),
      { numRuns: 200 },
    );
  });

  it('throws without artifact_id, idempotency_key or message id', () => {
    expect(() => resolveArtifactId(base)).toThrow(/cannot resolve an artifact id/);
    expect(() =>
      resolveArtifactId({ ...base, artifact_id: undefined, idempotency_key: undefined }),
    ).toThrow();
    expect(() => resolveArtifactId({ ...base, idempotency_key: '' }, { messageId: '' })).toThrow();
  });
});

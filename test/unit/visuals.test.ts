import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { PermanentError } from '../../shared/domain/errors';
import { type ArtifactKey, visualsPrefix } from '../../shared/domain/paths';
import {
  extractVisuals,
  findVisualReferences,
  type JsonObject,
  type JsonValue,
  MAX_DEPTH,
  mapVisualReferences,
  rehydrate,
  restoreVisual,
  sha256Hex,
  visualDetails,
} from '../../shared/domain/visuals';

const ID = '2ed6657d-e927-568b-95e1-2665a8aea6a2';
const KEY: ArtifactKey = { artifact_type: 'workflow', tenant_id: 'acme', artifact_id: ID };
const PREFIX = `artifacts/workflow/acme/${ID}/`;

// --- small valid images ------------------------------------------------------------------------------------
const PNG = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==',
  'base64',
);
const JPEG = Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10, 0x4a, 0x46, 0x49, 0x46, 0x00, 0x01]);
const GIF = Buffer.from('R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7', 'base64');
const WEBP = Buffer.concat([
  Buffer.from('RIFF\x0c\x00\x00\x00WEBPVP8 ', 'latin1'),
  Buffer.from([0, 0, 0, 0]),
]);
const SVG = Buffer.from(
  '<?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg" width="1" height="1"/>',
);
const PDF = Buffer.from('%PDF-1.7\n');

const b64 = (bytes: Buffer) => bytes.toString('base64');
const sha = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');

function errorOf(fn: () => unknown): PermanentError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(PermanentError);
    return err as PermanentError;
  }
  throw new Error('expected a PermanentError, nothing was thrown');
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object') {
    for (const v of Object.values(value)) deepFreeze(v);
    Object.freeze(value);
  }
  return value;
}

/** The document as it is stored and read back: JSON text. */
const viaJson = <T>(value: T): T => JSON.parse(JSON.stringify(value));

function at(root: JsonValue, name: string): JsonValue | undefined {
  let current: JsonValue | undefined = root;
  for (const k of name.split('.')) {
    if (Array.isArray(current)) current = current[Number(k)];
    else if (current && typeof current === 'object' && Object.hasOwn(current, k)) current = current[k];
    else return undefined;
  }
  return current;
}

/** A realistic workflow artifact (seed plan, journey orchestrator) with visuals at several depths. */
function workflowDoc(): JsonObject {
  return {
    workflow: { id: 'wf-1', steps: [{ name: 'intake' }, { name: 'review' }] },
    sop_id: 'sop-9',
    workflow_visual: { image_base64: b64(PNG), title: 'Workflow', width: 1 },
    components: {
      current_state: { label: 'As is', chart_visual: { image_base64: b64(JPEG), caption: 'current' } },
      coexistence_state: { label: 'Coexistence' },
    },
    slides: [
      { slide_visual: { image_base64: b64(GIF) }, text: 'one' },
      { text: 'two' },
      { slide_visual: { image_base64: b64(WEBP) } },
      [{ diagram_visual: { image_base64: b64(SVG) } }],
    ],
  };
}

describe('extractVisuals', () => {
  it('finds visuals at the root, in nested objects and in arrays, named by their dot path', () => {
    const { visuals } = extractVisuals(workflowDoc(), KEY);
    expect(visuals.map((v) => v.name)).toEqual([
      'workflow_visual',
      'components.current_state.chart_visual',
      'slides.0.slide_visual',
      'slides.2.slide_visual',
      'slides.3.0.diagram_visual',
    ]);
  });

  it('records storage path, content type, format, size, sha256 and the bytes of each visual', () => {
    const { visuals } = extractVisuals(workflowDoc(), KEY);
    const expected: [string, Buffer, string, string, string][] = [
      ['workflow_visual', PNG, 'png', 'image/png', 'png'],
      ['components.current_state.chart_visual', JPEG, 'jpeg', 'image/jpeg', 'jpg'],
      ['slides.0.slide_visual', GIF, 'gif', 'image/gif', 'gif'],
      ['slides.2.slide_visual', WEBP, 'webp', 'image/webp', 'webp'],
      ['slides.3.0.diagram_visual', SVG, 'svg', 'image/svg+xml', 'svg'],
    ];
    expected.forEach(([name, bytes, format, contentType, ext], i) => {
      expect(visuals[i]).toEqual({
        name,
        storage_path: `${PREFIX}${name}.${ext}`,
        content_type: contentType,
        format,
        size: bytes.length,
        sha256: sha(bytes),
        bytes,
      });
    });
  });

  it('replaces each visual by a reference that keeps its other fields and loses image_base64', () => {
    const doc = workflowDoc();
    const { manifest } = extractVisuals(doc, KEY);
    expect(manifest.workflow_visual).toEqual({
      title: 'Workflow',
      width: 1,
      storage_path: `${PREFIX}workflow_visual.png`,
      content_type: 'image/png',
      format: 'png',
      size: PNG.length,
      sha256: sha(PNG),
    });
    expect(at(manifest, 'components.current_state.chart_visual')).toEqual({
      caption: 'current',
      storage_path: `${PREFIX}components.current_state.chart_visual.jpg`,
      content_type: 'image/jpeg',
      format: 'jpeg',
      size: JPEG.length,
      sha256: sha(JPEG),
    });
    // Everything that is not a visual is kept as it was.
    expect(manifest.workflow).toEqual(doc.workflow);
    expect(manifest.sop_id).toBe('sop-9');
    expect(at(manifest, 'components.current_state.label')).toBe('As is');
    expect(at(manifest, 'components.coexistence_state')).toEqual({ label: 'Coexistence' });
    expect(at(manifest, 'slides.0.text')).toBe('one');
    expect(at(manifest, 'slides.1')).toEqual({ text: 'two' });
    expect(JSON.stringify(manifest)).not.toContain('image_base64');
    expect(Object.keys(manifest)).toEqual(Object.keys(doc));
  });

  it("keeps the seed's {image_base64, storage_path} storage_path under $original", () => {
    const doc: JsonObject = {
      workflow: { id: 'wf-1' },
      sop_id: 'sop-1',
      workflow_visual: { image_base64: b64(PNG), storage_path: 'visuals/acme/workflows/wf-1.png' },
    };
    const { manifest, visuals } = extractVisuals(doc, KEY);
    expect(manifest.workflow_visual).toEqual({
      storage_path: `${PREFIX}workflow_visual.png`,
      content_type: 'image/png',
      format: 'png',
      size: PNG.length,
      sha256: sha(PNG),
      $original: { storage_path: 'visuals/acme/workflows/wf-1.png' },
    });
    expect(rehydrate(manifest, visualDetails(visuals), new Map([['workflow_visual', PNG]]))).toEqual(doc);
  });

  it('keeps every reserved field the visual already had under $original, $original included', () => {
    const original = {
      storage_path: 'elsewhere.png',
      content_type: 'image/gif',
      format: 'gif',
      size: 'big',
      sha256: null,
      $original: { nested: true },
    };
    const doc: JsonObject = { a_visual: { image_base64: b64(PNG), kept: 1, ...original } };
    const { manifest, visuals } = extractVisuals(doc, KEY);
    expect(manifest.a_visual).toEqual({
      kept: 1,
      storage_path: `${PREFIX}a_visual.png`,
      content_type: 'image/png',
      format: 'png',
      size: PNG.length,
      sha256: sha(PNG),
      $original: original,
    });
    expect(findVisualReferences(manifest, KEY)).toEqual(visualDetails(visuals));
    expect(rehydrate(viaJson(manifest), visualDetails(visuals), new Map([['a_visual', PNG]]))).toEqual(doc);
  });

  it('does not add $original when the visual had no reserved field', () => {
    const { manifest } = extractVisuals({ a_visual: { image_base64: b64(PNG), note: 'x' } }, KEY);
    expect(manifest.a_visual).not.toHaveProperty('$original');
  });

  it.each<[string, JsonObject]>([
    ['a key not ending in _visual', { workflow_visualization: { image_base64: b64(PNG) } }],
    ['the key "visual"', { visual: { image_base64: b64(PNG) } }],
    ['an upper-case suffix', { chart_VISUAL: { image_base64: b64(PNG) } }],
    ['a numeric image_base64', { chart_visual: { image_base64: 42 } }],
    ['a null image_base64', { chart_visual: { image_base64: null } }],
    ['an object image_base64', { chart_visual: { image_base64: { data: b64(PNG) } } }],
    ['no image_base64', { chart_visual: { url: 'https://example.com/x.png' } }],
    ['a string *_visual', { chart_visual: b64(PNG) }],
    ['an array *_visual', { chart_visual: [{ image_base64: b64(PNG) }] }],
    ['a null *_visual', { chart_visual: null }],
    ['image_base64 at the root', { image_base64: b64(PNG) }],
    ['image_base64 in a plain object', { chart: { image_base64: b64(PNG) } }],
    [
      'a storage_path elsewhere without image_base64 (old seed path)',
      { workflow_visual: { storage_path: 'visuals/acme/workflows/wf-1.png' } },
    ],
    [
      'another artifact of the tenant',
      {
        workflow_visual: {
          storage_path: 'artifacts/workflow/acme/6ba7b810-9dad-11d1-80b4-00c04fd430c8/a.png',
        },
      },
    ],
    ['own prefix in a field of a non-visual key', { chart: { storage_path: `${PREFIX}chart.png` } }],
  ])('leaves %s untouched', (_what, doc) => {
    const { manifest, visuals } = extractVisuals(doc, KEY);
    expect(visuals).toEqual([]);
    expect(manifest).toEqual(doc);
    expect(findVisualReferences(manifest, KEY)).toEqual([]);
  });

  it('does not mutate its input', () => {
    const doc = workflowDoc();
    const copy = structuredClone(doc);
    deepFreeze(doc);
    const { manifest } = extractVisuals(doc, KEY);
    expect(doc).toEqual(copy);
    expect(manifest).not.toEqual(copy);
    expect((doc.workflow_visual as JsonObject).image_base64).toBe(b64(PNG));
  });

  it('release: drops each image_base64 from the document once decoded; the manifest and bytes as without', () => {
    const kept = extractVisuals(workflowDoc(), KEY);
    const doc = workflowDoc();
    const released = extractVisuals(doc, KEY, undefined, 1, { release: true });
    expect(released.manifest).toEqual(kept.manifest);
    expect(released.visuals).toEqual(kept.visuals);
    expect(JSON.stringify(doc)).not.toContain('image_base64');
    expect(doc.workflow_visual).toEqual({ title: 'Workflow', width: 1 });
    expect(at(doc, 'slides.3.0.diagram_visual')).toEqual({});
  });

  it('refuses bytes that are not strict base64 or not an accepted image', () => {
    expect(
      errorOf(() => extractVisuals({ a_visual: { image_base64: `data:image/png;base64,${b64(PNG)}` } }, KEY))
        .code,
    ).toBe('INVALID_BASE64');
    expect(errorOf(() => extractVisuals({ a_visual: { image_base64: `${b64(PNG)}\n` } }, KEY)).code).toBe(
      'INVALID_BASE64',
    );
    const err = errorOf(() => extractVisuals({ docs: [{ report_visual: { image_base64: b64(PDF) } }] }, KEY));
    expect(err.code).toBe('UNSUPPORTED_IMAGE');
    expect(err.message).toContain('docs.0.report_visual');
    expect(errorOf(() => extractVisuals({ a_visual: { image_base64: '' } }, KEY)).code).toBe(
      'UNSUPPORTED_IMAGE',
    );
  });

  it('refuses a malformed artifact key', () => {
    expect(errorOf(() => extractVisuals({}, { ...KEY, tenant_id: '../x' })).code).toBe('UNSAFE_NAME');
  });
});

describe('extractVisuals limits', () => {
  const three: JsonObject = {
    a_visual: { image_base64: b64(PNG) },
    b_visual: { image_base64: b64(PNG) },
    c: [{ d_visual: { image_base64: b64(PNG) } }],
  };

  it('maxVisuals: up to the limit is accepted, one more is PAYLOAD_TOO_LARGE', () => {
    expect(extractVisuals(three, KEY, { maxVisuals: 3, maxVisualBytes: 1e9 }).visuals).toHaveLength(3);
    const err = errorOf(() => extractVisuals(three, KEY, { maxVisuals: 2, maxVisualBytes: 1e9 }));
    expect(err.code).toBe('PAYLOAD_TOO_LARGE');
    expect(err.details).toEqual({ limit: 2 });
    expect(errorOf(() => extractVisuals(three, KEY, { maxVisuals: 0, maxVisualBytes: 1e9 })).code).toBe(
      'PAYLOAD_TOO_LARGE',
    );
    expect(extractVisuals({ x: 1 }, KEY, { maxVisuals: 0, maxVisualBytes: 1e9 }).visuals).toEqual([]);
  });

  it('maxVisualBytes: a visual of exactly the limit is accepted, one byte over is PAYLOAD_TOO_LARGE', () => {
    expect(extractVisuals(three, KEY, { maxVisuals: 10, maxVisualBytes: PNG.length }).visuals).toHaveLength(
      3,
    );
    const err = errorOf(() => extractVisuals(three, KEY, { maxVisuals: 10, maxVisualBytes: PNG.length - 1 }));
    expect(err.code).toBe('PAYLOAD_TOO_LARGE');
    expect(err.details).toMatchObject({ visual: 'a_visual', size: PNG.length, limit: PNG.length - 1 });
  });
});

describe('extractVisuals: names that cannot be object names', () => {
  const visual = () => ({ image_base64: b64(PNG) });
  it.each<[string, JsonObject]>([
    ['../x_visual', { '../x_visual': visual() }],
    ['a/b_visual', { 'a/b_visual': visual() }],
    ['a slash in a parent key', { 'a/b': { x_visual: visual() } }],
    ['.. as a parent key', { '..': { x_visual: visual() } }],
    ['a dot in the visual key', { 'a.b_visual': visual() }],
    ['a dot in a parent key', { 'a.b': { x_visual: visual() } }],
    ['an empty parent key', { '': { x_visual: visual() } }],
    ['a backslash', { 'a\\b': { x_visual: visual() } }],
    ['a NUL', { 'a\0': { x_visual: visual() } }],
    ['a space', { 'my chart_visual': visual() }],
    ['a non-ASCII key', { graphique_é_visual: visual() }],
    ['a key of 101 characters', { [`${'a'.repeat(94)}_visual`]: visual() }],
    ['a very long parent key', { ['p'.repeat(10_000)]: { x_visual: visual() } }],
    [
      'more than 16 keys',
      Array.from({ length: 16 }, (_, i) => `k${i}`).reduceRight<JsonObject>((inner, k) => ({ [k]: inner }), {
        x_visual: visual(),
      }),
    ],
    [
      'a name longer than 512 characters',
      {
        [`${'a'.repeat(100)}`]: {
          [`${'b'.repeat(100)}`]: {
            [`${'c'.repeat(100)}`]: {
              [`${'d'.repeat(100)}`]: { [`${'e'.repeat(100)}`]: { x_visual: visual() } },
            },
          },
        },
      },
    ],
  ])('%s → UNSAFE_NAME', (_what, doc) => {
    expect(errorOf(() => extractVisuals(doc, KEY)).code).toBe('UNSAFE_NAME');
  });

  it('accepts 16 keys and ordinary hostile keys that are not on a visual path', () => {
    const sixteen = Array.from({ length: 15 }, (_, i) => `k${i}`).reduceRight<JsonObject>(
      (inner, k) => ({ [k]: inner }),
      {
        x_visual: visual(),
      },
    );
    expect(extractVisuals(sixteen, KEY).visuals[0]?.name).toBe(
      `${Array.from({ length: 15 }, (_, i) => `k${i}`).join('.')}.x_visual`,
    );
    const doc: JsonObject = { '../etc': 1, 'a/b': { c: 'd' }, '': null, ok_visual: visual() };
    const { manifest, visuals } = extractVisuals(doc, KEY);
    expect(visuals.map((v) => v.storage_path)).toEqual([`${PREFIX}ok_visual.png`]);
    expect(manifest['../etc']).toBe(1);
    expect(manifest['a/b']).toEqual({ c: 'd' });
  });

  it("refuses a *_visual without image_base64 whose storage_path claims this artifact's prefix", () => {
    const claims: JsonObject[] = [
      {
        workflow_visual: {
          storage_path: `${PREFIX}workflow_visual.png`,
          content_type: 'image/png',
          format: 'png',
          size: 1,
          sha256: 'a'.repeat(64),
        },
      },
      { deep: [{ x_visual: { storage_path: `${PREFIX}other.png` } }] },
      { x_visual: { storage_path: PREFIX, image_base64: 7 } },
    ];
    for (const doc of claims) {
      expect(errorOf(() => extractVisuals(doc, KEY)).code).toBe('UNSAFE_NAME');
    }
  });

  it('refuses a document nested deeper than MAX_DEPTH with INVALID_ARTIFACT, objects or arrays', () => {
    const deepObject = (n: number): JsonObject => {
      let doc: JsonObject = { leaf: true };
      for (let i = 0; i < n; i++) doc = { a: doc };
      return doc;
    };
    let deepArray: JsonValue = [1];
    for (let i = 0; i < 200; i++) deepArray = [deepArray];
    expect(extractVisuals(deepObject(MAX_DEPTH - 2), KEY).visuals).toEqual([]);
    // The boundary: a leaf at depth MAX_DEPTH is walked, one deeper is refused.
    expect(extractVisuals(deepObject(MAX_DEPTH - 1), KEY).visuals).toEqual([]);
    expect(errorOf(() => extractVisuals(deepObject(MAX_DEPTH), KEY)).code).toBe('INVALID_ARTIFACT');
    expect(extractVisuals({ a: deepObject(MAX_DEPTH - 2) }, KEY).visuals).toEqual([]);
    expect(errorOf(() => extractVisuals(deepObject(MAX_DEPTH + 5), KEY)).code).toBe('INVALID_ARTIFACT');
    expect(errorOf(() => extractVisuals({ x: deepArray }, KEY)).code).toBe('INVALID_ARTIFACT');
    // A real bomb does not blow the stack.
    expect(errorOf(() => extractVisuals(deepObject(100_000), KEY)).code).toBe('INVALID_ARTIFACT');
    expect(findVisualReferences(deepObject(100_000), KEY)).toEqual([]);
  });
});

describe('findVisualReferences', () => {
  it('finds exactly what extraction produced, in the same order, also after a JSON round trip', () => {
    const { manifest, visuals } = extractVisuals(workflowDoc(), KEY);
    expect(findVisualReferences(manifest, KEY)).toEqual(visualDetails(visuals));
    expect(findVisualReferences(viaJson(manifest), KEY)).toEqual(visualDetails(visuals));
  });

  it('ignores references of another artifact, tenant or type', () => {
    const { manifest } = extractVisuals(workflowDoc(), KEY);
    expect(
      findVisualReferences(manifest, { ...KEY, artifact_id: '6ba7b810-9dad-11d1-80b4-00c04fd430c8' }),
    ).toEqual([]);
    expect(findVisualReferences(manifest, { ...KEY, tenant_id: 'other' })).toEqual([]);
    expect(findVisualReferences(manifest, { ...KEY, artifact_type: 'sop' })).toEqual([]);
  });

  it('ignores look-alikes: outside the folder, wrong extension, wrong content type, missing hash or size, image still inline', () => {
    const reference = {
      storage_path: `${PREFIX}a_visual.png`,
      content_type: 'image/png',
      format: 'png',
      size: 3,
      sha256: 'a'.repeat(64),
    };
    const cases: JsonObject[] = [
      {
        a_visual: { ...reference, storage_path: `artifacts/workflow/other/${KEY.artifact_id}/a_visual.png` },
      },
      { a_visual: { ...reference, storage_path: `${PREFIX.slice(0, -1)}.json` } },
      { a_visual: { ...reference, storage_path: `${PREFIX}a_visual.jpg` } },
      { a_visual: { ...reference, content_type: 'image/jpeg' } },
      { a_visual: { ...reference, format: 'bmp' } },
      { a_visual: { ...reference, sha256: 5 } },
      { a_visual: { ...reference, size: '3' } },
      { a_visual: { ...reference, image_base64: b64(PNG) } },
      { a_visual_x: reference },
    ];
    for (const manifest of cases) expect(findVisualReferences(manifest, KEY)).toEqual([]);
    expect(findVisualReferences({ a_visual: reference }, KEY)).toEqual([{ name: 'a_visual', ...reference }]);
    // A later version shares the bytes an earlier one stored: its reference may name any object of the folder.
    expect(findVisualReferences({ nested: { b_visual: reference } }, KEY)).toEqual([
      { name: 'nested.b_visual', ...reference },
    ]);
  });
});

describe('rehydrate, restoreVisual, mapVisualReferences', () => {
  it('gives back the original document from the manifest and the bytes', () => {
    const doc = workflowDoc();
    const { manifest, visuals } = extractVisuals(doc, KEY);
    const bytes = new Map(visuals.map((v) => [v.name, v.bytes]));
    expect(rehydrate(viaJson(manifest), visualDetails(visuals), bytes)).toEqual(doc);
    // The manifest itself is left alone.
    expect(JSON.stringify(manifest)).not.toContain('image_base64');
  });

  it('refuses bytes whose sha256 does not match the reference', () => {
    const { manifest, visuals } = extractVisuals(workflowDoc(), KEY);
    const bytes = new Map(visuals.map((v) => [v.name, v.bytes]));
    bytes.set('slides.0.slide_visual', Buffer.concat([GIF, Buffer.from([0])]));
    expect(() => rehydrate(manifest, visualDetails(visuals), bytes)).toThrow(/sha256/);
  });

  it('refuses when the bytes of a visual are missing', () => {
    const { manifest, visuals } = extractVisuals(workflowDoc(), KEY);
    const bytes = new Map(visuals.slice(1).map((v) => [v.name, v.bytes]));
    expect(() => rehydrate(manifest, visualDetails(visuals), bytes)).toThrow(/workflow_visual/);
  });

  it('refuses a name that has no reference in the manifest', () => {
    expect(() => mapVisualReferences({ a: 1 }, ['b.c_visual'], (r) => r)).toThrow(/b\.c_visual/);
  });

  it('restoreVisual drops the reference fields and puts back $original and image_base64', () => {
    expect(
      restoreVisual(
        {
          title: 't',
          storage_path: 'p',
          content_type: 'c',
          format: 'png',
          size: 1,
          sha256: 's',
          $original: { size: 'S' },
        },
        PNG,
      ),
    ).toEqual({ title: 't', size: 'S', image_base64: b64(PNG) });
  });

  it('visualDetails leaves the bytes out and sha256Hex is the hex sha256', () => {
    const { visuals } = extractVisuals({ a_visual: { image_base64: b64(PNG) } }, KEY);
    expect(visualDetails(visuals)[0]).not.toHaveProperty('bytes');
    expect(sha256Hex('abc')).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
  });
});

describe('a visual field named __proto__ (JSON.parse makes it an own property)', () => {
  it('is kept in the manifest and given back by rehydrate', () => {
    const doc = JSON.parse(
      `{"a_visual": {"image_base64": "${b64(PNG)}", "__proto__": {"x": 1}, "title": "t"}}`,
    );
    expect(Object.hasOwn(doc.a_visual, '__proto__')).toBe(true);
    const { manifest, visuals } = extractVisuals(doc, KEY);
    const stored = JSON.parse(JSON.stringify(manifest));
    expect(Object.hasOwn(stored.a_visual, '__proto__')).toBe(true);
    expect(Object.getOwnPropertyDescriptor(stored.a_visual, '__proto__')?.value).toEqual({ x: 1 });
    const back = rehydrate(stored, visualDetails(visuals), new Map([['a_visual', PNG]]));
    expect(Object.hasOwn(back.a_visual as JsonObject, '__proto__')).toBe(true);
    expect(Object.getOwnPropertyDescriptor(back.a_visual, '__proto__')?.value).toEqual({ x: 1 });
    expect(back).toEqual(doc);
  });

  it('restoreVisual keeps a __proto__ field of the reference', () => {
    const reference = JSON.parse('{"__proto__": {"x": 1}, "storage_path": "p", "format": "png"}');
    const restored = restoreVisual(reference, PNG);
    expect(Object.hasOwn(restored, '__proto__')).toBe(true);
    expect(JSON.parse(JSON.stringify(restored))).toEqual(
      JSON.parse(`{"__proto__": {"x": 1}, "image_base64": "${b64(PNG)}"}`),
    );
  });

  it('works as a container key on a visual path', () => {
    const doc = JSON.parse(`{"__proto__": {"a_visual": {"image_base64": "${b64(PNG)}"}}, "b": 1}`);
    const { manifest, visuals } = extractVisuals(doc, KEY);
    expect(visuals.map((v) => v.name)).toEqual(['__proto__.a_visual']);
    const stored = viaJson(manifest);
    expect(JSON.stringify(stored)).not.toContain('image_base64');
    expect(findVisualReferences(stored, KEY)).toEqual(visualDetails(visuals));
    expect(rehydrate(stored, visualDetails(visuals), new Map([['__proto__.a_visual', PNG]]))).toEqual(doc);
  });
});

// --- property tests ----------------------------------------------------------------------------------------

type Format = 'png' | 'jpeg' | 'gif' | 'webp' | 'svg';
const EXT: Record<Format, string> = { png: 'png', jpeg: 'jpg', gif: 'gif', webp: 'webp', svg: 'svg' };
const CONTENT_TYPE: Record<Format, string> = {
  png: 'image/png',
  jpeg: 'image/jpeg',
  gif: 'image/gif',
  webp: 'image/webp',
  svg: 'image/svg+xml',
};

const tail = fc.uint8Array({ maxLength: 40 }).map((a) => Buffer.from(a));
const imageArb: fc.Arbitrary<{ format: Format; bytes: Buffer }> = fc.oneof(
  tail.map((t) => ({
    format: 'png' as const,
    bytes: Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), t]),
  })),
  fc.uint8Array({ minLength: 1, maxLength: 40 }).map((t) => ({
    format: 'jpeg' as const,
    bytes: Buffer.concat([Buffer.from([0xff, 0xd8, 0xff]), Buffer.from(t)]),
  })),
  fc
    .tuple(fc.constantFrom('GIF87a', 'GIF89a'), tail)
    .map(([h, t]) => ({ format: 'gif' as const, bytes: Buffer.concat([Buffer.from(h, 'latin1'), t]) })),
  fc.tuple(fc.uint8Array({ minLength: 4, maxLength: 4 }), tail).map(([size, t]) => ({
    format: 'webp' as const,
    bytes: Buffer.concat([
      Buffer.from('RIFF', 'latin1'),
      Buffer.from(size),
      Buffer.from('WEBP', 'latin1'),
      t,
    ]),
  })),
  fc
    .tuple(
      fc.constantFrom(
        '',
        '\ufeff',
        '<?xml version="1.0" encoding="UTF-8"?>\n',
        '<!-- chart -->\n',
        '<!DOCTYPE svg>\n  ',
      ),
      fc.constantFrom(' ', '>', '/', '\n'),
      fc.string({ maxLength: 30 }),
    )
    .map(([prolog, after, body]) => ({
      format: 'svg' as const,
      bytes: Buffer.from(`${prolog}<svg${after}${body}</svg>`, 'utf8'),
    })),
);

const safeKey = fc.oneof(
  { weight: 5, arbitrary: fc.stringMatching(/^[A-Za-z0-9_-]{1,12}$/) },
  {
    weight: 1,
    arbitrary: fc.constantFrom('components', 'current_state', 'slides', '0', '__proto__', 'constructor'),
  },
);
const containerKey = safeKey.filter((k) => !k.endsWith('_visual'));
const visualKey = safeKey.map((k) => `${k}_visual`);
type Segment = { key: string } | { index: number };
const segment: fc.Arbitrary<Segment> = fc.oneof(
  containerKey.map((key) => ({ key })),
  fc.nat({ max: 3 }).map((index) => ({ index })),
);
const pathArb = fc
  .array(segment, { maxLength: 5 })
  .map((segs) => (segs.length > 0 && 'index' in segs[0]! ? [{ key: 'items' }, ...segs] : segs));

const RESERVED_KEYS = ['storage_path', 'content_type', 'format', 'size', 'sha256', '$original'];
const extraFields = fc.dictionary(
  fc.oneof(fc.string({ maxLength: 12 }), fc.constantFrom(...RESERVED_KEYS)).filter(
    // A field named __proto__ is covered by its own test above.
    (k) => k !== 'image_base64' && k !== '__proto__',
  ),
  fc.jsonValue({ maxDepth: 2 }),
  { maxKeys: 4, noNullPrototype: true },
);
const baseDoc = fc
  .dictionary(fc.string({ maxLength: 10 }), fc.jsonValue({ maxDepth: 3, stringUnit: 'binary' }), {
    maxKeys: 6,
    noNullPrototype: true,
  })
  .map((d) => viaJson(d) as JsonObject)
  .filter((d) => !JSON.stringify(d).includes('_visual'));

type Container = Record<string, unknown> | unknown[];
const isPlainObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

function setOwn(obj: Record<string, unknown>, key: string, value: unknown) {
  Object.defineProperty(obj, key, { value, enumerable: true, writable: true, configurable: true });
}

function child(container: Container, seg: Segment): unknown {
  if ('index' in seg) return (container as unknown[])[seg.index];
  const obj = container as Record<string, unknown>;
  return Object.hasOwn(obj, seg.key) ? obj[seg.key] : undefined;
}

function setChild(container: Container, seg: Segment, value: unknown) {
  if ('index' in seg) {
    const arr = container as unknown[];
    while (arr.length < seg.index) arr.push(null);
    arr[seg.index] = value;
  } else setOwn(container as Record<string, unknown>, seg.key, value);
}

/** Puts `visual` at `{path}.{key}`, creating or replacing containers on the way; returns its dot name. */
function insert(root: Record<string, unknown>, path: Segment[], key: string, visual: object): string {
  let current: Container = root;
  path.forEach((seg, i) => {
    const next = path[i + 1];
    const wantArray = next !== undefined && 'index' in next;
    let c = child(current, seg);
    if (wantArray ? !Array.isArray(c) : !isPlainObject(c)) {
      c = wantArray ? [] : {};
      setChild(current, seg, c);
    }
    current = c as Container;
  });
  setOwn(current as Record<string, unknown>, key, visual);
  return [...path.map((s) => ('index' in s ? String(s.index) : s.key)), key].join('.');
}

function lookup(root: unknown, name: string): unknown {
  let current: unknown = root;
  for (const k of name.split('.')) {
    if (Array.isArray(current)) current = current[Number(k)];
    else if (isPlainObject(current) && Object.hasOwn(current, k)) current = current[k];
    else return undefined;
  }
  return current;
}

const insertion = fc.record({ path: pathArb, key: visualKey, image: imageArb, extra: extraFields });

describe('properties', () => {
  it('rehydrate(extract(doc)) gives back doc, and findVisualReferences(manifest) = the extracted details', () => {
    fc.assert(
      fc.property(baseDoc, fc.array(insertion, { maxLength: 6 }), (base, insertions) => {
        const doc = structuredClone(base) as Record<string, unknown>;
        const inserted = insertions.map(({ path, key, image, extra }) => {
          const visual = { ...viaJson(extra), image_base64: b64(image.bytes) };
          return { name: insert(doc, path, key, visual), visual, image };
        });
        // Later insertions may have replaced earlier ones: only those still in place are visuals.
        const present = inserted.filter((v) => lookup(doc, v.name) === v.visual);
        const original = viaJson(doc) as JsonObject;
        const input = viaJson(original);

        const { manifest, visuals } = extractVisuals(input, KEY);
        expect(input).toEqual(original);
        expect(visuals.map((v) => v.name).sort()).toEqual(present.map((v) => v.name).sort());
        for (const v of present) {
          const got = visuals.find((x) => x.name === v.name)!;
          expect(got.bytes.equals(v.image.bytes)).toBe(true);
          expect(got.format).toBe(v.image.format);
          expect(got.content_type).toBe(CONTENT_TYPE[v.image.format]);
          expect(got.storage_path).toBe(`${PREFIX}${v.name}.${EXT[v.image.format]}`);
          expect(got.size).toBe(v.image.bytes.length);
          expect(got.sha256).toBe(sha(v.image.bytes));
          const reference = lookup(manifest, v.name) as JsonObject;
          expect(reference).not.toHaveProperty('image_base64');
          expect(reference.storage_path).toBe(got.storage_path);
        }

        const stored = viaJson(manifest);
        const details = visualDetails(visuals);
        expect(findVisualReferences(stored, KEY)).toEqual(details);
        const bytes = new Map(visuals.map((v) => [v.name, v.bytes]));
        expect(rehydrate(stored, details, bytes)).toEqual(original);
      }),
      { numRuns: 300 },
    );
  });

  const hostileKey = fc.oneof(
    { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 12 }) },
    {
      weight: 1,
      arbitrary: fc.constantFrom(
        '',
        '.',
        '..',
        '../x',
        'a/b',
        '/',
        'a.b',
        'a\\b',
        '%2F',
        'é',
        '\0',
        'a'.repeat(101),
      ),
    },
    { weight: 10, arbitrary: safeKey },
  );
  type Mangle = 'none' | 'whitespace' | 'data' | 'urlsafe' | 'unpadded' | 'padbits';
  const mangle = (s: string, how: Mangle): string => {
    switch (how) {
      case 'none':
        return s;
      case 'whitespace':
        return `${s.slice(0, 4)}\n${s.slice(4)}`;
      case 'data':
        return `data:image/png;base64,${s}`;
      case 'urlsafe':
        return s.replace(/\+/g, '-').replace(/\//g, '_');
      case 'unpadded':
        return s.replace(/=+$/, '');
      case 'padbits':
        // Set a padding bit: the last character before '=' gets its low bit flipped when that is non-canonical.
        return s.replace(/([A-Za-z0-9+/])(=+)$/, (_m, c: string, pad: string) => {
          const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
          return `${alphabet[alphabet.indexOf(c) ^ 1]}${pad}`;
        });
    }
  };

  it('hostile keys or bytes: refused with the right code, or only object names inside the artifact prefix', () => {
    fc.assert(
      fc.property(
        baseDoc,
        fc.array(insertion, { maxLength: 3 }),
        fc.array(
          fc.oneof(
            // A container named *_visual could be an earlier visual, inside which nothing is extracted.
            hostileKey.filter((k) => !k.endsWith('_visual')).map((key) => ({ key })),
            fc.nat({ max: 2 }).map((index) => ({ index })),
          ),
          { maxLength: 18 },
        ),
        hostileKey,
        fc.oneof(
          imageArb.map((i) => ({ bytes: i.bytes, isImage: true })),
          fc.uint8Array({ maxLength: 30 }).map((t) => ({ bytes: Buffer.from([0, ...t]), isImage: false })),
        ),
        fc.oneof(
          { weight: 5, arbitrary: fc.constant<Mangle>('none') },
          {
            weight: 5,
            arbitrary: fc.constantFrom<Mangle>('whitespace', 'data', 'urlsafe', 'unpadded', 'padbits'),
          },
        ),
        (base, valid, rawPath, rawKey, payload, how) => {
          const doc = structuredClone(base) as Record<string, unknown>;
          for (const { path, key, image, extra } of valid) {
            insert(doc, path, key, { ...viaJson(extra), image_base64: b64(image.bytes) });
          }
          const path: Segment[] =
            rawPath.length > 0 && 'index' in rawPath[0]! ? [{ key: 'items' }, ...rawPath] : rawPath;
          const key = `${rawKey}_visual`;
          const canonical = b64(payload.bytes);
          const encoded = mangle(canonical, how);
          const name = insert(doc, path, key, { image_base64: encoded });
          const keys = [...path.map((s) => ('index' in s ? String(s.index) : s.key)), key];
          const input = viaJson(doc) as JsonObject;

          const unsafeName =
            keys.length > 16 || name.length > 512 || !keys.every((k) => /^[A-Za-z0-9_-]{1,100}$/.test(k));
          const expected = unsafeName
            ? 'UNSAFE_NAME'
            : encoded !== canonical
              ? 'INVALID_BASE64'
              : !payload.isImage
                ? 'UNSUPPORTED_IMAGE'
                : null;

          let extraction: ReturnType<typeof extractVisuals>;
          try {
            extraction = extractVisuals(input, KEY);
          } catch (err) {
            expect(err).toBeInstanceOf(PermanentError);
            expect((err as PermanentError).code).toBe(expected);
            return;
          }
          expect(expected).toBeNull();
          expect(extraction.visuals.map((v) => v.name)).toContain(name);
          for (const v of extraction.visuals) {
            expect(v.storage_path.startsWith(visualsPrefix(KEY))).toBe(true);
            const rest = v.storage_path.slice(visualsPrefix(KEY).length);
            expect(rest).not.toMatch(/\/|\\|\0|\.\./);
            expect(rest).toMatch(/^[A-Za-z0-9_.-]+\.(png|jpg|gif|webp|svg)$/);
          }
          expect(findVisualReferences(viaJson(extraction.manifest), KEY)).toEqual(
            visualDetails(extraction.visuals),
          );
        },
      ),
      { numRuns: 500 },
    );
  });
});

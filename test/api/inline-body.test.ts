/**
 * The streamed `?visuals=inline` body on its own: byte-exact against the buffered rehydration for any visual
 * size and chunking, an exact Content-Length, bounded look-ahead, and a cut (rejected) body, never a wrong
 * document, when storage disagrees with the row.
 */
import { randomBytes } from 'node:crypto';
import { PassThrough, Readable, Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import {
  type BodySink,
  INLINE_LOOKAHEAD,
  planInlineBody,
  writeInlineBody,
} from '../../functions/artifactsApi/inline-body';
import type { VisualDetail } from '../../shared/domain/artifact-row';
import { extractVisuals, type JsonObject, rehydrate, visualDetails } from '../../shared/domain/visuals';

const PNG = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
const key = {
  artifact_type: 'report',
  tenant_id: 'tenant-a',
  artifact_id: '0b0e5a3c-4f5e-4c8e-9a51-7f7f0f0f0f0f',
};

function png(size: number): Buffer {
  return Buffer.concat([PNG, randomBytes(Math.max(0, size - PNG.length))]).subarray(0, Math.max(size, 8));
}

function documentWith(sizes: number[]): JsonObject {
  return {
    title: 'doc "with" \\ escapes \u2028 and ünïcode',
    slides: sizes.map((size, i) => ({
      n: i,
      slide_visual: { image_base64: png(size).toString('base64'), note: `s${i}` },
    })),
    nested: { deeper: { chart_visual: { image_base64: png(100).toString('base64'), storage_path: 'kept' } } },
  };
}

/** A readable of `bytes` in chunks of random sizes. */
function chunked(bytes: Buffer): Readable {
  const chunks: Buffer[] = [];
  for (let at = 0; at < bytes.length; ) {
    const n = 1 + Math.floor(Math.random() * 5000);
    chunks.push(bytes.subarray(at, at + n));
    at += n;
  }
  return Readable.from(chunks);
}

class Collector extends Writable {
  readonly chunks: Buffer[] = [];
  override _write(chunk: Buffer, _enc: BufferEncoding, done: () => void) {
    this.chunks.push(Buffer.from(chunk));
    setImmediate(done);
  }
  /** Everything written, once the writes queued so far have been processed. */
  finished(): Promise<void> {
    return new Promise((resolve) => this.end(resolve));
  }
  get text() {
    return Buffer.concat(this.chunks).toString('utf8');
  }
}

function prepare(sizes: number[]) {
  const original = documentWith(sizes);
  const { manifest, visuals } = extractVisuals(original, key);
  const bytes = new Map(visuals.map((v) => [v.name, v.bytes]));
  return { original, manifest, details: visualDetails(visuals), bytes };
}

describe('the inline body', () => {
  it('is byte for byte the buffered rehydration, with an exact length, for sizes around the base64 blocks', async () => {
    const { original, manifest, details, bytes } = prepare([8, 9, 10, 11, 12, 13, 3000, 65_537, 200_003]);
    const envelope = { artifact_id: key.artifact_id, metadata: { visuals: details } };
    const body = planInlineBody(envelope, manifest, details);
    const sink = new Collector({ highWaterMark: 1024 });
    await writeInlineBody(sink as unknown as BodySink, body, async (v) => chunked(bytes.get(v.name)!));
    await sink.finished();
    const expected = JSON.stringify({ ...envelope, artifact: rehydrate(manifest, details, bytes) });
    expect(sink.text).toBe(expected);
    expect(Buffer.byteLength(expected)).toBe(body.length);
    expect(JSON.parse(sink.text).artifact).toEqual(original);
  });

  it('opens at most INLINE_LOOKAHEAD visuals ahead of the one being written', async () => {
    const { manifest, details, bytes } = prepare(Array.from({ length: 12 }, () => 20_000));
    const body = planInlineBody({}, manifest, details);
    let open = 0;
    let peak = 0;
    const sink = new Collector();
    await writeInlineBody(sink as unknown as BodySink, body, async (v) => {
      open++;
      peak = Math.max(peak, open);
      const stream = chunked(bytes.get(v.name)!);
      stream.once('close', () => open--);
      return stream;
    });
    expect(peak).toBeLessThanOrEqual(INLINE_LOOKAHEAD + 1);
    expect(open).toBe(0);
  });

  it('writes nothing when the first visual is missing', async () => {
    const { manifest, details } = prepare([100]);
    const sink = new Collector();
    await expect(
      writeInlineBody(sink as unknown as BodySink, planInlineBody({}, manifest, details), async () => null),
    ).rejects.toThrow(/missing from storage/);
    expect(sink.chunks).toEqual([]);
  });

  it.each([
    [
      'other bytes of the same size',
      (b: Buffer) => Buffer.concat([b.subarray(0, -1), Buffer.from([b.at(-1)! ^ 1])]),
      /sha256/,
    ],
    ['fewer bytes', (b: Buffer) => b.subarray(0, -1), /smaller than recorded/],
    ['more bytes', (b: Buffer) => Buffer.concat([b, Buffer.from([0])]), /larger than recorded/],
  ])('is cut short, never completed, when storage has %s', async (_what, change, error) => {
    const { manifest, details, bytes } = prepare([5000, 5000]);
    const sink = new Collector();
    const body = planInlineBody({}, manifest, details);
    await expect(
      writeInlineBody(sink as unknown as BodySink, body, async (v: VisualDetail) =>
        chunked(v === details[1] ? change(bytes.get(v.name)!) : bytes.get(v.name)!),
      ),
    ).rejects.toThrow(error);
    await sink.finished();
    expect(() => JSON.parse(sink.text)).toThrow();
  });

  it('stops and releases every opened stream when the client goes away', async () => {
    const { manifest, details, bytes } = prepare(Array.from({ length: 8 }, () => 300_000));
    const sink = new PassThrough({ highWaterMark: 1024 });
    const streams: Readable[] = [];
    const writing = writeInlineBody(
      sink as unknown as BodySink,
      planInlineBody({}, manifest, details),
      async (v) => {
        const s = chunked(bytes.get(v.name)!);
        streams.push(s);
        return s;
      },
    );
    sink.once('data', () => sink.destroy());
    sink.resume();
    await expect(writing).rejects.toThrow(/response closed/);
    await new Promise((r) => setImmediate(r));
    expect(streams.length).toBeLessThanOrEqual(INLINE_LOOKAHEAD + 1);
    expect(streams.every((s) => s.destroyed)).toBe(true);
  });

  it('gives a document without visuals as plain JSON', async () => {
    const sink = new Collector();
    const body = planInlineBody({ a: 1 }, { title: 'no visuals' }, []);
    await writeInlineBody(sink as unknown as BodySink, body, async () => null);
    await sink.finished();
    expect(sink.text).toBe('{"a":1,"artifact":{"title":"no visuals"}}');
    expect(body.length).toBe(sink.text.length);
  });
});

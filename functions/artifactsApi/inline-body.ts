/**
 * The body of `GET /api/artifacts/{id}?visuals=inline` without ever holding the visuals in memory.
 *
 * The envelope is serialized once with a placeholder string where each visual's `image_base64` goes (a random
 * nonce keeps a document from ever containing one); the body is then written as the JSON text between the
 * placeholders and, in their place, each visual's bytes streamed from storage and base64-encoded on the way,
 * a few visuals opened ahead. Content-Length is known up front (the sizes are on the row), so a client can
 * tell a complete body from a cut one.
 *
 * Once the first byte is out, a visual that is missing or whose bytes do not match the size and sha256
 * recorded for it can only cut the response short (the caller destroys it): the client then gets invalid
 * JSON, never a wrong document. Before that, the first visual is opened, so a missing one is still a 500.
 */
import { createHash, randomBytes } from 'node:crypto';
import type { Readable } from 'node:stream';
import type { VisualDetail } from '../../shared/domain/artifact-row';
import { type JsonObject, mapVisualReferences, restoreVisual } from '../../shared/domain/visuals';

/** Visuals opened (HTTP response started) ahead of the one being written. */
export const INLINE_LOOKAHEAD = 4;

export type InlinePart = { text: string } | { visual: VisualDetail };

export interface InlineBody {
  parts: InlinePart[];
  /** Exact byte length of the whole body. */
  length: number;
}

/** What the writer needs of the response: a Node writable (an Express response is one). */
export interface BodySink {
  write(chunk: string | Buffer): boolean;
  once(event: 'drain' | 'close' | 'error', listener: (...args: unknown[]) => void): unknown;
  removeListener(event: 'drain' | 'close' | 'error', listener: (...args: unknown[]) => void): unknown;
  readonly destroyed: boolean;
}

/** Length of the base64 text of `size` bytes (padded). */
export const base64Length = (size: number) => 4 * Math.ceil(size / 3);

/** The body as text parts and visuals in document order; `envelope` gets the document as `artifact`. */
export function planInlineBody(
  envelope: Record<string, unknown>,
  manifest: JsonObject,
  visuals: VisualDetail[],
): InlineBody {
  const nonce = randomBytes(16).toString('hex');
  const index = new Map(visuals.map((v, i) => [v.name, i]));
  const artifact = mapVisualReferences(
    manifest,
    visuals.map((v) => v.name),
    (reference, name) => {
      const restored = restoreVisual(reference, Buffer.alloc(0));
      restored.image_base64 = `inline-visual:${nonce}:${index.get(name)}`;
      return restored;
    },
  );
  const text = JSON.stringify({ ...envelope, artifact });
  const placeholder = new RegExp(`"inline-visual:${nonce}:(\\d+)"`, 'g');
  const parts: InlinePart[] = [];
  const seen = new Set<number>();
  let length = 0;
  let from = 0;
  for (const m of text.matchAll(placeholder)) {
    const i = Number(m[1]);
    const visual = visuals[i];
    if (!visual || seen.has(i)) throw new Error(`inline body: visual placeholder ${i} is not unique`);
    seen.add(i);
    const before = text.slice(from, m.index);
    parts.push({ text: before }, { visual });
    length += Buffer.byteLength(before) + 2 + base64Length(visual.size);
    from = m.index + m[0].length;
  }
  if (seen.size !== visuals.length) throw new Error('inline body: a visual has no place in the document');
  const rest = text.slice(from);
  parts.push({ text: rest });
  length += Buffer.byteLength(rest);
  return { parts: parts.filter((p) => !('text' in p) || p.text.length > 0), length };
}

/** Opens a visual's bytes for reading; null when the object does not exist. */
export type OpenVisual = (visual: VisualDetail) => Promise<Readable | null>;

/** Writes the planned body to `sink`, streaming each visual as base64; rejects on the first problem. */
export async function writeInlineBody(sink: BodySink, body: InlineBody, open: OpenVisual): Promise<void> {
  const visuals = body.parts.flatMap((p) => ('visual' in p ? [p.visual] : []));
  const opened: Array<Promise<Readable>> = [];
  const openAt = (k: number) => {
    const visual = visuals[k];
    if (visual === undefined || opened[k]) return;
    const promise = open(visual).then((stream) => {
      if (!stream) throw new Error(`visual ${visual.name} is missing from storage`);
      return stream;
    });
    promise.catch(() => {}); // awaited in order below; this only keeps an early failure from going unhandled
    opened[k] = promise;
  };
  for (let k = 0; k < INLINE_LOOKAHEAD; k++) openAt(k);
  let next = 0;
  try {
    if (opened[0]) await opened[0];
    for (const part of body.parts) {
      if ('text' in part) {
        await write(sink, part.text);
        continue;
      }
      const stream = await opened[next]!;
      openAt(next + INLINE_LOOKAHEAD);
      next++;
      await writeVisual(sink, stream, part.visual);
    }
  } finally {
    for (const promise of opened.slice(next))
      promise.then(
        (s) => s.destroy(),
        () => {},
      );
  }
}

async function writeVisual(sink: BodySink, stream: Readable, visual: VisualDetail): Promise<void> {
  const hash = createHash('sha256');
  let carry: Buffer = Buffer.alloc(0);
  let size = 0;
  try {
    await write(sink, '"');
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      size += chunk.length;
      if (size > visual.size) throw new Error(`visual ${visual.name} is larger than recorded`);
      hash.update(chunk);
      const data = carry.length > 0 ? Buffer.concat([carry, chunk]) : chunk;
      const whole = data.length - (data.length % 3);
      carry = Buffer.from(data.subarray(whole));
      if (whole > 0) await write(sink, data.subarray(0, whole).toString('base64'));
    }
    if (size !== visual.size) throw new Error(`visual ${visual.name} is smaller than recorded`);
    if (hash.digest('hex') !== visual.sha256)
      throw new Error(`visual ${visual.name} does not match its sha256`);
    await write(sink, `${carry.toString('base64')}"`);
  } finally {
    stream.destroy();
  }
}

/** One write, waiting for 'drain' when the sink is full; rejects when the sink closes meanwhile. */
function write(sink: BodySink, chunk: string): Promise<void> {
  if (sink.destroyed) return Promise.reject(new Error('response closed'));
  if (sink.write(chunk)) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const done = (err?: Error) => {
      sink.removeListener('drain', onDrain);
      sink.removeListener('close', onClose);
      sink.removeListener('error', onClose);
      if (err) reject(err);
      else resolve();
    };
    const onDrain = () => done();
    const onClose = () => done(new Error('response closed'));
    sink.once('drain', onDrain);
    sink.once('close', onClose);
    sink.once('error', onClose);
  });
}

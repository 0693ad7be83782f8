import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { readAll } from '../../shared/platform/read-all';

const chunks = (...parts: string[]) => Readable.from(parts.map((p) => Buffer.from(p)));

describe('readAll', () => {
  it('reads a stream of the announced size into one buffer of that size', async () => {
    const bytes = await readAll(chunks('ab', 'cde', 'f'), 6);
    expect(bytes.toString()).toBe('abcdef');
    expect(bytes.buffer.byteLength).toBeGreaterThanOrEqual(6);
  });

  it('a stream longer than announced is still read whole; a shorter one is what arrived', async () => {
    expect((await readAll(chunks('ab', 'cde', 'fgh'), 4)).toString()).toBe('abcdefgh');
    expect((await readAll(chunks('ab'), 10)).toString()).toBe('ab');
    expect((await readAll(chunks('ab', 'c'))).toString()).toBe('abc');
    expect(await readAll(chunks(), 0)).toHaveLength(0);
    expect(await readAll(chunks())).toHaveLength(0);
  });

  it('string chunks are their UTF-8 bytes', async () => {
    expect((await readAll(Readable.from(['é', 'a'], { objectMode: true }), 3)).toString()).toBe('éa');
  });

  it('a stream that fails rejects with its error', async () => {
    const failing = new Readable({
      read() {
        this.push(Buffer.from('ab'));
        this.destroy(new Error('broken'));
      },
    });
    await expect(readAll(failing, 10)).rejects.toThrow('broken');
  });
});

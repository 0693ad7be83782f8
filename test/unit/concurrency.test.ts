import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { mapLimit } from '../../shared/platform/concurrency';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('mapLimit', () => {
  it('returns results in input order, whatever order they finish in', async () => {
    const delays = [30, 5, 20, 0, 10, 1];
    const result = await mapLimit(delays, 3, async (ms, i) => {
      await sleep(ms);
      return `${i}:${ms}`;
    });
    expect(result).toEqual(['0:30', '1:5', '2:20', '3:0', '4:10', '5:1']);
  });

  it('passes each item with its index, exactly once', async () => {
    const seen: [string, number][] = [];
    await mapLimit(['a', 'b', 'c', 'd'], 2, async (item, i) => {
      seen.push([item, i]);
    });
    expect(seen.sort()).toEqual([
      ['a', 0],
      ['b', 1],
      ['c', 2],
      ['d', 3],
    ]);
  });

  it('never has more than `limit` calls in flight, and reaches the limit', async () => {
    let inFlight = 0;
    let max = 0;
    const result = await mapLimit(
      Array.from({ length: 20 }, (_, i) => i),
      4,
      async (i) => {
        inFlight++;
        max = Math.max(max, inFlight);
        await sleep(i % 3);
        inFlight--;
        return i * 2;
      },
    );
    expect(max).toBe(4);
    expect(inFlight).toBe(0);
    expect(result).toEqual(Array.from({ length: 20 }, (_, i) => i * 2));
  });

  it('respects any limit and keeps order (property)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.nat({ max: 3 }), { maxLength: 25 }),
        fc.integer({ min: 1, max: 8 }),
        async (delays, limit) => {
          let inFlight = 0;
          let max = 0;
          const result = await mapLimit(delays, limit, async (ms, i) => {
            inFlight++;
            max = Math.max(max, inFlight);
            if (ms > 0) await sleep(ms);
            else await Promise.resolve();
            inFlight--;
            return i;
          });
          expect(result).toEqual(delays.map((_, i) => i));
          expect(max).toBeLessThanOrEqual(limit);
          if (delays.length > 0) expect(max).toBe(Math.min(limit, delays.length));
        },
      ),
      { numRuns: 50 },
    );
  });

  it('a limit of 1 runs the calls one after the other, in order', async () => {
    const events: string[] = [];
    await mapLimit([1, 2, 3], 1, async (n) => {
      events.push(`start ${n}`);
      await sleep(3 - n);
      events.push(`end ${n}`);
    });
    expect(events).toEqual(['start 1', 'end 1', 'start 2', 'end 2', 'start 3', 'end 3']);
  });

  it('a limit above the number of items starts them all at once', async () => {
    let inFlight = 0;
    let max = 0;
    await mapLimit([1, 2, 3], 100, async () => {
      inFlight++;
      max = Math.max(max, inFlight);
      await sleep(2);
      inFlight--;
    });
    expect(max).toBe(3);
  });

  it('resolves to [] for no items without calling fn', async () => {
    let calls = 0;
    expect(
      await mapLimit([], 3, async () => {
        calls++;
      }),
    ).toEqual([]);
    expect(calls).toBe(0);
  });

  it('rejects with the first error and starts nothing new after it', async () => {
    const started: number[] = [];
    const failure = new Error('item 2 failed');
    const promise = mapLimit(
      Array.from({ length: 10 }, (_, i) => i),
      2,
      async (i) => {
        started.push(i);
        await sleep(i === 2 ? 1 : 5);
        if (i === 2) throw failure;
        if (i === 3) throw new Error('a later failure');
        return i;
      },
    );
    await expect(promise).rejects.toBe(failure);
    await sleep(30);
    // 0 and 1 start, then 2 and 3 as they finish; 2 fails before 3 ends, so nothing after 3 is started.
    expect(started).toEqual([0, 1, 2, 3]);
  });

  it('rejects only after every call it started has settled (no call outlives the rejection)', async () => {
    const settled = new Set<number>();
    const promise = mapLimit([0, 1, 2, 3], 4, async (i) => {
      await sleep(i === 0 ? 1 : 40);
      settled.add(i);
      if (i === 0) throw new Error('first fails fast');
      return i;
    });
    await expect(promise).rejects.toThrow('first fails fast');
    // The slow calls were already running when the first failed: they have finished by now.
    expect([...settled].sort()).toEqual([0, 1, 2, 3]);
  });

  it('rejects when the very first call throws synchronously inside the async function', async () => {
    await expect(
      mapLimit([1, 2, 3], 2, async (n) => {
        if (n === 1) throw new RangeError('bad item');
        return n;
      }),
    ).rejects.toThrow(RangeError);
  });

  it.each([0, -1, Number.NaN, 1.5])('refuses a limit of %s instead of never calling fn', async (limit) => {
    await expect(mapLimit([1, 2], limit, async (x) => x)).rejects.toThrow(RangeError);
  });
});

/**
 * Preloaded (`node --expose-gc --require`) into a function process by bench/profile.ts, never deployed: on
 * SIGUSR2 it collects garbage (twice: the second pass frees what the first one's finalizers released) and
 * writes `process.memoryUsage()` and the heap spaces' sizes (MB), after and before that collection (as
 * `beforeGc`), to `$BENCH_PROBE_DIR/memory-<pid>-<n>.json`, and, with
 * BENCH_PROBE_HEAP_SNAPSHOT=1, a heap snapshot beside it. How the benchmark tells memory still referenced
 * after requests (a leak, or a cache) from memory the allocator has not returned to the system yet.
 */
'use strict';
const { writeFileSync } = require('node:fs');
const { join } = require('node:path');
const v8 = require('node:v8');

const dir = process.env.BENCH_PROBE_DIR;
let n = 0;
if (dir) {
  process.on('SIGUSR2', () => {
    n++;
    const spaces = (list) =>
      Object.fromEntries(list.map((x) => [x.space_name, Math.round(x.space_size / 1024 / 1024)]));
    const beforeGc = { ...process.memoryUsage(), spaces: spaces(v8.getHeapSpaceStatistics()) };
    if (typeof global.gc === 'function') {
      global.gc();
      global.gc();
    }
    const base = join(dir, `memory-${process.pid}-${n}`);
    if (process.env.BENCH_PROBE_HEAP_SNAPSHOT === '1') v8.writeHeapSnapshot(`${base}.heapsnapshot`);
    writeFileSync(
      `${base}.json`,
      JSON.stringify({
        ...process.memoryUsage(),
        spaces: spaces(v8.getHeapSpaceStatistics()),
        beforeGc,
      }),
    );
  });
}

/**
 * Where the store path (or the read path) spends (not a comparison: no floor). Starts this checkout's stack,
 * respawns storeArtifact and syncArtifactMetadata (bench/lib/respawn.ts), or artifactsApi for `reads`, under
 * `node --cpu-prof --expose-gc` with the memory probe (bench/lib/memory-probe.cjs), stores (or reads)
 * artifacts, stops the profiled processes and prints, for
 * each: the CPU profile's self time by source file and by function (mapped back to the TypeScript through
 * the bundle's source map), the inclusive time of our own entry points, and its memory after a full GC
 * before and after the load (what the requests left referenced).
 *
 *   BENCH_PROFILE_ARTIFACT   standard (default: ~76 KB + one 30 KB PNG), staged or inline (the ~20 MB one),
 *                            or reads: artifactsApi serving GET, GET ?visuals=inline and a list of 20 in turn
 *                            over BENCH_SEED_COUNT (110) standard artifacts stored first
 *   BENCH_PROFILE_COUNT      artifacts stored, or reads (default 300 standard, 5 large, 3000 reads)
 *   BENCH_CONCURRENCY        producers at once (default 8 standard, 1 large)
 *   BENCH_PROFILE_DIR        where the .cpuprofile files are kept (default: a temporary directory, removed)
 *   BENCH_PROFILE_PROBE_EVERY    also probe memory (after a full GC) after every that many artifacts: a leak
 *                                grows there, garbage does not
 *   BENCH_PROBE_HEAP_SNAPSHOT=1  also a heap snapshot with each memory probe (kept in BENCH_PROFILE_DIR)
 *
 * Usage: `npm run bench:profile`. Open a .cpuprofile in Chrome DevTools (Performance) for the whole picture.
 */
import { randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { SourceMap } from 'node:module';
import { tmpdir } from 'node:os';
import { basename, join, relative } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { largeArtifact, pushBodies, standardArtifact } from './lib/artifact';
import { ROOT } from './lib/baseline';
import { getOnce, largePushBody, push, seed } from './lib/load';
import { memory } from './lib/proc';
import { respawn, stopRespawned } from './lib/respawn';
import { log, numberEnv, run } from './lib/session';
import { type System, startSystem } from './lib/systems';

const PROBE = fileURLToPath(new URL('./lib/memory-probe.cjs', import.meta.url));
const MB = 1024 * 1024;

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number; columnNumber: number };
  children?: number[];
}
/** What bench/lib/memory-probe.cjs writes: after a full GC, and just before it. */
interface Probe extends NodeJS.MemoryUsage {
  spaces: Record<string, number>;
  beforeGc: NodeJS.MemoryUsage & { spaces: Record<string, number> };
}

interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

run(async () => {
  const mode = process.env.BENCH_PROFILE_ARTIFACT || 'standard';
  if (!['standard', 'staged', 'inline', 'reads'].includes(mode)) {
    throw new Error('BENCH_PROFILE_ARTIFACT: standard, staged, inline or reads');
  }
  const reads = mode === 'reads';
  const large = mode === 'staged' || mode === 'inline';
  const profiled = reads ? ['artifactsApi'] : ['storeArtifact', 'syncArtifactMetadata'];
  const count = Math.round(numberEnv('BENCH_PROFILE_COUNT', large ? 5 : reads ? 3000 : 300));
  const concurrency = Math.max(1, Math.round(numberEnv('BENCH_CONCURRENCY', large ? 1 : 8)));
  const keep = process.env.BENCH_PROFILE_DIR;
  const dir = keep ?? mkdtempSync(join(tmpdir(), 'artifact-store-profile-'));
  mkdirSync(dir, { recursive: true });
  log(`profile: ${count} ${mode} artifacts at c=${concurrency}; profiles in ${dir}`);
  const sys = await startSystem('ours', 'stack', ROOT, { LOG_LEVEL: process.env.BENCH_LOG_LEVEL || 'INFO' });
  try {
    for (const name of profiled) {
      mkdirSync(join(dir, name), { recursive: true });
      sys.functions[name] = await respawn(sys.functions[name]!, {
        nodeFlags: [
          '--cpu-prof',
          `--cpu-prof-dir=${join(dir, name)}`,
          '--cpu-prof-interval=250',
          '--expose-gc',
          '--require',
          PROBE,
        ],
        env: {
          BENCH_PROBE_DIR: join(dir, name),
          ...(process.env.BENCH_PROBE_HEAP_SNAPSHOT ? { BENCH_PROBE_HEAP_SNAPSHOT: '1' } : {}),
        },
      });
    }
    const small = pushBodies(standardArtifact(), sys.projectId);
    const storeSmall = async () => {
      const id = randomUUID();
      await push(sys.pushUrl, small(id));
      await sys.visibility.wait(id);
    };
    const ids = reads ? await seed(sys, Math.round(numberEnv('BENCH_SEED_COUNT', 110)), small) : [];
    let turn = 0;
    const readOne = async () => {
      const n = turn++;
      const id = ids[n % ids.length];
      await getOnce(
        sys,
        [`/api/artifacts/${id}`, `/api/artifacts/${id}?visuals=inline`, '/api/artifacts?limit=20'][n % 3]!,
      );
    };
    for (let i = 0; i < 20; i++) await (reads ? readOne() : storeSmall()); // warm: JIT, connections
    const before = await probeAll(sys, dir, profiled);
    const storeOne = reads ? readOne : large ? await largeStore(sys, mode === 'staged') : storeSmall;
    const started = performance.now();
    const every = Math.round(numberEnv('BENCH_PROFILE_PROBE_EVERY', 0)) || count;
    const trend: Array<{ stored: number; probes: Record<string, Probe> }> = [{ stored: 0, probes: before }];
    let next = 0;
    while (next < count) {
      const end = Math.min(count, next + every);
      await Promise.all(
        Array.from({ length: concurrency }, async () => {
          while (next < end) {
            next++;
            await storeOne();
          }
        }),
      );
      if (end < count) trend.push({ stored: end, probes: await probeAll(sys, dir, profiled) });
    }
    const seconds = (performance.now() - started) / 1000;
    log(
      `${reads ? 'read' : 'stored'} ${count} in ${seconds.toFixed(1)} s (${(count / seconds).toFixed(1)}/s, profiling on)`,
    );
    const rssAtEnd = Object.fromEntries(profiled.map((n) => [n, memory(sys.functions[n]!).rss / MB]));
    await sleep(2000);
    const after = await probeAll(sys, dir, profiled);
    trend.push({ stored: count, probes: after });
    await stopRespawned(); // SIGTERM: functions-framework exits, node writes the .cpuprofile
    for (const name of profiled) {
      console.log(`\n=== ${name} (${count} ${mode} artifacts, c=${concurrency}) ===`);
      const m = (x: Omit<Probe, 'beforeGc' | 'spaces'>) =>
        `rss ${(x.rss / MB).toFixed(1)} heapUsed ${(x.heapUsed / MB).toFixed(1)} external ${(x.external / MB).toFixed(1)} arrayBuffers ${(x.arrayBuffers / MB).toFixed(1)}`;
      const spaces = (x: Pick<Probe, 'spaces'>) =>
        Object.entries(x.spaces)
          .filter(([, mb]) => mb > 0)
          .map(([space, mb]) => `${space.replace(/_space$/, '')} ${mb}`)
          .join(', ');
      console.log(`memory after GC, before the load: ${m(before[name]!)}`);
      console.log(`memory before GC, after the load: ${m(after[name]!.beforeGc)}`);
      console.log(`  heap spaces MB: ${spaces(after[name]!.beforeGc)}`);
      console.log(`memory after GC, after the load:  ${m(after[name]!)}`);
      console.log(`  heap spaces MB: ${spaces(after[name]!)}`);
      console.log(`RSS at the end of the load (before GC): ${rssAtEnd[name]!.toFixed(1)} MB`);
      if (trend.length > 2) {
        console.log(
          'after a full GC, by operations done:    done  rss  heapUsed  external  arrayBuffers (MB)',
        );
        for (const { stored, probes } of trend) {
          const x = probes[name]!;
          const f = (v: number) => (v / MB).toFixed(1).padStart(8);
          console.log(
            `${String(stored).padStart(8)} ${f(x.rss)} ${f(x.heapUsed)} ${f(x.external)} ${f(x.arrayBuffers)}`,
          );
        }
      }
      const files = readdirSync(join(dir, name)).filter((f) => f.endsWith('.cpuprofile'));
      if (files.length === 0) {
        console.log('(no .cpuprofile written)');
        continue;
      }
      const profile = JSON.parse(readFileSync(join(dir, name, files[0]!), 'utf8')) as CpuProfile;
      summarise(profile, name, count);
    }
  } finally {
    await stopRespawned();
    await sys.stop();
    if (!keep) rmSync(dir, { recursive: true, force: true });
  }
});

/** One large artifact per call: staged (uploaded to staging/ first, not timed by the profile) or inline. */
async function largeStore(sys: System, staged: boolean): Promise<() => Promise<void>> {
  const artifact = largeArtifact();
  const document = Buffer.from(JSON.stringify(artifact));
  return async () => {
    const id = randomUUID();
    await push(sys.pushUrl, await largePushBody(sys, id, artifact, document, staged));
    await sys.visibility.wait(id);
  };
}

/** Memory of each profiled function after a full GC (the probe answers SIGUSR2 with a file). */
async function probeAll(sys: System, dir: string, profiled: string[]): Promise<Record<string, Probe>> {
  const out: Record<string, Probe> = {};
  for (const name of profiled) {
    const pid = sys.functions[name]!;
    const seen = new Set(readdirSync(join(dir, name)));
    process.kill(pid, 'SIGUSR2');
    for (let i = 0; i < 600; i++) {
      const fresh = readdirSync(join(dir, name)).find((f) => f.endsWith('.json') && !seen.has(f));
      if (fresh) {
        await sleep(50);
        out[name] = JSON.parse(readFileSync(join(dir, name, fresh), 'utf8')) as Probe;
        break;
      }
      await sleep(50);
    }
    if (!out[name]) throw new Error(`${name}: the memory probe did not answer`);
  }
  return out;
}

/** Self time by source and by function, inclusive time of our entry points; per artifact, in ms per operation (artifact stored or read). */
function summarise(profile: CpuProfile, name: string, count: number): void {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const self = new Map<number, number>();
  profile.samples.forEach((id, i) => {
    self.set(id, (self.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0) / 1000);
  });
  const bundle = join(ROOT, 'dist/functions', name, 'index.js');
  const map = existsSync(`${bundle}.map`)
    ? new SourceMap(JSON.parse(readFileSync(`${bundle}.map`, 'utf8')))
    : undefined;
  const where = (frame: ProfileNode['callFrame']): { file: string; label: string } => {
    const url = frame.url.replace(/^file:\/\//, '');
    const fn = frame.functionName || '(anonymous)';
    if (!url) return { file: fn.startsWith('(') ? fn : '(native)', label: fn };
    if (map && url === bundle) {
      const entry = map.findEntry(frame.lineNumber, frame.columnNumber) as {
        originalSource?: string;
        originalLine?: number;
      };
      if (entry.originalSource) {
        const source = entry.originalSource.replace(/^.*?(node_modules\/|shared\/|functions\/)/, '$1');
        const file = source.startsWith('node_modules/')
          ? source
              .split('/')
              .slice(0, source.split('/')[1]!.startsWith('@') ? 3 : 2)
              .join('/')
          : source;
        return { file, label: `${fn} ${source}:${(entry.originalLine ?? 0) + 1}` };
      }
    }
    const short = url.startsWith('node:') ? url : relative(ROOT, url) || basename(url);
    const file = short.includes('node_modules/')
      ? short.replace(/^.*node_modules\/((@[^/]+\/)?[^/]+).*$/, 'node_modules/$1')
      : short;
    return { file, label: `${fn} ${short}:${frame.lineNumber + 1}` };
  };
  const byFile = new Map<string, number>();
  const byFunction = new Map<string, number>();
  let total = 0;
  let idle = 0;
  for (const [id, ms] of self) {
    const node = byId.get(id)!;
    if (node.callFrame.functionName === '(idle)') {
      idle += ms;
      continue;
    }
    total += ms;
    const w = where(node.callFrame);
    byFile.set(w.file, (byFile.get(w.file) ?? 0) + ms);
    byFunction.set(w.label, (byFunction.get(w.label) ?? 0) + ms);
  }
  // Inclusive: a sample counts once for each of our functions on its stack.
  const inclusive = new Map<string, number>();
  const ours = /^(\S+) (shared|functions)\//;
  for (const [id, ms] of self) {
    if (byId.get(id)!.callFrame.functionName === '(idle)') continue;
    const seen = new Set<string>();
    for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
      const w = where(byId.get(at)!.callFrame);
      const m = ours.exec(w.label);
      if (!m || seen.has(w.label)) continue;
      seen.add(w.label);
      inclusive.set(w.label, (inclusive.get(w.label) ?? 0) + ms);
    }
  }
  const per = (ms: number) => (ms / count).toFixed(2).padStart(7);
  console.log(
    `busy ${(total / 1000).toFixed(1)} s (${per(total)} ms per operation), idle ${(idle / 1000).toFixed(1)} s`,
  );
  const top = (m: Map<string, number>, n: number, title: string) => {
    console.log(`\n${title} (ms per operation, share of busy)`);
    for (const [k, v] of [...m.entries()].sort((a, b) => b[1] - a[1]).slice(0, n)) {
      console.log(`${per(v)} ${((100 * v) / total).toFixed(1).padStart(5)}%  ${k}`);
    }
  };
  top(byFile, 25, 'self time by source');
  top(byFunction, 40, 'self time by function');
  top(inclusive, 40, 'inclusive time of our functions');
}

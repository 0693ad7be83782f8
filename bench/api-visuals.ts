/**
 * Memory and time of the artifactsApi function when it serves visuals: `GET /api/artifacts/{id}?visuals=inline`
 * of a ~20 MB artifact with 20 visuals (~1 MB each), and `GET .../visuals/{name}` of one 10 MB visual.
 *
 * A whole local stack (embedded PostgreSQL, stand-ins, the three function bundles under functions-framework)
 * is started in a temporary directory on free ports. The 20-visual artifact is published through the
 * claim-check path with a `persist` override, and so is the artifact holding the 10 MB visual. For each request the artifactsApi process's peak RSS is reset
 * (`/proc/<pid>/clear_refs` = 5) and read back afterwards (`VmHWM`), so every figure is the peak of that one
 * request, measured in the function's own process, not in this one. Linux only.
 *
 * Usage: `npm run bench:api` (BENCH_RUNS samples per case, default 5). Not a test: it prints a table.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../local/net';
import { startStack } from '../local/stack';
import { mintJwt } from '../local/tokens';
import { GcsBlobStore } from '../shared/adapters/gcs-blob-store';
import { SupabaseMetadataStore } from '../shared/adapters/supabase-metadata-store';
import { publishArtifact } from '../shared/producer/publish';
import { PushTransport } from '../shared/producer/publish-transport';

const RUNS = Number(process.env.BENCH_RUNS ?? 5);
const MB = 1024 * 1024;
const TENANT = 'bench-tenant';

/** Random bytes behind a PNG signature: the store detects the type by its magic bytes only. */
function fakePng(size: number): Buffer {
  const bytes = randomBytes(size);
  Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]).copy(bytes);
  return bytes;
}

function memoryOf(pid: number): { rss: number; hwm: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (field: string) => Number(new RegExp(`${field}:\\s+(\\d+) kB`).exec(status)?.[1] ?? Number.NaN);
  return { rss: kb('VmRSS') * 1024, hwm: kb('VmHWM') * 1024 };
}

interface Sample {
  ms: number;
  ttfbMs: number;
  bytes: number;
  rssBefore: number;
  peak: number;
}

/** One request, its body read and dropped chunk by chunk; the function's peak RSS during it. */
async function measure(pid: number, url: string, token: string): Promise<Sample> {
  writeFileSync(`/proc/${pid}/clear_refs`, '5');
  const before = memoryOf(pid);
  const started = performance.now();
  const res = await fetch(url, { headers: { authorization: `Bearer ${token}` } });
  const ttfbMs = performance.now() - started;
  if (res.status !== 200) throw new Error(`${url}: HTTP ${res.status} ${await res.text()}`);
  let bytes = 0;
  for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) bytes += chunk.length;
  const ms = performance.now() - started;
  return { ms, ttfbMs, bytes, rssBefore: before.rss, peak: memoryOf(pid).hwm };
}

const fmtMB = (n: number) => (n / MB).toFixed(1);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function main() {
  if (process.platform !== 'linux') throw new Error('bench:api reads /proc: Linux only');
  const dataDir = mkdtempSync(join(tmpdir(), 'artifact-store-bench-api-'));
  const ports = await Promise.all(Array.from({ length: 6 }, () => freePort()));
  const stack = await startStack({
    dataDir,
    ports: {
      artifactsApi: ports[0]!,
      storeArtifact: ports[1]!,
      syncArtifactMetadata: ports[2]!,
      postgrest: ports[3]!,
      postgres: ports[4]!,
      gcs: ports[5]!,
    },
    projectId: 'bench-project',
    bucket: 'bench-artifacts',
    topic: 'artifact-store-requests',
    functionEnv: { LOG_LEVEL: 'WARNING' },
  });
  try {
    const pid = stack.functions.artifactsApi.pid;
    if (!pid) throw new Error('artifactsApi has no pid');
    const { projectId, topic, bucket } = stack.options;
    const blobs = new GcsBlobStore({ bucket, apiEndpoint: stack.urls.gcs });
    const metadata = new SupabaseMetadataStore({
      url: stack.urls.supabase,
      serviceRoleKey: stack.serviceRoleKey,
    });
    const transport = new PushTransport({ url: stack.urls.store, projectId, topic });
    const waitForRow = async (artifactId: string) => {
      const deadline = Date.now() + 120_000;
      while (!(await metadata.get(artifactId, TENANT))) {
        if (Date.now() > deadline) throw new Error(`artifact ${artifactId} was not stored`);
        await new Promise((r) => setTimeout(r, 200));
      }
      return artifactId;
    };
    const publish = async (artifact: Record<string, unknown>) => {
      const { artifact_id } = await publishArtifact(
        {
          artifact_type: 'bench_visuals',
          tenant_id: TENANT,
          artifact_id: randomUUID(),
          artifact,
          materialization: { mode: 'persist', reason: 'benchmark' },
        },
        { transport, blobs },
      );
      return waitForRow(artifact_id);
    };
    const visuals = Array.from({ length: 20 }, (_, i) => ({
      slide_visual: { title: `slide ${i}`, image_base64: fakePng(MB).toString('base64') },
    }));
    const inlineId = await publish({ title: 'twenty visuals', slides: visuals });
    const bigId = await publish({
      title: 'one big visual',
      chart_visual: { image_base64: fakePng(10 * MB).toString('base64') },
    });
    const token = await mintJwt(
      { sub: 'bench', role: 'authenticated', app_metadata: { tenant_id: TENANT } },
      stack.jwtSecret,
      { expiresIn: '1h' },
    );
    const cases = [
      {
        name: 'GET visual (10 MB)',
        url: `${stack.urls.api}/api/artifacts/${bigId}/visuals/chart_visual`,
        payload: 10 * MB,
      },
      {
        name: 'GET ?visuals=inline (20 x 1 MB)',
        url: `${stack.urls.api}/api/artifacts/${inlineId}?visuals=inline`,
        payload: 20 * MB,
      },
    ];

    const idle = memoryOf(pid);
    console.log(`artifactsApi pid ${pid}, idle RSS ${fmtMB(idle.rss)} MB; ${RUNS} runs per case\n`);
    const header = [
      'case',
      'run',
      'ms',
      'TTFB ms',
      'body MB',
      'RSS before MB',
      'peak RSS MB',
      'peak - before MB',
      '(peak - before) / payload',
    ];
    const rows: string[][] = [header];
    for (const c of cases) {
      const samples: Sample[] = [];
      for (let run = 1; run <= RUNS; run++) {
        const s = await measure(pid, c.url, token);
        samples.push(s);
        rows.push([
          c.name,
          String(run),
          s.ms.toFixed(0),
          s.ttfbMs.toFixed(0),
          fmtMB(s.bytes),
          fmtMB(s.rssBefore),
          fmtMB(s.peak),
          fmtMB(s.peak - s.rssBefore),
          ((s.peak - s.rssBefore) / c.payload).toFixed(2),
        ]);
      }
      rows.push([
        `${c.name} median`,
        '',
        median(samples.map((s) => s.ms)).toFixed(0),
        median(samples.map((s) => s.ttfbMs)).toFixed(0),
        fmtMB(samples[0]!.bytes),
        '',
        fmtMB(median(samples.map((s) => s.peak))),
        fmtMB(median(samples.map((s) => s.peak - s.rssBefore))),
        (median(samples.map((s) => s.peak - s.rssBefore)) / c.payload).toFixed(2),
      ]);
    }
    const widths = header.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
    for (const r of rows)
      console.log(
        r.map((cell, i) => (i === 0 ? cell.padEnd : cell.padStart).call(cell, widths[i]!)).join('  '),
      );
  } finally {
    await stack.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});

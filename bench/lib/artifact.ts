/**
 * Deterministic benchmark content: a workflow artifact of ~76 KB JSON carrying one ~30 KB PNG (the store
 * benchmarks), a ~20 MB one with 20 PNGs of ~750 KB (peak RSS), and the store request and Pub/Sub push
 * bodies that carry them. The same seed gives the same bytes on every run and machine.
 */
import { deflateSync } from 'node:zlib';

export const TENANT = 'bench-tenant';
export const ARTIFACT_TYPE = 'workflow';

/** mulberry32: a small seeded PRNG (uniform in [0, 1)). */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

function crc32(bytes: Buffer): number {
  let c = 0xffffffff;
  for (const b of bytes) c = CRC_TABLE[(c ^ b) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function chunk(type: string, data: Buffer): Buffer {
  const length = Buffer.alloc(4);
  length.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body));
  return Buffer.concat([length, body, crc]);
}

/** A valid RGB PNG of `side` x `side` pixels of seeded noise (incompressible: ~3 bytes a pixel). */
export function noisePng(side: number, seed: number): Buffer {
  const random = prng(seed);
  const raw = Buffer.alloc(side * (side * 3 + 1));
  for (let y = 0; y < side; y++) {
    const row = y * (side * 3 + 1); // each row: filter byte 0, then the pixels
    for (let x = 1; x <= side * 3; x++) raw[row + x] = Math.floor(random() * 256);
  }
  const header = Buffer.alloc(13);
  header.writeUInt32BE(side, 0);
  header.writeUInt32BE(side, 4);
  header[8] = 8; // bit depth
  header[9] = 2; // colour type RGB
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', header),
    chunk('IDAT', deflateSync(raw)),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

const WORDS =
  'intake validate vendor route approval ledger reconcile invoice exception review escalate archive notify threshold policy owner queue retry audit export'.split(
    ' ',
  );

/** A workflow document (`{workflow, sop_id}`) of at least `bytes` bytes of JSON, without visuals. */
export function workflowDocument(bytes: number, seed = 1): Record<string, unknown> {
  const random = prng(seed);
  const words = (n: number) =>
    Array.from({ length: n }, () => WORDS[Math.floor(random() * WORDS.length)]).join(' ');
  const steps: Array<Record<string, unknown>> = [];
  const doc = { workflow: { id: 'wf-bench', name: 'Benchmark workflow', steps }, sop_id: 'sop-bench' };
  let size = JSON.stringify(doc).length;
  while (size < bytes) {
    const i = steps.length;
    const step = {
      id: `s${i}`,
      name: words(3),
      description: words(24),
      owner: `team-${i % 7}`,
      inputs: [words(2), words(2)],
      next: [`s${i + 1}`],
      sla_minutes: 15 + (i % 90),
    };
    steps.push(step);
    size += JSON.stringify(step).length + 1;
  }
  return doc;
}

/** The store benchmarks' artifact: ~76 KB of workflow JSON and one ~30 KB PNG as `workflow_visual`. */
export function standardArtifact(): Record<string, unknown> {
  return {
    ...workflowDocument(76 * 1024),
    workflow_visual: { title: 'Benchmark workflow', image_base64: noisePng(100, 7).toString('base64') },
  };
}

/** ~20 MB of JSON: the standard workflow and 20 top-level visuals of ~750 KB PNG each. */
export function largeArtifact(): Record<string, unknown> {
  const artifact: Record<string, unknown> = workflowDocument(76 * 1024);
  for (let i = 0; i < 20; i++) {
    const key = `step_${String(i).padStart(2, '0')}_visual`;
    artifact[key] = { title: `step ${i}`, image_base64: noisePng(500, 100 + i).toString('base64') };
  }
  return artifact;
}

/** A store request (docs/design.md, "Store request") persisting `artifact` (or naming a staged object) under `artifactId`. */
export function storeRequest(
  artifactId: string,
  payload: { artifact: Record<string, unknown> } | { artifact_ref: { name: string } },
): Record<string, unknown> {
  return {
    version: 1,
    artifact_type: ARTIFACT_TYPE,
    tenant_id: TENANT,
    artifact_id: artifactId,
    ...payload,
    metadata: {
      user_id: 'bench-user',
      execution_id: 'bench-execution',
      session_id: 'bench-session',
      ui_name: 'Benchmark workflow',
    },
    materialization: { mode: 'persist', reason: 'benchmark' },
  };
}

const ID_PLACEHOLDER = '00000000-0000-4000-8000-00000000b3c4';

/**
 * Builds Pub/Sub push bodies (what a push subscription POSTs) for one artifact under fresh ids, fast: the
 * request's JSON is serialized once with a placeholder id, which is replaced per message.
 */
export function pushBodies(
  artifact: Record<string, unknown>,
  projectId: string,
): (artifactId: string) => string {
  const template = JSON.stringify(storeRequest(ID_PLACEHOLDER, { artifact }));
  const at = template.indexOf(ID_PLACEHOLDER);
  let counter = 0;
  return (artifactId) => {
    const data = template.slice(0, at) + artifactId + template.slice(at + ID_PLACEHOLDER.length);
    return pushBody(data, artifactId, projectId, `${Date.now()}${counter++}`);
  };
}

/** One push delivery of `data` (the request's JSON text), attributes mirroring the body as publishers set them. */
export function pushBody(data: string, artifactId: string, projectId: string, messageId: string): string {
  return JSON.stringify({
    message: {
      data: Buffer.from(data).toString('base64'),
      attributes: { artifact_type: ARTIFACT_TYPE, tenant_id: TENANT, artifact_id: artifactId },
      messageId,
      publishTime: new Date().toISOString(),
    },
    subscription: `projects/${projectId}/subscriptions/bench-push`,
  });
}

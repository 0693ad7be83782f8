/**
 * `npm run demo`: against a running `npm start`, publishes one sample artifact of every known type (with
 * visuals), waits until each can be read back, checks that `?visuals=inline` returns the original document
 * exactly; then publishes a revision of the roadmap (version 2, alias `prod`, made from the blueprint) and
 * waits for its outcome, and prints what it did.
 */

import { readFileSync } from 'node:fs';
import { isDeepStrictEqual } from 'node:util';
import { GcsBlobStore } from '../shared/adapters/gcs-blob-store';
import { KNOWN_ARTIFACT_TYPES } from '../shared/domain/artifact-types';
import type { StoreRequestInput } from '../shared/domain/store-request';
import { publishArtifact } from '../shared/producer/publish';
import { type PublishTransport, PubSubTransport, PushTransport } from '../shared/producer/publish-transport';
import { LOCAL } from './defaults';
import { LOCAL_JWT_SECRET, mintJwt } from './tokens';

const api = process.env.ARTIFACTS_API_URL ?? `http://${LOCAL.host}:${LOCAL.ports.artifactsApi}`;

async function main() {
  const tenant = 'tenant-demo';
  const token = await mintJwt(
    { sub: 'demo', role: 'authenticated', app_metadata: { tenant_id: tenant } },
    process.env.SUPABASE_JWT_SECRET ?? LOCAL_JWT_SECRET,
    {
      expiresIn: '10m',
    },
  );
  const get = (path: string) => fetch(`${api}${path}`, { headers: { authorization: `Bearer ${token}` } });
  try {
    await get('/api/artifacts?limit=1');
  } catch {
    throw new Error(`no artifact store at ${api}: start it with \`npm start\` in another terminal first`);
  }
  const transport: PublishTransport = process.env.PUBSUB_EMULATOR_HOST
    ? new PubSubTransport({ projectId: LOCAL.projectId, topic: LOCAL.topic })
    : new PushTransport({
        url: `http://${LOCAL.host}:${LOCAL.ports.storeArtifact}`,
        projectId: LOCAL.projectId,
        topic: LOCAL.topic,
      });
  const blobs = new GcsBlobStore({
    bucket: LOCAL.bucket,
    apiEndpoint: `http://${LOCAL.host}:${LOCAL.ports.gcs}`,
  });
  const rows: string[][] = [];
  const summary: string[] = [];
  const ids = new Map<string, { id: string; request: StoreRequestInput }>();
  let failures = 0;
  try {
    for (const type of KNOWN_ARTIFACT_TYPES) {
      const request = JSON.parse(
        readFileSync(new URL(`./samples/${type}.json`, import.meta.url), 'utf8'),
      ) as StoreRequestInput;
      const started = Date.now();
      const { artifact_id } = await publishArtifact({ ...request, tenant_id: tenant }, { transport, blobs });
      let body: { artifact: unknown; file_size: number; metadata: { visuals: unknown[] } } | undefined;
      for (let i = 0; i < 100 && !body; i++) {
        const res = await get(`/api/artifacts/${artifact_id}?visuals=inline`);
        if (res.ok) body = (await res.json()) as typeof body;
        else await new Promise((r) => setTimeout(r, 100));
      }
      ids.set(type, { id: artifact_id, request });
      const exact = body !== undefined && isDeepStrictEqual(body.artifact, request.artifact);
      if (!exact) failures++;
      rows.push([
        type,
        artifact_id,
        String(body?.metadata.visuals.length ?? '-'),
        String(body?.file_size ?? '-'),
        `${Date.now() - started} ms`,
        body ? (exact ? 'identical' : 'DIFFERENT') : 'NOT STORED',
      ]);
    }
    const roadmap = ids.get('roadmap');
    const blueprint = ids.get('blueprint');
    if (roadmap && blueprint) {
      const revised = await publishArtifact(
        {
          ...roadmap.request,
          tenant_id: tenant,
          artifact_id: roadmap.id,
          expected_version: 1,
          aliases: ['prod'],
          derived_from: [{ artifact_id: blueprint.id }],
          artifact: { ...roadmap.request.artifact, revision: 'second draft, from the demo' },
        },
        { transport, blobs, wait: { apiUrl: api, token, timeoutMs: 30_000 } },
      );
      const lineage = (await (await get(`/api/artifacts/${roadmap.id}/lineage?direction=up`)).json()) as {
        edges: unknown[];
      };
      if (revised.outcome?.state !== 'stored' || lineage.edges.length !== 1) failures++;
      summary.push(
        `Revision of the roadmap: ${JSON.stringify(revised.outcome)}, alias prod, made from the blueprint ` +
          `(${lineage.edges.length} lineage edge).`,
        `  npx artifact-store versions ${roadmap.id}`,
        `  npx artifact-store lineage ${roadmap.id} --direction up`,
      );
    }
  } finally {
    await transport.close?.();
  }
  const header = ['type', 'artifact_id', 'visuals', 'manifest bytes', 'publish→readable', 'round trip'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i]!)).join('  ');
  process.stdout.write(
    `\n${line(header)}\n${line(widths.map((w) => '-'.repeat(w)))}\n${rows.map(line).join('\n')}\n\n`,
  );
  if (summary.length) process.stdout.write(`${summary.join('\n')}\n\n`);
  process.stdout.write(`Browse them: ${api}/#token=${token}\n`);
  process.stdout.write(`List them: curl -s -H "Authorization: Bearer ${token}" ${api}/api/artifacts\n`);
  if (failures) process.exitCode = 1;
}

main().catch((err) => {
  process.stderr.write(`demo failed: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exitCode = 1;
});

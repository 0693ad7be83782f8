/**
 * The store floor (bench only, never deployed): receives the same Pub/Sub push as storeArtifact, decodes it,
 * uploads each top-level `*_visual` image and the document with the images replaced by their paths, and
 * inserts one row by rpc (with the sizes, hashes and generation a row carries). No validation, policy,
 * ownership, idempotency or quarantine: the SDK calls alone.
 */
import { createHash } from 'node:crypto';
import * as functions from '@google-cloud/functions-framework';
import { bucket, db, upload } from '../../clients';

interface Push {
  message: { data: string };
}

interface Request {
  artifact_type: string;
  tenant_id: string;
  artifact_id: string;
  artifact?: Record<string, unknown>;
  artifact_ref?: { name: string };
  metadata?: Record<string, unknown>;
  materialization?: Record<string, unknown>;
}

const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');

functions.cloudEvent<Push>('floorStore', async (event: functions.CloudEvent<Push>) => {
  const request = JSON.parse(Buffer.from(event.data!.message.data, 'base64').toString('utf8')) as Request;
  const { artifact_type, tenant_id, artifact_id } = request;
  let artifact = request.artifact;
  if (!artifact) {
    const [bytes] = await bucket.file(`staging/${tenant_id}/${request.artifact_ref!.name}`).download();
    artifact = JSON.parse(bytes.toString('utf8')) as Record<string, unknown>;
  }
  const base = `artifacts/${artifact_type}/${tenant_id}/${artifact_id}`;
  const visuals: Array<Record<string, unknown>> = [];
  await Promise.all(
    Object.entries(artifact).map(async ([key, value]) => {
      const visual = value as { image_base64?: unknown } | null;
      if (!key.endsWith('_visual') || typeof visual?.image_base64 !== 'string') return;
      const bytes = Buffer.from(visual.image_base64, 'base64');
      const path = `${base}/${key}.png`;
      const generation = await upload(path, bytes, 'image/png');
      const { image_base64: _, ...rest } = visual;
      const details = {
        storage_path: path,
        content_type: 'image/png',
        size: bytes.length,
        sha256: sha256(bytes),
      };
      artifact[key] = { ...rest, ...details };
      visuals.push({ name: key, ...details, generation });
    }),
  );
  const manifest = Buffer.from(JSON.stringify(artifact));
  const generation = await upload(`${base}.json`, manifest, 'application/json');
  const { error } = await db.rpc('put', {
    p_id: artifact_id,
    p_tenant_id: tenant_id,
    p_artifact_type: artifact_type,
    p_ui_name: request.metadata?.ui_name ?? null,
    p_file_path: `${base}.json`,
    p_file_size: manifest.length,
    p_file_hash: sha256(manifest),
    p_metadata: {
      ...request.metadata,
      has_visuals: visuals.length > 0,
      visual_paths: visuals.map((v) => v.name),
      visuals,
      materialization: request.materialization ?? null,
      bucket: bucket.name,
      generation,
    },
  });
  if (error) throw new Error(`floor put: ${error.message}`);
});

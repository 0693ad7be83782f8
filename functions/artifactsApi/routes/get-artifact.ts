/** GET /api/artifacts/{id}: the envelope and the document; `?visuals=inline` restores the original exactly. */
import { mapLimit } from '../../../shared/concurrency';
import type { JsonObject } from '../../../shared/visuals';
import { mapVisualReferences, rehydrate } from '../../../shared/visuals';
import type { RouteContext } from '../context';
import { summaryOf, visualUrl } from '../envelope';
import { notFound } from '../problem';
import { ArtifactIdParam, GetQuery } from '../schemas';
import { validate } from '../validate';

export async function getArtifact({ req, res, principal, params, deps, log }: RouteContext): Promise<void> {
  const id = validate(ArtifactIdParam, params[0], 'artifact id');
  const query = validate(GetQuery, req.query, 'query');
  const row = await deps.metadata.get(id, principal.tenant_id);
  if (!row) throw notFound();
  const object = await deps.blobs.get(row.file_path);
  if (!object) {
    log.error('row without its manifest', { artifact_id: id, file_path: row.file_path });
    throw notFound();
  }
  const manifest = JSON.parse(object.bytes.toString('utf8')) as JsonObject;
  const visuals = row.metadata.visuals;
  let artifact: JsonObject;
  if (query.visuals === 'inline') {
    const bytes = await mapLimit(visuals, 4, async (v) => {
      const visual = await deps.blobs.get(v.storage_path);
      if (!visual) throw new Error(`visual ${v.name} of ${id} is missing`);
      return [v.name, visual.bytes] as const;
    });
    artifact = rehydrate(manifest, visuals, new Map(bytes));
  } else {
    artifact = mapVisualReferences(
      manifest,
      visuals.map((v) => v.name),
      (reference, name) => ({ ...reference, url: visualUrl(id, name) }),
    );
  }
  res.status(200).json({ ...summaryOf(row), artifact });
}

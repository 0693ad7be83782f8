/**
 * GET /api/artifacts/{id}/visuals/{name}: the visual's bytes, streamed from storage, with its content type
 * and a strong ETag (its sha256); `If-None-Match` answers 304 without touching storage.
 */
import { pipeline } from 'node:stream/promises';
import type { RouteContext } from '../context';
import { notFound } from '../problem';
import { ArtifactIdParam, VisualNameParam } from '../schemas';
import { validate } from '../validate';

export async function getVisual({ req, res, principal, params, deps }: RouteContext): Promise<void> {
  const id = validate(ArtifactIdParam, params[0], 'artifact id');
  const name = validate(VisualNameParam, params[1], 'visual name');
  const row = await deps.metadata.get(id, principal.tenant_id);
  const visual = row?.metadata.visuals.find((v) => v.name === name);
  if (!visual) throw notFound('visual');
  const etag = `"${visual.sha256}"`;
  res.setHeader('ETag', etag);
  res.setHeader('Cache-Control', 'private, max-age=300');
  const ifNoneMatch = req.header('if-none-match');
  if (ifNoneMatch?.split(',').some((t) => t.trim().replace(/^W\//, '') === etag || t.trim() === '*')) {
    res.status(304).end();
    return;
  }
  const object = await deps.blobs.openRead(visual.storage_path);
  if (!object) throw notFound('visual');
  res.status(200);
  res.setHeader('Content-Type', visual.content_type);
  res.setHeader('Content-Length', String(object.info.size));
  res.setHeader('X-Content-Type-Options', 'nosniff');
  // An SVG is a document: never let it run script or load anything when opened directly.
  if (visual.format === 'svg')
    res.setHeader('Content-Security-Policy', "default-src 'none'; style-src 'unsafe-inline'; sandbox");
  await pipeline(object.stream, res);
}

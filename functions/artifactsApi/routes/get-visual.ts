/**
 * GET|HEAD /api/artifacts/{id}/visuals/{name}: one visual of the caller's artifact, of the version named by
 * `?version=` or `?alias=` (default the latest), at the storage path that version's row metadata records.
 *
 * - proxy mode (default): the bytes, streamed from storage (never buffered), with their content type, a strong
 *   ETag (their sha256) and `Cache-Control: private, max-age=300`; `If-None-Match` answers 304 without
 *   touching storage; HEAD answers the headers from the row alone.
 * - signed mode: 302 to a V4 signed URL of the object (SIGNED_URL_TTL_SECONDS), `Cache-Control: private,
 *   no-store` (the URL is a short-lived capability), so the bytes never pass through the function.
 *
 * The tenant check (the row lookup) always comes first: a 304 or a 302 is only ever given for the caller's
 * own visual.
 */
import { pipeline } from 'node:stream/promises';
import type { z } from 'zod';
import { versionSelector } from '../envelope';
import type { OperationContext } from '../operation';
import { notFound } from '../problem';
import type { VisualQuery } from '../schemas';

export const VISUAL_CACHE_CONTROL = 'private, max-age=300';
export const SIGNED_REDIRECT_CACHE_CONTROL = 'private, no-store';

export async function getVisual({
  req,
  res,
  principal,
  params: { id, name },
  query,
  deps,
}: OperationContext<{ id: string; name: string }, z.output<typeof VisualQuery>>): Promise<void> {
  const row = await deps.metadata.get(id, principal.tenant_id, versionSelector(query));
  const visual = row?.metadata.visuals.find((v) => v.name === name);
  if (!visual) throw notFound('visual');

  if (deps.visuals.mode === 'signed' && deps.blobs.signedReadUrl) {
    const url = await deps.blobs.signedReadUrl(visual.storage_path, {
      expiresInSeconds: deps.visuals.signedUrlTtlSeconds,
      responseType: visual.content_type,
    });
    res.setHeader('Cache-Control', SIGNED_REDIRECT_CACHE_CONTROL);
    res.setHeader('Location', url);
    res.status(302).end();
    return;
  }

  const etag = `"${visual.sha256}"`;
  res.setHeader('ETag', etag);
  res.setHeader('Cache-Control', VISUAL_CACHE_CONTROL);
  if (matchesEtag(req.header('if-none-match'), etag)) {
    res.status(304).end();
    return;
  }
  res.setHeader('Content-Type', visual.content_type);
  res.setHeader('X-Content-Type-Options', 'nosniff');
  // An SVG is a document: never let it run script or load anything when opened directly.
  if (visual.format === 'svg')
    res.setHeader('Content-Security-Policy', "default-src 'none'; style-src 'unsafe-inline'; sandbox");
  if (req.method === 'HEAD') {
    res.setHeader('Content-Length', String(visual.size));
    res.status(200).end();
    return;
  }
  const object = await deps.blobs.openRead(visual.storage_path);
  if (!object) throw notFound('visual');
  res.setHeader('Content-Length', String(object.info.size));
  res.status(200);
  await pipeline(object.stream, res);
}

/** If-None-Match (RFC 9110 13.1.2): `*`, or any listed tag equal to ours under weak comparison. */
export function matchesEtag(header: string | undefined, etag: string): boolean {
  if (!header) return false;
  return header.split(',').some((t) => {
    const tag = t.trim();
    return tag === '*' || tag.replace(/^W\//, '') === etag;
  });
}

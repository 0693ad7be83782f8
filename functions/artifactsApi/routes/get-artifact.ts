/**
 * GET|HEAD /api/artifacts/{id}: the envelope and the document of one version (`?version=N`, `?alias=NAME`, or
 * the latest). By default each visual is a reference with a `url` naming that version; `?visuals=inline` puts
 * every `image_base64` back, so the original document is recovered exactly, streamed (inline-body.ts) so that
 * the function never holds the visuals in memory. The visuals are always the ones the version's own row
 * metadata lists (a version may reference an earlier version's objects), never paths rebuilt here.
 */

import type { z } from 'zod';
import type { ArtifactRow } from '../../../shared/domain/artifact-row';
import type { JsonObject } from '../../../shared/domain/visuals';
import { mapVisualReferences } from '../../../shared/domain/visuals';
import { namesVersion, summaryOf, versionSelector, visualUrl } from '../envelope';
import { planInlineBody, writeInlineBody } from '../inline-body';
import type { OperationContext } from '../operation';
import { notFound } from '../problem';
import type { ArtifactEnvelope, GetQuery } from '../schemas';

export async function getArtifact({
  req,
  res,
  principal,
  params: { id },
  query,
  deps,
  log,
}: OperationContext<{ id: string }, z.output<typeof GetQuery>>): Promise<void> {
  const selector = versionSelector(query);
  const row = await deps.metadata.get(id, principal.tenant_id, selector);
  if (!row) throw notFound(namesVersion(selector) ? 'artifact version' : 'artifact');
  const object = await deps.blobs.get(row.file_path);
  if (!object) {
    log.error('row without its manifest', {
      artifact_id: id,
      version: row.version,
      file_path: row.file_path,
    });
    throw notFound();
  }
  const manifest = JSON.parse(object.bytes.toString('utf8')) as JsonObject;
  if (query.visuals === 'inline') {
    await sendInline(row, manifest, { req, res, deps });
    return;
  }
  const artifact = mapVisualReferences(
    manifest,
    row.metadata.visuals.map((v) => v.name),
    (reference, name) => ({ ...reference, url: visualUrl(id, name, row.version) }),
  );
  const body: ArtifactEnvelope = { ...summaryOf(row), artifact };
  res.status(200).json(body);
}

async function sendInline(
  row: ArtifactRow,
  manifest: JsonObject,
  { req, res, deps }: Pick<OperationContext<unknown, unknown>, 'req' | 'res' | 'deps'>,
) {
  const body = planInlineBody({ ...summaryOf(row) }, manifest, row.metadata.visuals);
  res.status(200);
  res.setHeader('Content-Type', 'application/json; charset=utf-8');
  res.setHeader('Content-Length', String(body.length));
  if (req.method === 'HEAD') {
    res.end();
    return;
  }
  await writeInlineBody(res, body, async (visual) => {
    const opened = await deps.blobs.openRead(visual.storage_path);
    if (!opened) return null;
    if (opened.info.size !== visual.size) {
      opened.stream.destroy();
      throw new Error(
        `visual ${visual.name} has ${opened.info.size} bytes in storage, ${visual.size} recorded`,
      );
    }
    return opened.stream;
  });
  res.end();
}

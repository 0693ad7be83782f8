/**
 * DELETE /api/artifacts/{id}: removes every object of the artifact (manifest first), then marks the row
 * deleted. 204; a second delete is a 404 and nothing is left either way.
 */

import { artifactEvent } from '../../../shared/domain/artifact-events';
import { deleteArtifactObjects } from '../../../shared/operations/artifact-objects';
import type { OperationContext } from '../operation';
import { notFound } from '../problem';

export async function deleteArtifact({
  res,
  principal,
  params: { id },
  deps,
  log,
}: OperationContext<{ id: string }, unknown>): Promise<void> {
  const row = await deps.metadata.get(id, principal.tenant_id);
  if (!row) throw notFound();
  const key = { artifact_type: row.artifact_type, tenant_id: row.tenant_id, artifact_id: row.uuid };
  const objects = await deleteArtifactObjects(deps.blobs, key);
  const outcome = await deps.metadata.markDeleted({
    uuid: id,
    tenant_id: principal.tenant_id,
    generation: null,
  });
  log.info('artifact deleted', { artifact_id: id, objects_deleted: objects, outcome });
  // The sync announces it too, when the manifest's deleted event arrives: at least once, one event_id.
  await deps.events
    ?.publish(artifactEvent(key, { event: 'artifact.deleted' }))
    .catch((err: unknown) =>
      log.warn('artifact.deleted event not published here', { artifact_id: id, error: err }),
    );
  res.status(204).end();
}

/** DELETE /api/artifacts/{id}/aliases/{alias}: removes the alias (the version stays). 204; 404 when none. */
import type { OperationContext } from '../operation';
import { notFound } from '../problem';

export async function deleteAlias({
  res,
  principal,
  params: { id, alias },
  deps,
  log,
}: OperationContext<{ id: string; alias: string }, unknown>): Promise<void> {
  const outcome = await deps.metadata.deleteAlias(id, principal.tenant_id, alias);
  if (outcome === 'not_found') throw notFound('alias');
  log.info('alias deleted', { artifact_id: id, alias });
  res.status(204).end();
}

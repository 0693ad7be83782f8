/**
 * PUT /api/artifacts/{id}/aliases/{alias} with `{"version": N}`: points the alias at that version of the
 * caller's artifact (creating it, or moving it, backwards too), atomically. 200 `{alias, version}`; 404 when
 * the artifact or the version does not exist.
 */
import type { z } from 'zod';
import type { OperationContext } from '../operation';
import { notFound } from '../problem';
import type { AliasAssignment, SetAliasBody } from '../schemas';

export async function setAlias({
  res,
  principal,
  params: { id, alias },
  body: { version },
  deps,
  log,
}: OperationContext<{ id: string; alias: string }, unknown, z.output<typeof SetAliasBody>>): Promise<void> {
  const outcome = await deps.metadata.setAlias(id, principal.tenant_id, alias, version);
  if (outcome === 'not_found') throw notFound('artifact version');
  log.info('alias set', { artifact_id: id, alias, version });
  const answer: AliasAssignment = { alias, version };
  res.status(200).json(answer);
}

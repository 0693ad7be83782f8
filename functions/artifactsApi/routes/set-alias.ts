/**
 * PUT /api/artifacts/{id}/aliases/{alias} with `{"version": N}`: points the alias at that version of the
 * caller's artifact (creating it, or moving it, backwards too), atomically. 200 `{alias, version}`; 404 when
 * the artifact or the version does not exist. Then announces `alias.moved` (docs/design.md, "Events"): its
 * event_id names the move (alias, version, when it moved there), so a retried PUT publishes the same event
 * again, which consumers drop, and a failed publish is a 503 the client retries.
 */
import type { z } from 'zod';
import { artifactEvent } from '../../../shared/domain/artifact-events';
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
  if (outcome.outcome === 'not_found') throw notFound('artifact version');
  log.info('alias set', { artifact_id: id, alias, version });
  const key = { artifact_type: outcome.artifact_type, tenant_id: principal.tenant_id, artifact_id: id };
  await deps.events?.publish(
    artifactEvent(key, {
      event: 'alias.moved',
      alias,
      artifact_version: version,
      moved_at: outcome.moved_at,
    }),
  );
  const answer: AliasAssignment = { alias, version };
  res.status(200).json(answer);
}

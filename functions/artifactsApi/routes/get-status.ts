/**
 * GET /api/artifacts/{id}/status: what became of an id, for the caller's tenant (docs/design.md, "Status"):
 * `stored` with its latest version, `rejected` with the store's error code, `deleted`, or `unknown`. Always a
 * 200: an id of another tenant reads exactly like one never seen (`unknown`), so a producer can poll for its
 * own artifact before anything exists, and nobody learns anything of another tenant's.
 */
import type { OperationContext } from '../operation';
import type { StatusResponse } from '../schemas';

export async function getStatus({
  res,
  principal,
  params: { id },
  query,
  deps,
}: OperationContext<{ id: string }, { message_id?: string | undefined }>): Promise<void> {
  const status = await deps.metadata.status(id, principal.tenant_id, query.message_id);
  const body: StatusResponse = status;
  res.status(200).json(body);
}

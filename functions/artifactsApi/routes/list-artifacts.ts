/** GET /api/artifacts: the tenant's artifacts, newest first, keyset-paginated with opaque cursors. */
import type { ListFilter } from '../../../shared/adapters/metadata-store';
import { summaryOf } from '../envelope';
import type { OperationContext } from '../operation';
import type { ListQuery, ListResponse } from '../schemas';

export async function listArtifacts({
  res,
  principal,
  query,
  deps,
}: OperationContext<unknown, ListQuery>): Promise<void> {
  const filter: ListFilter = {
    ...(query.artifact_type ? { artifact_type: query.artifact_type } : {}),
    ...(query.execution_id ? { execution_id: query.execution_id } : {}),
    ...(query.session_id ? { session_id: query.session_id } : {}),
    ...(query.derived_from ? { derived_from: query.derived_from } : {}),
  };
  const after = query.cursor ? deps.cursors.decode(query.cursor, principal.tenant_id, filter) : undefined;
  const page = await deps.metadata.list(principal.tenant_id, filter, query.limit, after);
  const body: ListResponse = {
    items: page.items.map(summaryOf),
    next_cursor: page.next ? deps.cursors.encode(page.next, principal.tenant_id, filter) : null,
  };
  res.status(200).json(body);
}

/** GET /api/artifacts: the tenant's artifacts, newest first, keyset-paginated with opaque cursors. */
import type { ListFilter } from '../../../shared/metadata-store';
import type { RouteContext } from '../context';
import { summaryOf } from '../envelope';
import { ListQuery, type ListResponse } from '../schemas';
import { validateQuery } from '../validate';

export async function listArtifacts({ req, res, principal, deps }: RouteContext): Promise<void> {
  const query = validateQuery(ListQuery, req.query);
  const filter: ListFilter = {
    ...(query.artifact_type ? { artifact_type: query.artifact_type } : {}),
    ...(query.execution_id ? { execution_id: query.execution_id } : {}),
    ...(query.session_id ? { session_id: query.session_id } : {}),
  };
  const after = query.cursor ? deps.cursors.decode(query.cursor, principal.tenant_id, filter) : undefined;
  const page = await deps.metadata.list(principal.tenant_id, filter, query.limit, after);
  const body: ListResponse = {
    items: page.items.map(summaryOf),
    next_cursor: page.next ? deps.cursors.encode(page.next, principal.tenant_id, filter) : null,
  };
  res.status(200).json(body);
}

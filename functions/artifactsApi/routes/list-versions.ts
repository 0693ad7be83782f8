/**
 * GET /api/artifacts/{id}/versions: the versions of the caller's artifact, newest first, keyset-paginated
 * with opaque cursors bound to the tenant and the artifact.
 */
import type { z } from 'zod';
import type { OperationContext } from '../operation';
import { notFound } from '../problem';
import type { VersionList, VersionsQuery } from '../schemas';

export async function listVersions({
  res,
  principal,
  params: { id },
  query,
  deps,
}: OperationContext<{ id: string }, z.output<typeof VersionsQuery>>): Promise<void> {
  const tenant = principal.tenant_id;
  const before = query.cursor ? deps.cursors.decodeVersions(query.cursor, tenant, id) : undefined;
  const page = await deps.metadata.versions(id, tenant, query.limit, before);
  if (!page) throw notFound();
  const body: VersionList = {
    items: page.items,
    next_cursor: page.next === null ? null : deps.cursors.encodeVersions(page.next, tenant, id),
  };
  res.status(200).json(body);
}

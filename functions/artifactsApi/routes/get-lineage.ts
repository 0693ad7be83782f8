/**
 * GET /api/artifacts/{id}/lineage: what the caller's artifact was made from and what was made from it,
 * `depth` edges up, down or both (docs/design.md, "Lineage"). Only the tenant's live artifacts appear, so an
 * edge to anything else is simply absent; the artifact itself missing (or another tenant's) is a 404.
 */
import type { z } from 'zod';
import type { OperationContext } from '../operation';
import { notFound } from '../problem';
import type { LineageQuery, LineageResponse } from '../schemas';

export async function getLineage({
  res,
  principal,
  params: { id },
  query,
  deps,
}: OperationContext<{ id: string }, z.output<typeof LineageQuery>>): Promise<void> {
  const graph = await deps.metadata.lineage(id, principal.tenant_id, query.direction, query.depth);
  if (!graph) throw notFound();
  const body: LineageResponse = graph;
  res.status(200).json(body);
}

/**
 * Removing an artifact's objects. The manifest goes first: it is the commit point, and its `deleted` event
 * lets the sync function finish the job (row and leftover visuals) should this call be interrupted.
 */
import { type BlobStore, listAll } from '../adapters/blob-store';
import { type ArtifactKey, manifestPath, visualsPrefix } from '../domain/paths';

export async function deleteArtifactObjects(
  blobs: BlobStore,
  key: ArtifactKey,
  options: { manifestGeneration?: string } = {},
): Promise<number> {
  let deleted = 0;
  if (
    await blobs.delete(
      manifestPath(key),
      options.manifestGeneration ? { generation: options.manifestGeneration } : {},
    )
  ) {
    deleted++;
  }
  return deleted + (await deleteVisualObjects(blobs, key));
}

/** Deletes every object under the artifact's visuals prefix; returns how many were deleted. */
export async function deleteVisualObjects(blobs: BlobStore, key: ArtifactKey): Promise<number> {
  const objects = await listAll(blobs, visualsPrefix(key));
  const results = await Promise.all(objects.map((o) => blobs.delete(o.name, { generation: o.generation })));
  return results.filter(Boolean).length;
}

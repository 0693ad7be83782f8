/**
 * The versions of an artifact as the bucket holds them (docs/design.md, "Versions"): the bucket, not the
 * database, is where a version exists, since its manifest's create-only write is its commit point. The store
 * function reads them to number a revision and to find visuals an earlier version already stored.
 */
import type { BlobStore, ObjectInfo } from '../adapters/blob-store';
import type { VisualDetail } from '../domain/artifact-row';
import { decodeManifestMetadata } from '../domain/manifest-metadata';
import { type ArtifactKey, manifestPath, parseArtifactObject, visualsPrefix } from '../domain/paths';
import { findVisualReferences, type JsonObject } from '../domain/visuals';

export interface StoredVersion {
  version: number;
  info: ObjectInfo;
  /** sha256 of the version's content (see manifest-metadata.ts), as the store recorded it. */
  sha256: string | undefined;
}

const contentSha = (info: ObjectInfo) => info.metadata.content_sha256 ?? info.metadata.sha256;

/** Every committed version of the artifact, oldest first (version 1's manifest, then `{id}/v{N}.json`). */
export async function listVersions(blobs: BlobStore, key: ArtifactKey): Promise<StoredVersion[]> {
  const found: StoredVersion[] = [];
  const first = await blobs.head(manifestPath(key));
  if (first) found.push({ version: 1, info: first, sha256: contentSha(first) });
  let pageToken: string | undefined;
  do {
    const page = await blobs.list(`${visualsPrefix(key)}v`, pageToken ? { pageToken } : {});
    for (const info of page.items) {
      const parsed = parseArtifactObject(info.name);
      if (parsed?.kind === 'manifest')
        found.push({ version: parsed.version, info, sha256: contentSha(info) });
    }
    pageToken = page.nextPageToken;
  } while (pageToken);
  return found.sort((a, b) => a.version - b.version);
}

/** The visual details of a stored version: carried on its metadata, else read from its manifest. */
export async function versionVisuals(
  blobs: BlobStore,
  key: ArtifactKey,
  version: StoredVersion,
): Promise<VisualDetail[]> {
  const meta = decodeManifestMetadata(version.info.metadata, key);
  if (meta?.visuals) return meta.visuals;
  const object = await blobs.get(version.info.name);
  if (!object) return [];
  try {
    return findVisualReferences(JSON.parse(object.bytes.toString('utf8')) as JsonObject, key);
  } catch {
    return [];
  }
}

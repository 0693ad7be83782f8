/** The API's view of a row: the envelope of docs/design.md, "API" (without the document, for list items). */
import type { VersionSelector } from '../../shared/adapters/metadata-store';
import type { ArtifactRow } from '../../shared/domain/artifact-row';
import type { ArtifactSummary } from './schemas';

export function summaryOf(row: ArtifactRow): ArtifactSummary {
  return {
    artifact_id: row.uuid,
    artifact_type: row.artifact_type,
    tenant_id: row.tenant_id,
    ui_name: row.ui_name,
    status: row.status,
    created_at: row.created_at,
    updated_at: row.updated_at,
    expires_at: row.expires_at,
    file_path: row.file_path,
    file_size: row.file_size,
    file_hash: row.file_hash,
    metadata: row.metadata,
    version: row.version,
    latest_version: row.latest_version,
    aliases: row.aliases,
  };
}

/**
 * Where a visual of one version is served, relative to the API's origin. The url names the version, so a
 * document's references keep pointing at its own images after a newer version is stored.
 */
export function visualUrl(artifactId: string, name: string, version: number): string {
  return `/api/artifacts/${artifactId}/visuals/${encodeURIComponent(name)}?version=${version}`;
}

/** The version a read names with `?version=` or `?alias=` (`alias=latest`, or neither: the latest). */
export function versionSelector(query: { version?: number | undefined; alias?: string | undefined }) {
  const selector: VersionSelector = {};
  if (query.version !== undefined) selector.version = query.version;
  if (query.alias !== undefined && query.alias !== 'latest') selector.alias = query.alias;
  return selector;
}

/** Whether a read named a version (a miss is then "artifact version not found"). */
export const namesVersion = (selector: VersionSelector) =>
  selector.version !== undefined || selector.alias !== undefined;

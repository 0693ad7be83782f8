/** The API's view of a row: the envelope of docs/design.md, "API" (without the document, for list items). */
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
  };
}

/** Where a visual's bytes are served, relative to the API's origin. */
export function visualUrl(artifactId: string, name: string): string {
  return `/api/artifacts/${artifactId}/visuals/${encodeURIComponent(name)}`;
}

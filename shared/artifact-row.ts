/**
 * The metadata row of an artifact in Supabase `project_files` (DESIGN 4), as the SQL functions return it.
 */
import type { MaterializationDecision } from './materialization-policy';

export interface VisualDetail {
  /** Dot path of keys from the document root, e.g. `components.current_state.chart_visual`. */
  name: string;
  storage_path: string;
  content_type: string;
  format: string;
  size: number;
  sha256: string;
}

export interface ArtifactRowMetadata {
  execution_id: string | null;
  session_id: string | null;
  user_id: string | null;
  component_count: number;
  has_visuals: boolean;
  visual_paths: string[];
  visuals: VisualDetail[];
  materialization: MaterializationDecision;
  bucket: string;
  /** GCS generation of the manifest, int64 as a decimal string. */
  generation: string;
  /** Extra scalar fields of the request's `metadata`. */
  extra: Record<string, string | number | boolean | null>;
}

export interface ArtifactRow {
  uuid: string;
  tenant_id: string;
  user_id: string | null;
  ui_name: string;
  artifact_type: string;
  file_path: string;
  file_type: 'artifact';
  mime_type: 'application/json';
  file_size: number;
  file_hash: string;
  status: string;
  created_at: string;
  updated_at: string;
  expires_at: string | null;
  deleted: boolean;
  metadata: ArtifactRowMetadata;
}

/** What `record` needs: everything the row holds that is not set by the database. */
export interface ArtifactRowInput {
  uuid: string;
  tenant_id: string;
  artifact_type: string;
  user_id: string | null;
  ui_name: string;
  file_path: string;
  file_size: number;
  file_hash: string;
  /** int64 as a decimal string. */
  generation: string;
  expires_at: string | null;
  metadata: ArtifactRowMetadata;
}

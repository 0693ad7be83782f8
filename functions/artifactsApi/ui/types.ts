/** The API's answers as the browser reads them (docs/api.md). */

export interface Problem {
  type?: string;
  title?: string;
  status?: number;
  detail?: string;
  request_id?: string;
}

export interface VisualDetail {
  name: string;
  content_type: string;
  format: string;
  size: number;
}

export interface ArtifactSummary {
  artifact_id: string;
  artifact_type: string;
  tenant_id: string;
  ui_name: string;
  status: string;
  created_at: string;
  updated_at: string;
  expires_at: string | null;
  file_path: string;
  file_size: number;
  file_hash: string;
  metadata: {
    execution_id?: string | null;
    session_id?: string | null;
    user_id?: string | null;
    visuals?: VisualDetail[];
    [key: string]: unknown;
  };
  /** With versions: the version read, the newest, and the aliases pointing at this one. */
  version?: number;
  latest_version?: number;
  aliases?: string[];
}

export interface Artifact extends ArtifactSummary {
  artifact: Record<string, unknown>;
}

export interface Page<T> {
  items: T[];
  next_cursor: string | null;
}

export interface VersionItem {
  version: number;
  created_at: string;
  file_size: number;
  file_hash: string;
  expires_at: string | null;
  aliases: string[];
}

export interface LineageNode {
  artifact_id: string;
  artifact_type: string;
  version: number;
  ui_name: string;
  created_at: string;
}

export interface VersionRef {
  artifact_id: string;
  version: number;
}

/** From a child version to one of its parents. */
export interface LineageEdge {
  from: VersionRef;
  to: VersionRef;
}

export interface Lineage {
  nodes: LineageNode[];
  edges: LineageEdge[];
  truncated: boolean;
}

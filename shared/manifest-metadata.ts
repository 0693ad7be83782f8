/**
 * The custom metadata the store function writes on a manifest and the sync function reads back to build the
 * row (DESIGN 3, 4): what the row needs that is not in the document itself. GCS custom metadata values are
 * strings, so structured values are JSON-encoded.
 */
import type { MaterializationDecision } from './materialization-policy';
import type { ArtifactKey } from './paths';

export const MANIFEST_FORMAT = 'artifact-store/1';

export interface ManifestMetadata extends ArtifactKey {
  /** sha256 (hex) of the manifest bytes. */
  sha256: string;
  user_id: string | null;
  ui_name: string | null;
  execution_id: string | null;
  session_id: string | null;
  /** The request metadata's extra scalar fields. */
  extra: Record<string, string | number | boolean | null>;
  materialization: MaterializationDecision;
  /** RFC 3339, or null when kept until deleted. */
  expires_at: string | null;
}

export function encodeManifestMetadata(m: ManifestMetadata): Record<string, string> {
  const out: Record<string, string> = {
    format: MANIFEST_FORMAT,
    artifact_id: m.artifact_id,
    artifact_type: m.artifact_type,
    tenant_id: m.tenant_id,
    sha256: m.sha256,
    materialization: JSON.stringify(m.materialization),
  };
  if (m.user_id !== null) out.user_id = m.user_id;
  if (m.ui_name !== null) out.ui_name = m.ui_name;
  if (m.execution_id !== null) out.execution_id = m.execution_id;
  if (m.session_id !== null) out.session_id = m.session_id;
  if (Object.keys(m.extra).length > 0) out.extra = JSON.stringify(m.extra);
  if (m.expires_at !== null) out.expires_at = m.expires_at;
  return out;
}

function parseJson<T>(text: string | undefined, fallback: T): T {
  if (text === undefined) return fallback;
  try {
    return JSON.parse(text) as T;
  } catch {
    return fallback;
  }
}

/** The manifest metadata, or null when the object was not written by this store (wrong format or key). */
export function decodeManifestMetadata(
  raw: Record<string, string>,
  key: ArtifactKey,
): ManifestMetadata | null {
  if (raw.format !== MANIFEST_FORMAT) return null;
  if (
    raw.artifact_id !== key.artifact_id ||
    raw.artifact_type !== key.artifact_type ||
    raw.tenant_id !== key.tenant_id
  ) {
    return null;
  }
  const materialization = parseJson<MaterializationDecision | null>(raw.materialization, null);
  if (!materialization || typeof raw.sha256 !== 'string') return null;
  return {
    ...key,
    sha256: raw.sha256,
    user_id: raw.user_id ?? null,
    ui_name: raw.ui_name ?? null,
    execution_id: raw.execution_id ?? null,
    session_id: raw.session_id ?? null,
    extra: parseJson(raw.extra, {}),
    materialization,
    expires_at: raw.expires_at ?? null,
  };
}

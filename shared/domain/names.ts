/**
 * The naming rules, each written once (docs/design.md, "Names"): the patterns that keep every object name a
 * message can influence inside its tenant's prefix. Regexes, zod schemas and the manifest-path parser are
 * built from them here; the SQL checks of migrations/ use the same pattern text (a test compares them).
 */
import { z } from 'zod';

/** An artifact type: `workflow`, `hybrid_embeddings`, ... (also a path segment and a SQL CHECK). */
export const ARTIFACT_TYPE_PATTERN = '[a-z][a-z0-9_]{0,39}';
/** An alias: a name pointing at one version of an artifact (`latest` is implicit and reserved). */
export const ALIAS_PATTERN = '[a-z][a-z0-9_-]{0,39}';
/** A tenant id (a path segment). */
export const TENANT_ID_PATTERN = '[A-Za-z0-9][A-Za-z0-9_-]{0,63}';
/** A lower-case canonical UUID (any version). */
export const UUID_PATTERN = '[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}';
/** One key of a visual's dot path: array indices and ordinary identifiers only. */
export const VISUAL_KEY_PATTERN = '[A-Za-z0-9_-]{1,100}';
/** A staged (claim-check) object's name inside `staging/{tenant}/`. */
export const STAGED_NAME_PATTERN = '[A-Za-z0-9][A-Za-z0-9._-]{0,199}';

const whole = (pattern: string) => new RegExp(`^${pattern}$`);

export const ARTIFACT_TYPE_RE = whole(ARTIFACT_TYPE_PATTERN);
export const ALIAS_RE = whole(ALIAS_PATTERN);
export const TENANT_ID_RE = whole(TENANT_ID_PATTERN);
export const UUID_RE = whole(UUID_PATTERN);
export const VISUAL_KEY_RE = whole(VISUAL_KEY_PATTERN);
/** A visual name: dot-joined keys, at most 16 deep. */
export const VISUAL_NAME_RE = whole(`${VISUAL_KEY_PATTERN}(\\.${VISUAL_KEY_PATTERN}){0,15}`);
export const VISUAL_NAME_MAX = 512;
export const STAGED_NAME_RE = whole(STAGED_NAME_PATTERN);
/** `artifacts/{type}/{tenant}/{id}` followed by `.json` (the manifest) or `/...` (a member of its folder). */
export const ARTIFACT_OBJECT_RE = new RegExp(
  `^artifacts/(${ARTIFACT_TYPE_PATTERN})/(${TENANT_ID_PATTERN})/(${UUID_PATTERN})(\\.json|/.+)$`,
);

export const ArtifactTypeName = z
  .string()
  .regex(ARTIFACT_TYPE_RE, 'lower-case letters, digits and _, starting with a letter, at most 40');
export const TenantId = z
  .string()
  .regex(TENANT_ID_RE, 'letters, digits, _ and -, starting with a letter or digit, at most 64');
export const ArtifactId = z.uuid().transform((id) => id.toLowerCase());
export const AliasName = z
  .string()
  .regex(ALIAS_RE, 'lower-case letters, digits, _ and -, starting with a letter, at most 40')
  .refine((a) => a !== 'latest', '`latest` is implicit (the newest version) and cannot be set');
export const VisualName = z
  .string()
  .max(VISUAL_NAME_MAX)
  .regex(VISUAL_NAME_RE, 'a visual name (dot path of keys)');
export const StagedName = z
  .string()
  .regex(STAGED_NAME_RE, 'a staged object name under staging/{tenant_id}/')
  .refine((n) => !n.includes('..'), 'must not contain ..');

-- Retention (docs/design.md, "Policy"): an artifact persisted with retention_days carries its expiry; reads treat a row
-- whose expires_at has passed as gone.
ALTER TABLE project_files ADD COLUMN IF NOT EXISTS expires_at timestamptz;

-- Keyset listing (artifact_list): the tenant's live artifact rows, newest first, ties broken by uuid.
CREATE INDEX IF NOT EXISTS idx_project_files_artifact_keyset
ON project_files (tenant_id, created_at DESC, uuid DESC)
WHERE artifact_type IS NOT NULL AND NOT deleted;

-- Artifact rows stay sane (rows with artifact_type NULL, the platform's other files, are not concerned):
-- - artifact_type is a type name as the store request allows it (docs/design.md, "Store request");
-- - the row is the store's shape: file_type 'artifact', JSON, a non-negative size, deleted exactly when its
--   status says so, and the GCS generation it describes as a positive decimal string in metadata.
-- Added NOT VALID (they hold for every new or updated row at once) and then validated; an existing
-- Supabase table whose older artifact rows do not satisfy them keeps them unvalidated, with a notice,
-- rather than failing the migration.
DO $$
BEGIN
  IF NOT EXISTS (
    SELECT 1 FROM pg_constraint
    WHERE conrelid = 'project_files'::regclass AND conname = 'project_files_artifact_type_format'
  ) THEN
    ALTER TABLE project_files ADD CONSTRAINT project_files_artifact_type_format
      CHECK (artifact_type IS NULL OR artifact_type ~ '^[a-z][a-z0-9_]{0,39}$') NOT VALID;
  END IF;
  IF NOT EXISTS (
    SELECT 1 FROM pg_constraint
    WHERE conrelid = 'project_files'::regclass AND conname = 'project_files_artifact_row_shape'
  ) THEN
    ALTER TABLE project_files ADD CONSTRAINT project_files_artifact_row_shape
      CHECK (
        artifact_type IS NULL OR (
          file_type = 'artifact'
          AND mime_type = 'application/json'
          AND (file_size IS NULL OR file_size >= 0)
          AND deleted = (status = 'deleted')
          AND jsonb_typeof(metadata) = 'object'
          AND coalesce((metadata ->> 'generation') ~ '^[1-9][0-9]{0,18}$', false)
        )
      ) NOT VALID;
  END IF;
END
$$;

DO $$
BEGIN
  ALTER TABLE project_files VALIDATE CONSTRAINT project_files_artifact_type_format;
EXCEPTION WHEN check_violation THEN
  RAISE NOTICE 'project_files_artifact_type_format left NOT VALID: existing rows violate it';
END
$$;

DO $$
BEGIN
  ALTER TABLE project_files VALIDATE CONSTRAINT project_files_artifact_row_shape;
EXCEPTION WHEN check_violation THEN
  RAISE NOTICE 'project_files_artifact_row_shape left NOT VALID: existing rows violate it';
END
$$;

-- project_files: the platform's file metadata table (seed plan, "Supabase File Adapter"), which the
-- artifact store extends (docs/design.md, "The row"). Supabase projects may already have it, with more columns: everything
-- here is IF NOT EXISTS, and a table that exists but lacks one of the seed's columns gets it added.

CREATE TABLE IF NOT EXISTS project_files (
  uuid uuid PRIMARY KEY,
  user_id text,
  tenant_id text NOT NULL,
  ui_name text,
  file_path text NOT NULL,
  file_type text,
  mime_type text,
  file_size bigint,
  file_hash text,
  status text NOT NULL DEFAULT 'active',
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  deleted boolean NOT NULL DEFAULT false,
  metadata jsonb NOT NULL DEFAULT '{}'::jsonb
);

-- An existing table missing a seed column (no-ops on the table created above). Added without NOT NULL
-- where existing rows could not satisfy it.
ALTER TABLE project_files ADD COLUMN IF NOT EXISTS user_id text;
ALTER TABLE project_files ADD COLUMN IF NOT EXISTS tenant_id text;
ALTER TABLE project_files ADD COLUMN IF NOT EXISTS ui_name text;
ALTER TABLE project_files ADD COLUMN IF NOT EXISTS file_path text;
ALTER TABLE project_files ADD COLUMN IF NOT EXISTS file_type text;
ALTER TABLE project_files ADD COLUMN IF NOT EXISTS mime_type text;
ALTER TABLE project_files ADD COLUMN IF NOT EXISTS file_size bigint;
ALTER TABLE project_files ADD COLUMN IF NOT EXISTS file_hash text;
ALTER TABLE project_files ADD COLUMN IF NOT EXISTS status text DEFAULT 'active';
ALTER TABLE project_files ADD COLUMN IF NOT EXISTS created_at timestamptz NOT NULL DEFAULT now();
ALTER TABLE project_files ADD COLUMN IF NOT EXISTS updated_at timestamptz NOT NULL DEFAULT now();
ALTER TABLE project_files ADD COLUMN IF NOT EXISTS deleted boolean NOT NULL DEFAULT false;
ALTER TABLE project_files ADD COLUMN IF NOT EXISTS metadata jsonb NOT NULL DEFAULT '{}'::jsonb;

CREATE INDEX IF NOT EXISTS idx_project_files_tenant_id ON project_files (tenant_id);

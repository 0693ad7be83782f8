-- The floor's database (bench only, never migrated anywhere else): one table and three plain SQL functions in
-- a schema of their own, called through the same PostgREST stand-in with supabase-js rpc(). A row holds what
-- docs/design.md, "The row", asks of ours (visual details, hashes, decision, generation), so lists return as much.
DO $$
DECLARE
  v_role text;
BEGIN
  FOREACH v_role IN ARRAY ARRAY['anon', 'authenticated', 'service_role'] LOOP
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = v_role) THEN
      EXECUTE format('CREATE ROLE %I NOLOGIN', v_role);
    END IF;
  END LOOP;
END
$$;

CREATE SCHEMA IF NOT EXISTS bench_floor;

CREATE TABLE IF NOT EXISTS bench_floor.artifacts (
  id uuid PRIMARY KEY,
  tenant_id text NOT NULL,
  artifact_type text NOT NULL,
  ui_name text,
  status text NOT NULL DEFAULT 'active',
  file_path text NOT NULL,
  file_size bigint NOT NULL,
  file_hash text NOT NULL,
  metadata jsonb NOT NULL DEFAULT '{}'::jsonb,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX IF NOT EXISTS artifacts_tenant_created ON bench_floor.artifacts (tenant_id, created_at DESC, id DESC);

CREATE OR REPLACE FUNCTION bench_floor.put(
  p_id uuid, p_tenant_id text, p_artifact_type text, p_ui_name text, p_file_path text, p_file_size bigint,
  p_file_hash text, p_metadata jsonb
) RETURNS void LANGUAGE sql AS $$
  INSERT INTO bench_floor.artifacts (id, tenant_id, artifact_type, ui_name, file_path, file_size, file_hash, metadata)
  VALUES (p_id, p_tenant_id, p_artifact_type, p_ui_name, p_file_path, p_file_size, p_file_hash, p_metadata)
  ON CONFLICT (id) DO NOTHING
$$;

CREATE OR REPLACE FUNCTION bench_floor.get(p_id uuid, p_tenant_id text) RETURNS json STABLE LANGUAGE sql AS $$
  SELECT row_to_json(a) FROM bench_floor.artifacts a WHERE a.id = p_id AND a.tenant_id = p_tenant_id
$$;

CREATE OR REPLACE FUNCTION bench_floor.list(p_tenant_id text, p_limit integer) RETURNS json STABLE LANGUAGE sql AS $$
  SELECT coalesce(json_agg(row_to_json(a)), '[]'::json)
  FROM (
    SELECT id, artifact_type, tenant_id, ui_name, status, created_at, updated_at, file_path, file_size, file_hash,
      metadata
    FROM bench_floor.artifacts
    WHERE tenant_id = p_tenant_id
    ORDER BY created_at DESC, id DESC
    LIMIT p_limit
  ) a
$$;

GRANT USAGE ON SCHEMA bench_floor TO service_role;
GRANT SELECT, INSERT ON bench_floor.artifacts TO service_role;
GRANT EXECUTE ON ALL FUNCTIONS IN SCHEMA bench_floor TO service_role;

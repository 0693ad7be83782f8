-- Lineage (docs/design.md, "Lineage"): a store request's `derived_from` records edges from the version it
-- creates to its parents (an artifact id, and the parent's version, resolved to its latest at the time of
-- storing when the request gave none). Edges are recorded with their version, in the same statement, and
-- read only through artifact_lineage, which shows nothing but the caller's tenant's live artifacts: an edge
-- to another tenant's, a deleted or a never-stored id is simply absent, and no walk goes through one.

CREATE TABLE IF NOT EXISTS public.artifact_lineage (
  child uuid NOT NULL,
  child_version integer NOT NULL,
  parent uuid NOT NULL,
  -- NULL: the parent was not stored (for this tenant) when the child was; such an edge never shows.
  parent_version integer,
  tenant_id text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (child, child_version, parent)
);
CREATE INDEX IF NOT EXISTS idx_artifact_lineage_parent ON public.artifact_lineage (parent, parent_version);
ALTER TABLE public.artifact_lineage ENABLE ROW LEVEL SECURITY;
REVOKE ALL ON public.artifact_lineage FROM PUBLIC, anon, authenticated;

-- artifact_record, now also recording the version's lineage (p_derived_from: [{artifact_id, version}]) when
-- it records the version. Everything else is as in 006.
CREATE OR REPLACE FUNCTION public.artifact_record_lineage(
  p_uuid uuid, p_tenant_id text, p_version integer, p_derived_from jsonb
)
RETURNS void
LANGUAGE plpgsql
VOLATILE
SECURITY DEFINER
SET search_path = public, pg_temp
AS $$
BEGIN
  IF p_derived_from IS NULL OR jsonb_typeof(p_derived_from) <> 'array' THEN
    RETURN;
  END IF;
  INSERT INTO public.artifact_lineage (child, child_version, parent, parent_version, tenant_id)
  SELECT p_uuid, p_version, (e ->> 'artifact_id')::uuid,
    CASE WHEN (e ->> 'version') ~ '^[1-9][0-9]{0,8}$' THEN (e ->> 'version')::integer END, p_tenant_id
  FROM jsonb_array_elements(p_derived_from) AS e
  WHERE (e ->> 'artifact_id') ~ '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$'
  ON CONFLICT (child, child_version, parent) DO NOTHING;
END
$$;

-- artifact_record gains p_derived_from: 006's function becomes artifact_record_version (internal), and
-- artifact_record records the version through it, then its lineage once the version is recorded (inserted,
-- updated, version_added, unchanged: idempotent). One function of that name, so callers need no overloads.
ALTER FUNCTION public.artifact_record(
  uuid, text, text, text, text, text, bigint, text, bigint, timestamptz, jsonb, integer, text[]
) RENAME TO artifact_record_version;
REVOKE ALL ON FUNCTION public.artifact_record_version(
  uuid, text, text, text, text, text, bigint, text, bigint, timestamptz, jsonb, integer, text[]
) FROM PUBLIC, anon, authenticated, service_role;
CREATE OR REPLACE FUNCTION public.artifact_record(
  p_uuid uuid,
  p_tenant_id text,
  p_artifact_type text,
  p_user_id text,
  p_ui_name text,
  p_file_path text,
  p_file_size bigint,
  p_file_hash text,
  p_generation bigint,
  p_expires_at timestamptz,
  p_metadata jsonb,
  p_version integer DEFAULT 1,
  p_aliases text[] DEFAULT NULL,
  p_derived_from jsonb DEFAULT NULL
)
RETURNS text
LANGUAGE plpgsql
VOLATILE
SECURITY DEFINER
SET search_path = public, pg_temp
AS $$
DECLARE
  v_outcome text;
BEGIN
  v_outcome := public.artifact_record_version(
    p_uuid => p_uuid, p_tenant_id => p_tenant_id, p_artifact_type => p_artifact_type, p_user_id => p_user_id,
    p_ui_name => p_ui_name, p_file_path => p_file_path, p_file_size => p_file_size, p_file_hash => p_file_hash,
    p_generation => p_generation, p_expires_at => p_expires_at, p_metadata => p_metadata,
    p_version => p_version, p_aliases => p_aliases
  );
  IF v_outcome IN ('inserted', 'updated', 'version_added', 'unchanged') THEN
    PERFORM public.artifact_record_lineage(p_uuid, p_tenant_id, p_version, p_derived_from);
  END IF;
  RETURN v_outcome;
END
$$;

-- A deleted artifact takes the edges from it along (its versions are gone); edges to it simply stop showing.
CREATE OR REPLACE FUNCTION public.artifact_lineage_forget()
RETURNS trigger
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = public, pg_temp
AS $$
BEGIN
  DELETE FROM public.artifact_lineage WHERE child = OLD.uuid AND child_version = OLD.version;
  RETURN OLD;
END
$$;
DROP TRIGGER IF EXISTS artifact_lineage_forget ON public.artifact_versions;
CREATE TRIGGER artifact_lineage_forget AFTER DELETE ON public.artifact_versions
  FOR EACH ROW EXECUTE FUNCTION public.artifact_lineage_forget();

-- The versions of the tenant's live artifacts (not deleted, latest not expired, the version not expired).
CREATE OR REPLACE FUNCTION public.artifact_visible_version(p_uuid uuid, p_version integer, p_tenant_id text)
RETURNS boolean
LANGUAGE sql
STABLE
SECURITY DEFINER
SET search_path = public, pg_temp
AS $$
  SELECT EXISTS (
    SELECT 1 FROM public.project_files pf
    JOIN public.artifact_versions av ON av.uuid = pf.uuid AND av.version = p_version
    WHERE pf.uuid = p_uuid AND pf.tenant_id = p_tenant_id AND pf.artifact_type IS NOT NULL AND NOT pf.deleted
      AND (pf.expires_at IS NULL OR pf.expires_at > now())
      AND (av.expires_at IS NULL OR av.expires_at > now())
  )
$$;

-- The lineage of the tenant's live artifact p_uuid (all its versions), up (what it was made from), down (what
-- was made from it) or both, p_depth edges deep (1..5), at most p_max_nodes nodes (then truncated: true):
-- {nodes: [{artifact_id, artifact_type, version, ui_name, created_at}], edges: [{from, to}], truncated}; an
-- edge goes from the child version to the parent version. NULL when there is no such artifact for the tenant.
CREATE OR REPLACE FUNCTION public.artifact_lineage(
  p_uuid uuid,
  p_tenant_id text,
  p_direction text DEFAULT 'both',
  p_depth integer DEFAULT 1,
  p_max_nodes integer DEFAULT 1000
)
RETURNS jsonb
LANGUAGE plpgsql
VOLATILE -- it walks through temporary tables
SECURITY DEFINER
SET search_path = public, pg_temp
SET timezone = 'UTC'
AS $$
DECLARE
  v_nodes jsonb;
  v_edges jsonb;
  v_count integer;
BEGIN
  IF p_direction IS NULL OR p_direction NOT IN ('up', 'down', 'both') THEN
    RAISE EXCEPTION 'artifact_lineage: p_direction must be up, down or both' USING ERRCODE = '22023';
  END IF;
  IF p_depth IS NULL OR p_depth < 1 OR p_depth > 5 THEN
    RAISE EXCEPTION 'artifact_lineage: p_depth must be between 1 and 5' USING ERRCODE = '22023';
  END IF;
  PERFORM 1 FROM public.project_files pf
  WHERE pf.uuid = p_uuid AND pf.tenant_id = p_tenant_id AND pf.artifact_type IS NOT NULL AND NOT pf.deleted
    AND (pf.expires_at IS NULL OR pf.expires_at > now());
  IF NOT FOUND THEN
    RETURN NULL;
  END IF;

  CREATE TEMP TABLE IF NOT EXISTS lineage_walk (uuid uuid, version integer, depth integer) ON COMMIT DROP;
  CREATE TEMP TABLE IF NOT EXISTS lineage_edges (child uuid, child_version integer, parent uuid, parent_version integer)
    ON COMMIT DROP;
  TRUNCATE lineage_walk, lineage_edges;

  INSERT INTO lineage_walk
  SELECT av.uuid, av.version, 0 FROM public.artifact_versions av
  WHERE av.uuid = p_uuid AND public.artifact_visible_version(av.uuid, av.version, p_tenant_id);

  FOR v_level IN 1..p_depth LOOP
    -- Edges from the nodes reached at the previous level to visible nodes, in the directions asked.
    INSERT INTO lineage_edges
    SELECT DISTINCT e.child, e.child_version, e.parent, e.parent_version
    FROM lineage_walk w
    JOIN public.artifact_lineage e ON (
      (p_direction IN ('up', 'both') AND e.child = w.uuid AND e.child_version = w.version)
      OR (p_direction IN ('down', 'both') AND e.parent = w.uuid AND e.parent_version = w.version)
    )
    WHERE w.depth = v_level - 1 AND e.tenant_id = p_tenant_id AND e.parent_version IS NOT NULL
      AND public.artifact_visible_version(e.child, e.child_version, p_tenant_id)
      AND public.artifact_visible_version(e.parent, e.parent_version, p_tenant_id)
      AND NOT EXISTS (
        SELECT 1 FROM lineage_edges x
        WHERE x.child = e.child AND x.child_version = e.child_version AND x.parent = e.parent
      );
    INSERT INTO lineage_walk
    SELECT DISTINCT n.uuid, n.version, v_level
    FROM (
      SELECT le.parent AS uuid, le.parent_version AS version FROM lineage_edges le
      UNION SELECT le.child, le.child_version FROM lineage_edges le
    ) AS n
    WHERE NOT EXISTS (SELECT 1 FROM lineage_walk w WHERE w.uuid = n.uuid AND w.version = n.version);
    SELECT count(*) INTO v_count FROM lineage_walk;
    EXIT WHEN v_count > p_max_nodes;
  END LOOP;

  SELECT count(*) INTO v_count FROM lineage_walk;
  SELECT coalesce(jsonb_agg(jsonb_build_object(
      'artifact_id', page.uuid, 'artifact_type', pf.artifact_type, 'version', page.version,
      'ui_name', pf.ui_name, 'created_at', av.created_at
    ) ORDER BY page.depth, page.uuid, page.version), '[]'::jsonb)
  INTO v_nodes
  FROM (SELECT * FROM lineage_walk ORDER BY depth, uuid, version LIMIT p_max_nodes) AS page
  JOIN public.project_files pf ON pf.uuid = page.uuid
  JOIN public.artifact_versions av ON av.uuid = page.uuid AND av.version = page.version;

  SELECT coalesce(jsonb_agg(jsonb_build_object(
      'from', jsonb_build_object('artifact_id', le.child, 'version', le.child_version),
      'to', jsonb_build_object('artifact_id', le.parent, 'version', le.parent_version)
    ) ORDER BY le.child, le.child_version, le.parent), '[]'::jsonb)
  INTO v_edges
  FROM lineage_edges le
  WHERE EXISTS (
      SELECT 1 FROM jsonb_array_elements(v_nodes) n
      WHERE (n ->> 'artifact_id')::uuid = le.child AND (n ->> 'version')::integer = le.child_version
    )
    AND EXISTS (
      SELECT 1 FROM jsonb_array_elements(v_nodes) n
      WHERE (n ->> 'artifact_id')::uuid = le.parent AND (n ->> 'version')::integer = le.parent_version
    );

  RETURN jsonb_build_object('nodes', v_nodes, 'edges', v_edges, 'truncated', v_count > p_max_nodes);
END
$$;

-- artifact_list gains p_derived_from: only the children of that artifact (any of their versions made from any
-- of its versions). Otherwise as in 006.
DROP FUNCTION IF EXISTS public.artifact_list(text, text, text, text, integer, timestamptz, uuid);
CREATE OR REPLACE FUNCTION public.artifact_list(
  p_tenant_id text,
  p_artifact_type text DEFAULT NULL,
  p_execution_id text DEFAULT NULL,
  p_session_id text DEFAULT NULL,
  p_limit integer DEFAULT 50,
  p_after_created_at timestamptz DEFAULT NULL,
  p_after_uuid uuid DEFAULT NULL,
  p_derived_from uuid DEFAULT NULL
)
RETURNS json
LANGUAGE plpgsql
STABLE
SECURITY DEFINER
SET search_path = public, pg_temp
SET timezone = 'UTC'
AS $$
DECLARE
  v_items json;
  v_count integer;
BEGIN
  IF p_tenant_id IS NULL OR btrim(p_tenant_id) = '' THEN
    RAISE EXCEPTION 'artifact_list: p_tenant_id is required' USING ERRCODE = '22023';
  END IF;
  IF p_limit IS NULL OR p_limit < 1 OR p_limit > 200 THEN
    RAISE EXCEPTION 'artifact_list: p_limit must be between 1 and 200, got %', coalesce(p_limit::text, 'NULL')
      USING ERRCODE = '22023';
  END IF;
  IF (p_after_created_at IS NULL) <> (p_after_uuid IS NULL) THEN
    RAISE EXCEPTION 'artifact_list: p_after_created_at and p_after_uuid go together (both or neither)'
      USING ERRCODE = '22023';
  END IF;

  -- Without a position the bound is above every row, so the one query (and index range) serves both.
  WITH page AS (
    SELECT pf.uuid, pf.tenant_id, pf.user_id, pf.ui_name, pf.artifact_type, pf.file_path, pf.file_type,
      pf.mime_type, pf.file_size, pf.file_hash, pf.status, pf.created_at, pf.updated_at, pf.expires_at,
      pf.deleted, pf.metadata, public.artifact_row_version(pf.metadata) AS version
    FROM public.project_files pf
    WHERE pf.tenant_id = p_tenant_id
      AND pf.artifact_type IS NOT NULL
      AND NOT pf.deleted
      AND (pf.created_at, pf.uuid) < (
        coalesce(p_after_created_at, 'infinity'::timestamptz),
        coalesce(p_after_uuid, 'ffffffff-ffff-ffff-ffff-ffffffffffff'::uuid)
      )
      AND (pf.expires_at IS NULL OR pf.expires_at > now())
      AND (p_artifact_type IS NULL OR pf.artifact_type = p_artifact_type)
      AND (p_execution_id IS NULL OR pf.metadata ->> 'execution_id' = p_execution_id)
      AND (p_session_id IS NULL OR pf.metadata ->> 'session_id' = p_session_id)
      AND (p_derived_from IS NULL OR EXISTS (
        SELECT 1 FROM public.artifact_lineage e
        WHERE e.child = pf.uuid AND e.parent = p_derived_from AND e.tenant_id = p_tenant_id
          AND e.parent_version IS NOT NULL
      ))
    ORDER BY pf.created_at DESC, pf.uuid DESC
    LIMIT p_limit + 1
  ),
  numbered AS (
    SELECT page.*, row_number() OVER (ORDER BY page.created_at DESC, page.uuid DESC) AS n FROM page
  )
  SELECT
    coalesce(json_agg(json_build_object(
      'uuid', numbered.uuid, 'tenant_id', numbered.tenant_id, 'user_id', numbered.user_id,
      'ui_name', numbered.ui_name, 'artifact_type', numbered.artifact_type, 'file_path', numbered.file_path,
      'file_type', numbered.file_type, 'mime_type', numbered.mime_type, 'file_size', numbered.file_size,
      'file_hash', numbered.file_hash, 'status', numbered.status, 'created_at', numbered.created_at,
      'updated_at', numbered.updated_at, 'expires_at', numbered.expires_at, 'deleted', numbered.deleted,
      'metadata', numbered.metadata, 'version', numbered.version, 'latest_version', numbered.version,
      'aliases', public.artifact_aliases_of(numbered.uuid, numbered.version)
    ) ORDER BY numbered.n) FILTER (WHERE numbered.n <= p_limit), '[]'::json),
    count(*)
  INTO v_items, v_count
  FROM numbered;

  IF v_count > p_limit THEN
    RETURN json_build_object('items', v_items, 'next', json_build_object(
      'created_at', v_items -> (p_limit - 1) -> 'created_at',
      'uuid', v_items -> (p_limit - 1) -> 'uuid'
    ));
  END IF;
  RETURN json_build_object('items', v_items, 'next', NULL);
END
$$;

REVOKE ALL ON FUNCTION public.artifact_record_lineage(uuid, text, integer, jsonb) FROM PUBLIC, anon, authenticated;
REVOKE ALL ON FUNCTION public.artifact_lineage_forget() FROM PUBLIC, anon, authenticated;
REVOKE ALL ON FUNCTION public.artifact_visible_version(uuid, integer, text) FROM PUBLIC, anon, authenticated;
REVOKE ALL ON FUNCTION public.artifact_record(
  uuid, text, text, text, text, text, bigint, text, bigint, timestamptz, jsonb, integer, text[], jsonb
) FROM PUBLIC, anon, authenticated;
REVOKE ALL ON FUNCTION public.artifact_lineage(uuid, text, text, integer, integer) FROM PUBLIC, anon, authenticated;
REVOKE ALL ON FUNCTION public.artifact_list(text, text, text, text, integer, timestamptz, uuid, uuid)
  FROM PUBLIC, anon, authenticated;
GRANT EXECUTE ON FUNCTION public.artifact_record(
  uuid, text, text, text, text, text, bigint, text, bigint, timestamptz, jsonb, integer, text[], jsonb
) TO service_role;
GRANT EXECUTE ON FUNCTION public.artifact_lineage(uuid, text, text, integer, integer) TO service_role;
GRANT EXECUTE ON FUNCTION public.artifact_list(text, text, text, text, integer, timestamptz, uuid, uuid)
  TO service_role;

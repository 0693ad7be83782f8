-- The artifact store's reads and writes of project_files (docs/design.md, "The row"): each one SQL function, called by
-- supabase-js as rpc() (PostgREST, named arguments), so that every rule (tenant check, never undelete,
-- newer generation wins, takeover refused, keyset pages) holds inside one statement or one row lock.
--
-- The functions are SECURITY DEFINER with a fixed search_path: they run as their owner (the migrating
-- role, which owns project_files), so they work whether or not the caller has table privileges or
-- bypasses row level security. Only service_role may execute them.
--
-- Argument errors raise SQLSTATE 22023 (invalid_parameter_value) with a message naming the argument.

-- Supabase has these roles; a plain PostgreSQL (local stack, tests) gets them here.
DO $$
DECLARE
  v_role text;
BEGIN
  FOREACH v_role IN ARRAY ARRAY['anon', 'authenticated', 'service_role'] LOOP
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = v_role) THEN
      BEGIN
        EXECUTE format('CREATE ROLE %I NOLOGIN', v_role);
      EXCEPTION WHEN duplicate_object OR unique_violation THEN
        NULL; -- created meanwhile by a migration of another database of the same cluster
      END;
    END IF;
  END LOOP;
END
$$;

-- No policies: anon and authenticated (PostgREST with a user's JWT) see nothing of project_files directly.
ALTER TABLE project_files ENABLE ROW LEVEL SECURITY;

-- The GCS generation a row describes (metadata.generation, a decimal string); 0 when missing or not a
-- bigint (a row written by something else), so that any real generation is newer.
CREATE OR REPLACE FUNCTION public.artifact_stored_generation(p_metadata jsonb)
RETURNS bigint
LANGUAGE sql
IMMUTABLE
SET search_path = public, pg_temp
AS $$
  SELECT CASE
    WHEN (p_metadata ->> 'generation') ~ '^[0-9]{1,19}$' THEN
      CASE
        WHEN (p_metadata ->> 'generation')::numeric <= 9223372036854775807
        THEN (p_metadata ->> 'generation')::bigint
        ELSE 0
      END
    ELSE 0
  END
$$;

-- Records the manifest object of an artifact (a storage finalize event): upsert by uuid.
-- inserted | updated: the row now describes p_generation. unchanged: it already did. stale: it describes a
-- newer generation. deleted: the row is deleted (or a tombstone) and stays so, untouched.
-- tenant_conflict: the uuid belongs to another tenant (or is not an artifact row); nothing changed.
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
  p_metadata jsonb
)
RETURNS text
LANGUAGE plpgsql
VOLATILE
SECURITY DEFINER
SET search_path = public, pg_temp
AS $$
DECLARE
  v_metadata jsonb;
  v_inserted boolean;
  v_row record;
BEGIN
  IF p_uuid IS NULL THEN
    RAISE EXCEPTION 'artifact_record: p_uuid is required' USING ERRCODE = '22023';
  END IF;
  IF p_tenant_id IS NULL OR btrim(p_tenant_id) = '' THEN
    RAISE EXCEPTION 'artifact_record: p_tenant_id is required' USING ERRCODE = '22023';
  END IF;
  IF p_artifact_type IS NULL OR p_artifact_type !~ '^[a-z][a-z0-9_]{0,39}$' THEN
    RAISE EXCEPTION 'artifact_record: p_artifact_type must match ^[a-z][a-z0-9_]{0,39}$, got %',
      coalesce(quote_literal(p_artifact_type), 'NULL') USING ERRCODE = '22023';
  END IF;
  IF p_file_path IS NULL OR btrim(p_file_path) = '' THEN
    RAISE EXCEPTION 'artifact_record: p_file_path is required' USING ERRCODE = '22023';
  END IF;
  IF p_file_size IS NULL OR p_file_size < 0 THEN
    RAISE EXCEPTION 'artifact_record: p_file_size must be a non-negative number, got %',
      coalesce(p_file_size::text, 'NULL') USING ERRCODE = '22023';
  END IF;
  IF p_file_hash IS NULL OR p_file_hash = '' THEN
    RAISE EXCEPTION 'artifact_record: p_file_hash is required' USING ERRCODE = '22023';
  END IF;
  IF p_generation IS NULL OR p_generation <= 0 THEN
    RAISE EXCEPTION 'artifact_record: p_generation must be a positive number, got %',
      coalesce(p_generation::text, 'NULL') USING ERRCODE = '22023';
  END IF;
  v_metadata := coalesce(p_metadata, '{}'::jsonb);
  IF jsonb_typeof(v_metadata) <> 'object' THEN
    RAISE EXCEPTION 'artifact_record: p_metadata must be a JSON object, got %', jsonb_typeof(v_metadata)
      USING ERRCODE = '22023';
  END IF;
  v_metadata := v_metadata || jsonb_build_object('generation', p_generation::text);

  FOR v_attempt IN 1..3 LOOP
    -- One statement: insert, or update only this tenant's live artifact row holding an older generation.
    -- ON CONFLICT locks the existing row even when the WHERE refuses the update, so the read below sees
    -- the row exactly as the refusal did.
    INSERT INTO public.project_files AS pf (
      uuid, tenant_id, user_id, ui_name, artifact_type, file_path, file_type, mime_type, file_size,
      file_hash, status, deleted, expires_at, metadata, created_at, updated_at
    ) VALUES (
      p_uuid, p_tenant_id, p_user_id, p_ui_name, p_artifact_type, p_file_path, 'artifact', 'application/json',
      p_file_size, p_file_hash, 'active', false, p_expires_at, v_metadata, now(), now()
    )
    ON CONFLICT (uuid) DO UPDATE SET
      user_id = EXCLUDED.user_id,
      ui_name = EXCLUDED.ui_name,
      artifact_type = EXCLUDED.artifact_type,
      file_path = EXCLUDED.file_path,
      file_type = EXCLUDED.file_type,
      mime_type = EXCLUDED.mime_type,
      file_size = EXCLUDED.file_size,
      file_hash = EXCLUDED.file_hash,
      status = EXCLUDED.status,
      expires_at = EXCLUDED.expires_at,
      metadata = EXCLUDED.metadata,
      updated_at = now()
    WHERE pf.tenant_id = EXCLUDED.tenant_id
      AND pf.artifact_type IS NOT NULL
      AND NOT pf.deleted
      AND public.artifact_stored_generation(pf.metadata) < p_generation
    RETURNING (pf.xmax = 0) INTO v_inserted;

    IF FOUND THEN
      RETURN CASE WHEN v_inserted THEN 'inserted' ELSE 'updated' END;
    END IF;

    SELECT pf.tenant_id, pf.artifact_type, pf.deleted,
      public.artifact_stored_generation(pf.metadata) AS generation
    INTO v_row
    FROM public.project_files pf
    WHERE pf.uuid = p_uuid
    FOR UPDATE;

    IF FOUND THEN
      IF v_row.tenant_id IS DISTINCT FROM p_tenant_id OR v_row.artifact_type IS NULL THEN
        RETURN 'tenant_conflict';
      ELSIF v_row.deleted THEN
        RETURN 'deleted';
      ELSIF v_row.generation = p_generation THEN
        RETURN 'unchanged';
      ELSIF v_row.generation > p_generation THEN
        RETURN 'stale';
      END IF;
    END IF;
    -- The row went away or changed between the two statements (only something outside these functions
    -- can do that): try again.
  END LOOP;
  RAISE EXCEPTION 'artifact_record: % kept changing, try again', p_uuid USING ERRCODE = '40001';
END
$$;

-- Marks an artifact deleted, tenant-checked, under one row lock.
-- p_generation NULL (the API's delete): deletes the tenant's row whatever its generation.
-- p_generation set (a storage `deleted` event): a row holding a newer generation is 'stale'; no row at all
-- gets a tombstone (deleted row with this generation, needing p_artifact_type and p_file_path) so that a
-- finalize arriving after its delete cannot resurrect the id.
-- deleted | already_deleted | tombstoned | stale | not_found (also for another tenant's row, untouched).
CREATE OR REPLACE FUNCTION public.artifact_mark_deleted(
  p_uuid uuid,
  p_tenant_id text,
  p_generation bigint DEFAULT NULL,
  p_artifact_type text DEFAULT NULL,
  p_file_path text DEFAULT NULL
)
RETURNS text
LANGUAGE plpgsql
VOLATILE
SECURITY DEFINER
SET search_path = public, pg_temp
AS $$
DECLARE
  v_row record;
BEGIN
  IF p_uuid IS NULL THEN
    RAISE EXCEPTION 'artifact_mark_deleted: p_uuid is required' USING ERRCODE = '22023';
  END IF;
  IF p_tenant_id IS NULL OR btrim(p_tenant_id) = '' THEN
    RAISE EXCEPTION 'artifact_mark_deleted: p_tenant_id is required' USING ERRCODE = '22023';
  END IF;
  IF p_generation IS NOT NULL AND p_generation <= 0 THEN
    RAISE EXCEPTION 'artifact_mark_deleted: p_generation must be a positive number, got %', p_generation
      USING ERRCODE = '22023';
  END IF;

  FOR v_attempt IN 1..3 LOOP
    SELECT pf.tenant_id, pf.artifact_type, pf.deleted,
      public.artifact_stored_generation(pf.metadata) AS generation
    INTO v_row
    FROM public.project_files pf
    WHERE pf.uuid = p_uuid
    FOR UPDATE;

    IF NOT FOUND THEN
      IF p_generation IS NULL THEN
        RETURN 'not_found';
      END IF;
      IF p_artifact_type IS NULL OR p_artifact_type !~ '^[a-z][a-z0-9_]{0,39}$' THEN
        RAISE EXCEPTION 'artifact_mark_deleted: no row for %; a tombstone needs p_artifact_type matching ^[a-z][a-z0-9_]{0,39}$, got %',
          p_uuid, coalesce(quote_literal(p_artifact_type), 'NULL') USING ERRCODE = '22023';
      END IF;
      IF p_file_path IS NULL OR btrim(p_file_path) = '' THEN
        RAISE EXCEPTION 'artifact_mark_deleted: no row for %; a tombstone needs p_file_path', p_uuid
          USING ERRCODE = '22023';
      END IF;
      INSERT INTO public.project_files (
        uuid, tenant_id, artifact_type, file_path, file_type, mime_type, status, deleted, metadata,
        created_at, updated_at
      ) VALUES (
        p_uuid, p_tenant_id, p_artifact_type, p_file_path, 'artifact', 'application/json', 'deleted', true,
        jsonb_build_object('generation', p_generation::text), now(), now()
      )
      ON CONFLICT (uuid) DO NOTHING;
      IF FOUND THEN
        RETURN 'tombstoned';
      END IF;
      CONTINUE; -- inserted meanwhile by someone else: lock that row and decide
    END IF;

    IF v_row.tenant_id IS DISTINCT FROM p_tenant_id OR v_row.artifact_type IS NULL THEN
      RETURN 'not_found';
    ELSIF v_row.deleted THEN
      RETURN 'already_deleted';
    ELSIF p_generation IS NOT NULL AND v_row.generation > p_generation THEN
      RETURN 'stale';
    END IF;

    UPDATE public.project_files
    SET deleted = true, status = 'deleted', updated_at = now()
    WHERE uuid = p_uuid;
    RETURN 'deleted';
  END LOOP;
  RAISE EXCEPTION 'artifact_mark_deleted: % kept changing, try again', p_uuid USING ERRCODE = '40001';
END
$$;

-- The tenant's live artifact row as a JSON object (all columns; timestamps in UTC with microseconds), or
-- NULL when there is none: no row, another tenant's, not an artifact, deleted, or expired.
CREATE OR REPLACE FUNCTION public.artifact_get(p_uuid uuid, p_tenant_id text)
RETURNS jsonb
LANGUAGE plpgsql
STABLE
SECURITY DEFINER
SET search_path = public, pg_temp
SET timezone = 'UTC'
AS $$
DECLARE
  v_row jsonb;
BEGIN
  IF p_uuid IS NULL THEN
    RAISE EXCEPTION 'artifact_get: p_uuid is required' USING ERRCODE = '22023';
  END IF;
  IF p_tenant_id IS NULL OR btrim(p_tenant_id) = '' THEN
    RAISE EXCEPTION 'artifact_get: p_tenant_id is required' USING ERRCODE = '22023';
  END IF;
  SELECT to_jsonb(pf) INTO v_row
  FROM public.project_files pf
  WHERE pf.uuid = p_uuid
    AND pf.tenant_id = p_tenant_id
    AND pf.artifact_type IS NOT NULL
    AND NOT pf.deleted
    AND (pf.expires_at IS NULL OR pf.expires_at > now());
  RETURN v_row;
END
$$;

-- One page of the tenant's live artifact rows (not deleted, not expired), newest first by
-- (created_at DESC, uuid DESC), strictly after the keyset position (p_after_created_at, p_after_uuid) when
-- given. {"items": [row, ...], "next": {"created_at", "uuid"} of the last item | null on the last page}.
CREATE OR REPLACE FUNCTION public.artifact_list(
  p_tenant_id text,
  p_artifact_type text DEFAULT NULL,
  p_execution_id text DEFAULT NULL,
  p_session_id text DEFAULT NULL,
  p_limit integer DEFAULT 50,
  p_after_created_at timestamptz DEFAULT NULL,
  p_after_uuid uuid DEFAULT NULL
)
RETURNS jsonb
LANGUAGE plpgsql
STABLE
SECURITY DEFINER
SET search_path = public, pg_temp
SET timezone = 'UTC'
AS $$
DECLARE
  v_items jsonb;
  v_last jsonb;
  v_next jsonb := NULL;
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
  SELECT coalesce(jsonb_agg(to_jsonb(page) ORDER BY page.created_at DESC, page.uuid DESC), '[]'::jsonb)
  INTO v_items
  FROM (
    SELECT pf.*
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
    ORDER BY pf.created_at DESC, pf.uuid DESC
    LIMIT p_limit + 1
  ) AS page;

  IF jsonb_array_length(v_items) > p_limit THEN
    v_items := v_items - p_limit; -- the extra row only says that there is a next page
    v_last := v_items -> (p_limit - 1);
    v_next := jsonb_build_object('created_at', v_last -> 'created_at', 'uuid', v_last -> 'uuid');
  END IF;
  RETURN jsonb_build_object('items', v_items, 'next', v_next);
END
$$;

-- Who holds an id: free (no row) | own (this tenant's row, not deleted) | deleted (this tenant's deleted
-- row) | foreign (another tenant's row, deleted or not, or a row that is not an artifact).
CREATE OR REPLACE FUNCTION public.artifact_claim(p_uuid uuid, p_tenant_id text)
RETURNS text
LANGUAGE plpgsql
STABLE
SECURITY DEFINER
SET search_path = public, pg_temp
AS $$
DECLARE
  v_row record;
BEGIN
  IF p_uuid IS NULL THEN
    RAISE EXCEPTION 'artifact_claim: p_uuid is required' USING ERRCODE = '22023';
  END IF;
  IF p_tenant_id IS NULL OR btrim(p_tenant_id) = '' THEN
    RAISE EXCEPTION 'artifact_claim: p_tenant_id is required' USING ERRCODE = '22023';
  END IF;
  SELECT pf.tenant_id, pf.artifact_type, pf.deleted INTO v_row
  FROM public.project_files pf
  WHERE pf.uuid = p_uuid;
  IF NOT FOUND THEN
    RETURN 'free';
  ELSIF v_row.tenant_id IS DISTINCT FROM p_tenant_id OR v_row.artifact_type IS NULL THEN
    RETURN 'foreign';
  ELSIF v_row.deleted THEN
    RETURN 'deleted';
  END IF;
  RETURN 'own';
END
$$;

-- Only the service role (the artifact store's functions, through PostgREST) may call them.
REVOKE ALL ON FUNCTION public.artifact_stored_generation(jsonb) FROM PUBLIC, anon, authenticated;
REVOKE ALL ON FUNCTION public.artifact_record(
  uuid, text, text, text, text, text, bigint, text, bigint, timestamptz, jsonb
) FROM PUBLIC, anon, authenticated;
REVOKE ALL ON FUNCTION public.artifact_mark_deleted(uuid, text, bigint, text, text) FROM PUBLIC, anon, authenticated;
REVOKE ALL ON FUNCTION public.artifact_get(uuid, text) FROM PUBLIC, anon, authenticated;
REVOKE ALL ON FUNCTION public.artifact_list(text, text, text, text, integer, timestamptz, uuid)
  FROM PUBLIC, anon, authenticated;
REVOKE ALL ON FUNCTION public.artifact_claim(uuid, text) FROM PUBLIC, anon, authenticated;

GRANT EXECUTE ON FUNCTION public.artifact_record(
  uuid, text, text, text, text, text, bigint, text, bigint, timestamptz, jsonb
) TO service_role;
GRANT EXECUTE ON FUNCTION public.artifact_mark_deleted(uuid, text, bigint, text, text) TO service_role;
GRANT EXECUTE ON FUNCTION public.artifact_get(uuid, text) TO service_role;
GRANT EXECUTE ON FUNCTION public.artifact_list(text, text, text, text, integer, timestamptz, uuid) TO service_role;
GRANT EXECUTE ON FUNCTION public.artifact_claim(uuid, text) TO service_role;

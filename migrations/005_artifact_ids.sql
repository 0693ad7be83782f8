-- The id registry (docs/design.md, "Who owns an id"): every artifact id is bound to one tenant and one
-- artifact type the first time anything claims it, before a single object is written, and for ever after.
-- The store function claims an id before it writes (artifact_claim), so two requests racing for one id under
-- two tenants or two types cannot both be acknowledged: exactly one wins the reservation, the other is
-- refused (TENANT_CONFLICT / ID_CONFLICT) with nothing written. artifact_record checks the same binding, so a
-- manifest that reached the bucket some other way cannot rewrite a row either.
--
-- A reservation without a row (a store that crashed after claiming, or was refused afterwards) is harmless:
-- it only keeps the id for the tenant and type that claimed it.

CREATE TABLE IF NOT EXISTS public.artifact_ids (
  uuid uuid PRIMARY KEY,
  tenant_id text NOT NULL,
  artifact_type text NOT NULL CHECK (artifact_type ~ '^[a-z][a-z0-9_]{0,39}$'),
  created_at timestamptz NOT NULL DEFAULT now()
);
ALTER TABLE public.artifact_ids ENABLE ROW LEVEL SECURITY;
REVOKE ALL ON public.artifact_ids FROM PUBLIC, anon, authenticated;

-- Every artifact row that exists already (live, deleted or tombstone) binds its id.
INSERT INTO public.artifact_ids (uuid, tenant_id, artifact_type, created_at)
SELECT pf.uuid, pf.tenant_id, pf.artifact_type, pf.created_at
FROM public.project_files pf
WHERE pf.artifact_type IS NOT NULL AND pf.tenant_id IS NOT NULL
ON CONFLICT (uuid) DO NOTHING;

-- Binds p_uuid to (tenant, type) unless it is bound already; returns the binding that holds.
CREATE OR REPLACE FUNCTION public.artifact_bind_id(p_uuid uuid, p_tenant_id text, p_artifact_type text)
RETURNS public.artifact_ids
LANGUAGE plpgsql
VOLATILE
SECURITY DEFINER
SET search_path = public, pg_temp
AS $$
DECLARE
  v_bound public.artifact_ids;
BEGIN
  -- Concurrent inserts of one uuid: the second waits for the first to commit, then does nothing; the
  -- SELECT (a new snapshot under READ COMMITTED) sees whichever binding won.
  INSERT INTO public.artifact_ids (uuid, tenant_id, artifact_type)
  VALUES (p_uuid, p_tenant_id, p_artifact_type)
  ON CONFLICT (uuid) DO NOTHING;
  SELECT * INTO v_bound FROM public.artifact_ids WHERE uuid = p_uuid;
  RETURN v_bound;
END
$$;

-- The store function's claim, made before it writes anything:
-- free (the id is now reserved for this tenant and type; no row yet) | own (this tenant's live row of this
-- type) | deleted (this tenant's deleted row or tombstone) | foreign (another tenant's id, or a row that is
-- not an artifact) | conflict (this tenant's id, but of another artifact type).
DROP FUNCTION IF EXISTS public.artifact_claim(uuid, text);
CREATE OR REPLACE FUNCTION public.artifact_claim(p_uuid uuid, p_tenant_id text, p_artifact_type text)
RETURNS text
LANGUAGE plpgsql
VOLATILE
SECURITY DEFINER
SET search_path = public, pg_temp
AS $$
DECLARE
  v_bound public.artifact_ids;
  v_row record;
  v_has_row boolean;
BEGIN
  IF p_uuid IS NULL THEN
    RAISE EXCEPTION 'artifact_claim: p_uuid is required' USING ERRCODE = '22023';
  END IF;
  IF p_tenant_id IS NULL OR btrim(p_tenant_id) = '' THEN
    RAISE EXCEPTION 'artifact_claim: p_tenant_id is required' USING ERRCODE = '22023';
  END IF;
  IF p_artifact_type IS NULL OR p_artifact_type !~ '^[a-z][a-z0-9_]{0,39}$' THEN
    RAISE EXCEPTION 'artifact_claim: p_artifact_type must match ^[a-z][a-z0-9_]{0,39}$, got %',
      coalesce(quote_literal(p_artifact_type), 'NULL') USING ERRCODE = '22023';
  END IF;

  -- A row that is not an artifact (another part of the platform's file) holds the uuid for good.
  SELECT pf.tenant_id, pf.artifact_type, pf.deleted INTO v_row
  FROM public.project_files pf
  WHERE pf.uuid = p_uuid;
  v_has_row := FOUND;
  IF v_has_row AND v_row.artifact_type IS NULL THEN
    RETURN 'foreign';
  END IF;

  v_bound := public.artifact_bind_id(p_uuid, p_tenant_id, p_artifact_type);
  IF v_bound.tenant_id IS DISTINCT FROM p_tenant_id THEN
    RETURN 'foreign';
  ELSIF v_bound.artifact_type IS DISTINCT FROM p_artifact_type THEN
    RETURN 'conflict';
  END IF;

  IF NOT v_has_row THEN
    RETURN 'free';
  ELSIF v_row.tenant_id IS DISTINCT FROM p_tenant_id THEN
    RETURN 'foreign';
  ELSIF v_row.deleted THEN
    RETURN 'deleted';
  ELSIF v_row.artifact_type IS DISTINCT FROM p_artifact_type THEN
    RETURN 'conflict';
  END IF;
  RETURN 'own';
END
$$;

-- artifact_record, now also refusing a manifest whose id is bound to another type, or whose path is not the
-- one the live row describes: id_conflict (nothing changed). The rest is as in 004.
-- inserted | updated | unchanged | stale | deleted | tenant_conflict | id_conflict
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
  v_bound public.artifact_ids;
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

  -- A platform file (not an artifact) under this uuid: refused before any binding is made.
  PERFORM 1 FROM public.project_files pf WHERE pf.uuid = p_uuid AND pf.artifact_type IS NULL;
  IF FOUND THEN
    RETURN 'tenant_conflict';
  END IF;
  v_bound := public.artifact_bind_id(p_uuid, p_tenant_id, p_artifact_type);
  IF v_bound.tenant_id IS DISTINCT FROM p_tenant_id THEN
    RETURN 'tenant_conflict';
  ELSIF v_bound.artifact_type IS DISTINCT FROM p_artifact_type THEN
    RETURN 'id_conflict';
  END IF;

  FOR v_attempt IN 1..3 LOOP
    -- One statement: insert, or update only this tenant's live artifact row of the same type and path
    -- holding an older generation. ON CONFLICT locks the existing row even when the WHERE refuses the
    -- update, so the read below sees the row exactly as the refusal did.
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
      file_size = EXCLUDED.file_size,
      file_hash = EXCLUDED.file_hash,
      status = EXCLUDED.status,
      expires_at = EXCLUDED.expires_at,
      metadata = EXCLUDED.metadata,
      updated_at = now()
    WHERE pf.tenant_id = EXCLUDED.tenant_id
      AND pf.artifact_type = EXCLUDED.artifact_type
      AND pf.file_path = EXCLUDED.file_path
      AND NOT pf.deleted
      AND public.artifact_stored_generation(pf.metadata) < p_generation
    RETURNING (pf.xmax = 0) INTO v_inserted;

    IF FOUND THEN
      RETURN CASE WHEN v_inserted THEN 'inserted' ELSE 'updated' END;
    END IF;

    SELECT pf.tenant_id, pf.artifact_type, pf.file_path, pf.deleted,
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
      ELSIF v_row.artifact_type IS DISTINCT FROM p_artifact_type
        OR v_row.file_path IS DISTINCT FROM p_file_path THEN
        RETURN 'id_conflict';
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

-- artifact_mark_deleted, now for a storage event (p_generation set) acting only on the object the row
-- describes: a deleted event for another path under the same uuid (a manifest of another type, refused by
-- artifact_record) is not_found, and a tombstone is written only for an id not bound to another tenant or
-- type. The rest is as in 004.
-- deleted | already_deleted | tombstoned | stale | not_found
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
  v_bound public.artifact_ids;
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
    SELECT pf.tenant_id, pf.artifact_type, pf.file_path, pf.deleted,
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
      SELECT * INTO v_bound FROM public.artifact_ids WHERE uuid = p_uuid;
      IF FOUND AND (v_bound.tenant_id IS DISTINCT FROM p_tenant_id
        OR v_bound.artifact_type IS DISTINCT FROM p_artifact_type) THEN
        RETURN 'not_found';
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
    ELSIF p_generation IS NOT NULL AND p_file_path IS NOT NULL
      AND v_row.file_path IS DISTINCT FROM p_file_path THEN
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

-- Reconcile (docs/design.md, "Reconcile"): what the rows say about a batch of ids, whatever their state.
-- [{uuid, tenant_id, artifact_type, file_path, generation, deleted, visuals}] for the ids that have an
-- artifact row (live, deleted, expired or tombstone); ids without one are simply absent.
CREATE OR REPLACE FUNCTION public.artifact_row_states(p_uuids uuid[])
RETURNS jsonb
LANGUAGE sql
STABLE
SECURITY DEFINER
SET search_path = public, pg_temp
AS $$
  SELECT coalesce(jsonb_agg(jsonb_build_object(
    'uuid', pf.uuid,
    'tenant_id', pf.tenant_id,
    'artifact_type', pf.artifact_type,
    'file_path', pf.file_path,
    'generation', public.artifact_stored_generation(pf.metadata)::text,
    'deleted', pf.deleted,
    'visuals', coalesce(pf.metadata -> 'visuals', '[]'::jsonb)
  ) ORDER BY pf.uuid), '[]'::jsonb)
  FROM public.project_files pf
  WHERE pf.uuid = ANY (coalesce(p_uuids, ARRAY[]::uuid[]))
    AND pf.artifact_type IS NOT NULL
$$;

-- Reconcile: one page of live (not deleted) artifact rows in uuid order, after p_after_uuid, optionally of
-- one tenant and/or type, expired ones included (their objects still exist until the lifecycle rule runs).
-- [{uuid, tenant_id, artifact_type, file_path, generation}]
CREATE OR REPLACE FUNCTION public.artifact_live_rows(
  p_after_uuid uuid DEFAULT NULL,
  p_limit integer DEFAULT 500,
  p_tenant_id text DEFAULT NULL,
  p_artifact_type text DEFAULT NULL
)
RETURNS jsonb
LANGUAGE plpgsql
STABLE
SECURITY DEFINER
SET search_path = public, pg_temp
AS $$
BEGIN
  IF p_limit IS NULL OR p_limit < 1 OR p_limit > 5000 THEN
    RAISE EXCEPTION 'artifact_live_rows: p_limit must be between 1 and 5000, got %',
      coalesce(p_limit::text, 'NULL') USING ERRCODE = '22023';
  END IF;
  RETURN (
    SELECT coalesce(jsonb_agg(jsonb_build_object(
      'uuid', page.uuid,
      'tenant_id', page.tenant_id,
      'artifact_type', page.artifact_type,
      'file_path', page.file_path,
      'generation', public.artifact_stored_generation(page.metadata)::text
    ) ORDER BY page.uuid), '[]'::jsonb)
    FROM (
      SELECT pf.uuid, pf.tenant_id, pf.artifact_type, pf.file_path, pf.metadata
      FROM public.project_files pf
      WHERE pf.artifact_type IS NOT NULL
        AND NOT pf.deleted
        AND pf.uuid > coalesce(p_after_uuid, '00000000-0000-0000-0000-000000000000'::uuid)
        AND (p_tenant_id IS NULL OR pf.tenant_id = p_tenant_id)
        AND (p_artifact_type IS NULL OR pf.artifact_type = p_artifact_type)
      ORDER BY pf.uuid
      LIMIT p_limit
    ) AS page
  );
END
$$;

REVOKE ALL ON FUNCTION public.artifact_bind_id(uuid, text, text) FROM PUBLIC, anon, authenticated;
REVOKE ALL ON FUNCTION public.artifact_claim(uuid, text, text) FROM PUBLIC, anon, authenticated;
REVOKE ALL ON FUNCTION public.artifact_row_states(uuid[]) FROM PUBLIC, anon, authenticated;
REVOKE ALL ON FUNCTION public.artifact_live_rows(uuid, integer, text, text) FROM PUBLIC, anon, authenticated;
GRANT EXECUTE ON FUNCTION public.artifact_claim(uuid, text, text) TO service_role;
GRANT EXECUTE ON FUNCTION public.artifact_row_states(uuid[]) TO service_role;
GRANT EXECUTE ON FUNCTION public.artifact_live_rows(uuid, integer, text, text) TO service_role;

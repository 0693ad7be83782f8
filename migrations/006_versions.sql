-- Versions and aliases (docs/design.md, "Versions"). An artifact id names the artifact; each distinct content
-- stored under it is an immutable version, numbered 1, 2, 3, ... in commit order. The number is assigned by
-- the store function, by the path of the version's manifest (version 1 at `{id}.json`, version N at
-- `{id}/v{N}.json`), which it writes create-only: the bucket is the compare-and-set, so two writers of one
-- version cannot both win, and a version number never has a gap. Here the finalize events record each
-- version (in whatever order they arrive), and project_files keeps describing the latest one, so every
-- reader of the seed's table keeps working.
--
-- artifact_versions: one row per recorded version (its manifest, size, hash, generation, expiry, metadata).
-- artifact_aliases: names pointing at one version of one artifact (`latest` is implicit and reserved).
-- artifact_outcomes: what storeArtifact decided for a message it did not commit a new version for (refused,
-- or already stored), by tenant, id and message, for the status route.

CREATE TABLE IF NOT EXISTS public.artifact_versions (
  uuid uuid NOT NULL,
  version integer NOT NULL CHECK (version >= 1),
  tenant_id text NOT NULL,
  artifact_type text NOT NULL,
  file_path text NOT NULL,
  file_size bigint NOT NULL CHECK (file_size >= 0),
  file_hash text NOT NULL,
  generation bigint NOT NULL CHECK (generation > 0),
  expires_at timestamptz,
  metadata jsonb NOT NULL CHECK (jsonb_typeof(metadata) = 'object'),
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (uuid, version)
);

CREATE TABLE IF NOT EXISTS public.artifact_aliases (
  uuid uuid NOT NULL,
  alias text NOT NULL CHECK (alias ~ '^[a-z][a-z0-9_-]{0,39}$' AND alias <> 'latest'),
  version integer NOT NULL,
  tenant_id text NOT NULL,
  updated_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (uuid, alias),
  FOREIGN KEY (uuid, version) REFERENCES public.artifact_versions (uuid, version) ON DELETE CASCADE
);
CREATE INDEX IF NOT EXISTS idx_artifact_aliases_version ON public.artifact_aliases (uuid, version);

CREATE TABLE IF NOT EXISTS public.artifact_outcomes (
  uuid uuid NOT NULL,
  tenant_id text NOT NULL,
  message_id text NOT NULL,
  outcome text NOT NULL CHECK (outcome IN ('rejected', 'already_stored')),
  -- rejected: the code and the quarantine record; already_stored: the version the content already is.
  error_code text,
  quarantine_path text,
  version integer,
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (uuid, tenant_id, message_id)
);

ALTER TABLE public.artifact_versions ENABLE ROW LEVEL SECURITY;
ALTER TABLE public.artifact_aliases ENABLE ROW LEVEL SECURITY;
ALTER TABLE public.artifact_outcomes ENABLE ROW LEVEL SECURITY;
REVOKE ALL ON public.artifact_versions, public.artifact_aliases, public.artifact_outcomes
  FROM PUBLIC, anon, authenticated;

-- Every artifact that exists already is its version 1.
INSERT INTO public.artifact_versions (
  uuid, version, tenant_id, artifact_type, file_path, file_size, file_hash, generation, expires_at, metadata,
  created_at
)
SELECT pf.uuid, 1, pf.tenant_id, pf.artifact_type, pf.file_path, coalesce(pf.file_size, 0),
  coalesce(pf.file_hash, ''), public.artifact_stored_generation(pf.metadata), pf.expires_at,
  pf.metadata || '{"version": 1}'::jsonb, pf.created_at
FROM public.project_files pf
WHERE pf.artifact_type IS NOT NULL AND NOT pf.deleted AND public.artifact_stored_generation(pf.metadata) > 0
ON CONFLICT (uuid, version) DO NOTHING;

-- The version a project_files row describes (metadata.version; rows from before versions are version 1).
CREATE OR REPLACE FUNCTION public.artifact_row_version(p_metadata jsonb)
RETURNS integer
LANGUAGE sql
IMMUTABLE
SET search_path = public, pg_temp
AS $$
  SELECT CASE WHEN (p_metadata ->> 'version') ~ '^[1-9][0-9]{0,8}$' THEN (p_metadata ->> 'version')::integer ELSE 1 END
$$;

-- The manifest path of version N of an artifact (the layout of docs/design.md, "Versions").
CREATE OR REPLACE FUNCTION public.artifact_version_path(
  p_artifact_type text, p_tenant_id text, p_uuid uuid, p_version integer
)
RETURNS text
LANGUAGE sql
IMMUTABLE
SET search_path = public, pg_temp
AS $$
  SELECT 'artifacts/' || p_artifact_type || '/' || p_tenant_id || '/' || p_uuid::text ||
    CASE WHEN p_version = 1 THEN '.json' ELSE '/v' || p_version::text || '.json' END
$$;

-- Records one version of an artifact (a storage finalize event of its manifest).
-- inserted: a new artifact (its first recorded version). updated: project_files now describes this version
-- (a newer version, or a newer generation of the same). version_added: an older version recorded after a
-- newer one (project_files unchanged). unchanged: already recorded. stale: an older generation of a recorded
-- version. deleted, tenant_conflict, id_conflict: as before (nothing changed).
-- p_aliases: names to point at this version; each moves only forward (to a higher version), so a late event
-- never takes an alias back. p_version defaults to 1, p_aliases to none: the 005 signature's callers keep
-- working.
DROP FUNCTION IF EXISTS public.artifact_record(
  uuid, text, text, text, text, text, bigint, text, bigint, timestamptz, jsonb
);
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
  p_aliases text[] DEFAULT NULL
)
RETURNS text
LANGUAGE plpgsql
VOLATILE
SECURITY DEFINER
SET search_path = public, pg_temp
AS $$
DECLARE
  v_metadata jsonb;
  v_row record;
  v_bound public.artifact_ids;
  v_version_outcome text;
  v_alias text;
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
  IF p_version IS NULL OR p_version < 1 THEN
    RAISE EXCEPTION 'artifact_record: p_version must be a positive number, got %',
      coalesce(p_version::text, 'NULL') USING ERRCODE = '22023';
  END IF;
  v_metadata := coalesce(p_metadata, '{}'::jsonb);
  IF jsonb_typeof(v_metadata) <> 'object' THEN
    RAISE EXCEPTION 'artifact_record: p_metadata must be a JSON object, got %', jsonb_typeof(v_metadata)
      USING ERRCODE = '22023';
  END IF;
  v_metadata := v_metadata || jsonb_build_object('generation', p_generation::text, 'version', p_version);

  -- A platform file (not an artifact) under this uuid: refused before any binding is made.
  PERFORM 1 FROM public.project_files pf WHERE pf.uuid = p_uuid AND pf.artifact_type IS NULL;
  IF FOUND THEN
    RETURN 'tenant_conflict';
  END IF;
  v_bound := public.artifact_bind_id(p_uuid, p_tenant_id, p_artifact_type);
  IF v_bound.tenant_id IS DISTINCT FROM p_tenant_id THEN
    RETURN 'tenant_conflict';
  ELSIF v_bound.artifact_type IS DISTINCT FROM p_artifact_type
    OR p_file_path IS DISTINCT FROM public.artifact_version_path(p_artifact_type, p_tenant_id, p_uuid, p_version) THEN
    RETURN 'id_conflict';
  END IF;

  -- The artifact's row, locked (or created): every version of one id is recorded one at a time.
  INSERT INTO public.project_files AS pf (
    uuid, tenant_id, user_id, ui_name, artifact_type, file_path, file_type, mime_type, file_size,
    file_hash, status, deleted, expires_at, metadata, created_at, updated_at
  ) VALUES (
    p_uuid, p_tenant_id, p_user_id, p_ui_name, p_artifact_type, p_file_path, 'artifact', 'application/json',
    p_file_size, p_file_hash, 'active', false, p_expires_at, v_metadata, now(), now()
  )
  ON CONFLICT (uuid) DO NOTHING;
  IF FOUND THEN
    INSERT INTO public.artifact_versions (
      uuid, version, tenant_id, artifact_type, file_path, file_size, file_hash, generation, expires_at, metadata
    ) VALUES (
      p_uuid, p_version, p_tenant_id, p_artifact_type, p_file_path, p_file_size, p_file_hash, p_generation,
      p_expires_at, v_metadata
    );
    PERFORM public.artifact_point_aliases(p_uuid, p_tenant_id, p_version, p_aliases);
    RETURN 'inserted';
  END IF;

  SELECT pf.tenant_id, pf.artifact_type, pf.deleted,
    public.artifact_stored_generation(pf.metadata) AS generation,
    public.artifact_row_version(pf.metadata) AS version
  INTO v_row
  FROM public.project_files pf
  WHERE pf.uuid = p_uuid
  FOR UPDATE;

  IF v_row.tenant_id IS DISTINCT FROM p_tenant_id OR v_row.artifact_type IS NULL THEN
    RETURN 'tenant_conflict';
  ELSIF v_row.deleted THEN
    RETURN 'deleted';
  ELSIF v_row.artifact_type IS DISTINCT FROM p_artifact_type THEN
    RETURN 'id_conflict';
  END IF;

  -- The version itself: recorded once; a newer generation of the same version path replaces it.
  INSERT INTO public.artifact_versions AS av (
    uuid, version, tenant_id, artifact_type, file_path, file_size, file_hash, generation, expires_at, metadata
  ) VALUES (
    p_uuid, p_version, p_tenant_id, p_artifact_type, p_file_path, p_file_size, p_file_hash, p_generation,
    p_expires_at, v_metadata
  )
  ON CONFLICT (uuid, version) DO UPDATE SET
    file_size = EXCLUDED.file_size,
    file_hash = EXCLUDED.file_hash,
    generation = EXCLUDED.generation,
    expires_at = EXCLUDED.expires_at,
    metadata = EXCLUDED.metadata
  WHERE av.generation < EXCLUDED.generation
  RETURNING CASE WHEN av.xmax = 0 THEN 'added' ELSE 'replaced' END INTO v_version_outcome;

  IF v_version_outcome IS NULL THEN
    -- Nothing written: this generation (or a newer one) of the version is recorded already.
    PERFORM 1 FROM public.artifact_versions av
    WHERE av.uuid = p_uuid AND av.version = p_version AND av.generation = p_generation;
    IF NOT FOUND THEN
      RETURN 'stale';
    END IF;
    PERFORM public.artifact_point_aliases(p_uuid, p_tenant_id, p_version, p_aliases);
    RETURN 'unchanged';
  END IF;

  PERFORM public.artifact_point_aliases(p_uuid, p_tenant_id, p_version, p_aliases);
  IF p_version > v_row.version OR (p_version = v_row.version AND p_generation > v_row.generation) THEN
    UPDATE public.project_files SET
      user_id = p_user_id,
      ui_name = p_ui_name,
      file_path = p_file_path,
      file_size = p_file_size,
      file_hash = p_file_hash,
      status = 'active',
      expires_at = p_expires_at,
      metadata = v_metadata,
      updated_at = now()
    WHERE uuid = p_uuid;
    RETURN 'updated';
  END IF;
  RETURN 'version_added';
END
$$;

-- Points each alias at version p_version of the artifact, moving it only forward (helper of artifact_record).
CREATE OR REPLACE FUNCTION public.artifact_point_aliases(
  p_uuid uuid, p_tenant_id text, p_version integer, p_aliases text[]
)
RETURNS void
LANGUAGE plpgsql
VOLATILE
SECURITY DEFINER
SET search_path = public, pg_temp
AS $$
DECLARE
  v_alias text;
BEGIN
  FOREACH v_alias IN ARRAY coalesce(p_aliases, ARRAY[]::text[]) LOOP
    IF v_alias !~ '^[a-z][a-z0-9_-]{0,39}$' OR v_alias = 'latest' THEN
      CONTINUE; -- the store refuses these; a manifest written some other way cannot set them
    END IF;
    INSERT INTO public.artifact_aliases AS aa (uuid, alias, version, tenant_id, updated_at)
    VALUES (p_uuid, v_alias, p_version, p_tenant_id, now())
    ON CONFLICT (uuid, alias) DO UPDATE SET version = EXCLUDED.version, updated_at = now()
    WHERE aa.version < EXCLUDED.version;
  END LOOP;
END
$$;

-- Marks an artifact deleted, tenant-checked, under one row lock.
-- p_generation NULL (the API's delete): the whole artifact, every version, alias and rejection record.
-- p_generation set (a storage `deleted` event of a manifest): the version that manifest is. Its latest
-- version gone means the artifact is (as before versions); an older version's manifest gone removes that
-- version only (and the aliases on it): 'version_removed'.
-- deleted | already_deleted | tombstoned | stale | version_removed | not_found
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
  v_version record;
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
    ELSIF v_row.deleted THEN
      RETURN 'already_deleted';
    END IF;

    IF p_generation IS NOT NULL AND p_file_path IS NOT NULL AND v_row.file_path IS DISTINCT FROM p_file_path THEN
      -- Not the latest version's manifest: that version only, when it is this generation.
      SELECT av.version, av.generation INTO v_version
      FROM public.artifact_versions av
      WHERE av.uuid = p_uuid AND av.file_path = p_file_path;
      IF NOT FOUND OR v_version.generation > p_generation THEN
        RETURN 'not_found';
      END IF;
      DELETE FROM public.artifact_versions WHERE uuid = p_uuid AND version = v_version.version;
      RETURN 'version_removed';
    ELSIF p_generation IS NOT NULL AND v_row.generation > p_generation THEN
      RETURN 'stale';
    END IF;

    UPDATE public.project_files
    SET deleted = true, status = 'deleted', updated_at = now()
    WHERE uuid = p_uuid;
    DELETE FROM public.artifact_versions WHERE uuid = p_uuid; -- and their aliases (ON DELETE CASCADE)
    DELETE FROM public.artifact_outcomes WHERE uuid = p_uuid AND tenant_id = p_tenant_id;
    RETURN 'deleted';
  END LOOP;
  RAISE EXCEPTION 'artifact_mark_deleted: % kept changing, try again', p_uuid USING ERRCODE = '40001';
END
$$;

-- One version of the tenant's live artifact as the API's envelope needs it, or NULL: no such artifact (or
-- another tenant's, deleted, or whose latest version expired), no such version or alias, or that version
-- expired. The project_files row's columns with the version's own path, size, hash, expiry, metadata and
-- creation time, plus `version`, `latest_version` and `aliases` (those pointing at this version).
CREATE OR REPLACE FUNCTION public.artifact_get(
  p_uuid uuid,
  p_tenant_id text,
  p_version integer DEFAULT NULL,
  p_alias text DEFAULT NULL
)
RETURNS jsonb
LANGUAGE plpgsql
STABLE
SECURITY DEFINER
SET search_path = public, pg_temp
SET timezone = 'UTC'
AS $$
DECLARE
  v_row public.project_files;
  v_latest integer;
  v_version integer;
  v_av public.artifact_versions;
BEGIN
  IF p_uuid IS NULL THEN
    RAISE EXCEPTION 'artifact_get: p_uuid is required' USING ERRCODE = '22023';
  END IF;
  IF p_tenant_id IS NULL OR btrim(p_tenant_id) = '' THEN
    RAISE EXCEPTION 'artifact_get: p_tenant_id is required' USING ERRCODE = '22023';
  END IF;
  IF p_version IS NOT NULL AND p_alias IS NOT NULL THEN
    RAISE EXCEPTION 'artifact_get: p_version and p_alias are exclusive' USING ERRCODE = '22023';
  END IF;
  SELECT * INTO v_row
  FROM public.project_files pf
  WHERE pf.uuid = p_uuid
    AND pf.tenant_id = p_tenant_id
    AND pf.artifact_type IS NOT NULL
    AND NOT pf.deleted
    AND (pf.expires_at IS NULL OR pf.expires_at > now());
  IF NOT FOUND THEN
    RETURN NULL;
  END IF;
  v_latest := public.artifact_row_version(v_row.metadata);
  IF p_alias IS NOT NULL AND p_alias <> 'latest' THEN
    SELECT aa.version INTO v_version FROM public.artifact_aliases aa WHERE aa.uuid = p_uuid AND aa.alias = p_alias;
    IF NOT FOUND THEN
      RETURN NULL;
    END IF;
  ELSE
    v_version := coalesce(p_version, v_latest);
  END IF;
  IF v_version = v_latest THEN
    RETURN to_jsonb(v_row) || jsonb_build_object(
      'version', v_latest,
      'latest_version', v_latest,
      'aliases', public.artifact_aliases_of(p_uuid, v_latest)
    );
  END IF;
  SELECT * INTO v_av FROM public.artifact_versions av WHERE av.uuid = p_uuid AND av.version = v_version
    AND (av.expires_at IS NULL OR av.expires_at > now());
  IF NOT FOUND THEN
    RETURN NULL;
  END IF;
  RETURN to_jsonb(v_row) || jsonb_build_object(
    'file_path', v_av.file_path,
    'file_size', v_av.file_size,
    'file_hash', v_av.file_hash,
    'expires_at', v_av.expires_at,
    'metadata', v_av.metadata,
    'created_at', v_av.created_at,
    'updated_at', v_av.created_at,
    'version', v_av.version,
    'latest_version', v_latest,
    'aliases', public.artifact_aliases_of(p_uuid, v_av.version)
  );
END
$$;

-- The aliases pointing at one version, sorted (helper).
CREATE OR REPLACE FUNCTION public.artifact_aliases_of(p_uuid uuid, p_version integer)
RETURNS jsonb
LANGUAGE sql
STABLE
SECURITY DEFINER
SET search_path = public, pg_temp
AS $$
  SELECT coalesce(jsonb_agg(aa.alias ORDER BY aa.alias), '[]'::jsonb)
  FROM public.artifact_aliases aa
  WHERE aa.uuid = p_uuid AND aa.version = p_version
$$;

-- One page of the versions of the tenant's live artifact, newest first, before p_before_version when given.
-- {"items": [{version, created_at, file_size, file_hash, expires_at, aliases, metadata}], "next": version
-- of the last item | null}; NULL when there is no such artifact (or it is not the tenant's, or deleted, or its
-- latest version expired).
CREATE OR REPLACE FUNCTION public.artifact_versions_list(
  p_uuid uuid,
  p_tenant_id text,
  p_limit integer DEFAULT 50,
  p_before_version integer DEFAULT NULL
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
  v_next jsonb := NULL;
BEGIN
  IF p_limit IS NULL OR p_limit < 1 OR p_limit > 200 THEN
    RAISE EXCEPTION 'artifact_versions_list: p_limit must be between 1 and 200, got %',
      coalesce(p_limit::text, 'NULL') USING ERRCODE = '22023';
  END IF;
  PERFORM 1 FROM public.project_files pf
  WHERE pf.uuid = p_uuid AND pf.tenant_id = p_tenant_id AND pf.artifact_type IS NOT NULL AND NOT pf.deleted
    AND (pf.expires_at IS NULL OR pf.expires_at > now());
  IF NOT FOUND THEN
    RETURN NULL;
  END IF;
  SELECT coalesce(jsonb_agg(jsonb_build_object(
      'version', page.version,
      'created_at', page.created_at,
      'file_size', page.file_size,
      'file_hash', page.file_hash,
      'expires_at', page.expires_at,
      'aliases', public.artifact_aliases_of(p_uuid, page.version),
      'metadata', page.metadata
    ) ORDER BY page.version DESC), '[]'::jsonb)
  INTO v_items
  FROM (
    SELECT av.* FROM public.artifact_versions av
    WHERE av.uuid = p_uuid AND av.version < coalesce(p_before_version, 2147483647)
    ORDER BY av.version DESC
    LIMIT p_limit + 1
  ) AS page;
  IF jsonb_array_length(v_items) > p_limit THEN
    v_items := v_items - p_limit;
    v_next := v_items -> (p_limit - 1) -> 'version';
  END IF;
  RETURN jsonb_build_object('items', v_items, 'next', v_next);
END
$$;

-- Points an alias at a version of the tenant's live artifact (the API's PUT; backwards too), atomically:
-- {outcome: set, artifact_type, moved_at} | {outcome: not_found}. moved_at is when the alias came to point at
-- this version: a PUT of the version it already points at changes nothing and answers the same moved_at, so
-- the alias.moved event the API publishes for a move has one event_id however often the PUT is retried.
CREATE OR REPLACE FUNCTION public.artifact_alias_set(
  p_uuid uuid, p_tenant_id text, p_alias text, p_version integer
)
RETURNS jsonb
LANGUAGE plpgsql
VOLATILE
SECURITY DEFINER
SET search_path = public, pg_temp
AS $$
DECLARE
  v_type text;
  v_moved_at timestamptz;
BEGIN
  IF p_alias IS NULL OR p_alias !~ '^[a-z][a-z0-9_-]{0,39}$' OR p_alias = 'latest' THEN
    RAISE EXCEPTION 'artifact_alias_set: p_alias must match ^[a-z][a-z0-9_-]{0,39}$ and not be latest, got %',
      coalesce(quote_literal(p_alias), 'NULL') USING ERRCODE = '22023';
  END IF;
  SELECT pf.artifact_type INTO v_type FROM public.project_files pf
  WHERE pf.uuid = p_uuid AND pf.tenant_id = p_tenant_id AND pf.artifact_type IS NOT NULL AND NOT pf.deleted
    AND (pf.expires_at IS NULL OR pf.expires_at > now())
  FOR UPDATE;
  IF NOT FOUND THEN
    RETURN jsonb_build_object('outcome', 'not_found');
  END IF;
  PERFORM 1 FROM public.artifact_versions av WHERE av.uuid = p_uuid AND av.version = p_version;
  IF NOT FOUND THEN
    RETURN jsonb_build_object('outcome', 'not_found');
  END IF;
  INSERT INTO public.artifact_aliases AS aa (uuid, alias, version, tenant_id, updated_at)
  VALUES (p_uuid, p_alias, p_version, p_tenant_id, clock_timestamp())
  ON CONFLICT (uuid, alias) DO UPDATE SET version = EXCLUDED.version, updated_at = EXCLUDED.updated_at
  WHERE aa.version <> EXCLUDED.version;
  SELECT aa.updated_at INTO v_moved_at FROM public.artifact_aliases aa WHERE aa.uuid = p_uuid AND aa.alias = p_alias;
  RETURN jsonb_build_object(
    'outcome', 'set',
    'artifact_type', v_type,
    'moved_at', to_char(v_moved_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')
  );
END
$$;

-- Removes an alias (the API's DELETE): deleted | not_found.
CREATE OR REPLACE FUNCTION public.artifact_alias_delete(p_uuid uuid, p_tenant_id text, p_alias text)
RETURNS text
LANGUAGE plpgsql
VOLATILE
SECURITY DEFINER
SET search_path = public, pg_temp
AS $$
BEGIN
  DELETE FROM public.artifact_aliases aa
  USING public.project_files pf
  WHERE aa.uuid = p_uuid AND aa.alias = p_alias AND pf.uuid = aa.uuid AND pf.tenant_id = p_tenant_id
    AND NOT pf.deleted;
  RETURN CASE WHEN FOUND THEN 'deleted' ELSE 'not_found' END;
END
$$;

-- Records what storeArtifact refused for an id (the status route reads it); idempotent per message.
CREATE OR REPLACE FUNCTION public.artifact_reject(
  p_uuid uuid, p_tenant_id text, p_message_id text, p_error_code text, p_quarantine_path text
)
RETURNS void
LANGUAGE sql
VOLATILE
SECURITY DEFINER
SET search_path = public, pg_temp
AS $$
  INSERT INTO public.artifact_outcomes (uuid, tenant_id, message_id, outcome, error_code, quarantine_path)
  VALUES (p_uuid, p_tenant_id, p_message_id, 'rejected', p_error_code, p_quarantine_path)
  ON CONFLICT DO NOTHING
$$;

-- Records that a message's content was already stored as version p_version (a redelivery, or the same content
-- published again), so the status route can answer for that message; idempotent per message.
CREATE OR REPLACE FUNCTION public.artifact_note_stored(
  p_uuid uuid, p_tenant_id text, p_message_id text, p_version integer
)
RETURNS void
LANGUAGE sql
VOLATILE
SECURITY DEFINER
SET search_path = public, pg_temp
AS $$
  INSERT INTO public.artifact_outcomes (uuid, tenant_id, message_id, outcome, version)
  VALUES (p_uuid, p_tenant_id, p_message_id, 'already_stored', p_version)
  ON CONFLICT DO NOTHING
$$;

-- What became of an id, for its tenant: {state: stored, version} | {state: deleted} (deleted, or its latest
-- version expired) | {state: rejected, error_code} | {state: unknown}. With p_message_id, what became of that
-- message: the version it created (its manifest's message_id), the version its content already was, its
-- refusal (a revision refused with VERSION_CONFLICT while the artifact is stored) or unknown (not yet
-- recorded). Without it: the latest version, else the latest refusal. Another tenant's id reads exactly like
-- one never seen.
CREATE OR REPLACE FUNCTION public.artifact_status(p_uuid uuid, p_tenant_id text, p_message_id text DEFAULT NULL)
RETURNS jsonb
LANGUAGE plpgsql
STABLE
SECURITY DEFINER
SET search_path = public, pg_temp
AS $$
DECLARE
  v_row record;
  v_found boolean;
  v_outcome record;
  v_version integer;
BEGIN
  SELECT pf.deleted, public.artifact_row_version(pf.metadata) AS version,
    (pf.expires_at IS NOT NULL AND pf.expires_at <= now()) AS expired
  INTO v_row
  FROM public.project_files pf
  WHERE pf.uuid = p_uuid AND pf.tenant_id = p_tenant_id AND pf.artifact_type IS NOT NULL;
  v_found := FOUND;
  IF v_found AND (v_row.deleted OR v_row.expired) THEN
    RETURN jsonb_build_object('state', 'deleted');
  END IF;

  IF p_message_id IS NOT NULL THEN
    -- That message's own outcome: the version it created, the version its content already was, or its refusal.
    SELECT av.version INTO v_version FROM public.artifact_versions av
    WHERE av.uuid = p_uuid AND av.tenant_id = p_tenant_id AND av.metadata ->> 'message_id' = p_message_id;
    IF FOUND THEN
      RETURN jsonb_build_object('state', 'stored', 'version', v_version);
    END IF;
    SELECT ao.outcome, ao.error_code, ao.version INTO v_outcome FROM public.artifact_outcomes ao
    WHERE ao.uuid = p_uuid AND ao.tenant_id = p_tenant_id AND ao.message_id = p_message_id;
    IF FOUND AND v_outcome.outcome = 'rejected' THEN
      RETURN jsonb_build_object('state', 'rejected', 'error_code', v_outcome.error_code);
    END IF;
    IF FOUND AND EXISTS (
      SELECT 1 FROM public.artifact_versions av WHERE av.uuid = p_uuid AND av.version = v_outcome.version
    ) THEN
      RETURN jsonb_build_object('state', 'stored', 'version', v_outcome.version);
    END IF;
    RETURN jsonb_build_object('state', 'unknown');
  END IF;

  IF v_found THEN
    RETURN jsonb_build_object('state', 'stored', 'version', v_row.version);
  END IF;
  SELECT ao.error_code INTO v_outcome FROM public.artifact_outcomes ao
  WHERE ao.uuid = p_uuid AND ao.tenant_id = p_tenant_id AND ao.outcome = 'rejected'
  ORDER BY ao.created_at DESC LIMIT 1;
  IF FOUND THEN
    RETURN jsonb_build_object('state', 'rejected', 'error_code', v_outcome.error_code);
  END IF;
  RETURN jsonb_build_object('state', 'unknown');
END
$$;

-- Reconcile: what the rows say about a batch of ids (as in 005), now with each recorded version's manifest
-- path and generation, so reconcile records only the versions that are missing.
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
    'visuals', coalesce(pf.metadata -> 'visuals', '[]'::jsonb),
    'versions', coalesce((
      SELECT jsonb_agg(jsonb_build_object(
        'version', av.version, 'file_path', av.file_path, 'generation', av.generation::text
      ) ORDER BY av.version)
      FROM public.artifact_versions av WHERE av.uuid = pf.uuid
    ), '[]'::jsonb)
  ) ORDER BY pf.uuid), '[]'::jsonb)
  FROM public.project_files pf
  WHERE pf.uuid = ANY (coalesce(p_uuids, ARRAY[]::uuid[]))
    AND pf.artifact_type IS NOT NULL
$$;

-- One page of the tenant's live artifacts, newest first (keyset), each as its latest version's summary
-- (the envelope without the document): built from exactly the columns the API returns, with json (not jsonb),
-- so a page of 200 costs the database little more than reading it.
DROP FUNCTION IF EXISTS public.artifact_list(text, text, text, text, integer, timestamptz, uuid);
CREATE OR REPLACE FUNCTION public.artifact_list(
  p_tenant_id text,
  p_artifact_type text DEFAULT NULL,
  p_execution_id text DEFAULT NULL,
  p_session_id text DEFAULT NULL,
  p_limit integer DEFAULT 50,
  p_after_created_at timestamptz DEFAULT NULL,
  p_after_uuid uuid DEFAULT NULL
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
  v_last record;
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
    -- The extra row only says that there is a next page; the position is the last item's.
    RETURN json_build_object('items', v_items, 'next', json_build_object(
      'created_at', v_items -> (p_limit - 1) -> 'created_at',
      'uuid', v_items -> (p_limit - 1) -> 'uuid'
    ));
  END IF;
  RETURN json_build_object('items', v_items, 'next', NULL);
END
$$;

REVOKE ALL ON FUNCTION public.artifact_row_version(jsonb) FROM PUBLIC, anon, authenticated;
REVOKE ALL ON FUNCTION public.artifact_version_path(text, text, uuid, integer) FROM PUBLIC, anon, authenticated;
REVOKE ALL ON FUNCTION public.artifact_point_aliases(uuid, text, integer, text[]) FROM PUBLIC, anon, authenticated;
REVOKE ALL ON FUNCTION public.artifact_aliases_of(uuid, integer) FROM PUBLIC, anon, authenticated;
REVOKE ALL ON FUNCTION public.artifact_record(
  uuid, text, text, text, text, text, bigint, text, bigint, timestamptz, jsonb, integer, text[]
) FROM PUBLIC, anon, authenticated;
DROP FUNCTION IF EXISTS public.artifact_get(uuid, text);
REVOKE ALL ON FUNCTION public.artifact_get(uuid, text, integer, text) FROM PUBLIC, anon, authenticated;
REVOKE ALL ON FUNCTION public.artifact_versions_list(uuid, text, integer, integer) FROM PUBLIC, anon, authenticated;
REVOKE ALL ON FUNCTION public.artifact_alias_set(uuid, text, text, integer) FROM PUBLIC, anon, authenticated;
REVOKE ALL ON FUNCTION public.artifact_alias_delete(uuid, text, text) FROM PUBLIC, anon, authenticated;
REVOKE ALL ON FUNCTION public.artifact_reject(uuid, text, text, text, text) FROM PUBLIC, anon, authenticated;
REVOKE ALL ON FUNCTION public.artifact_status(uuid, text, text) FROM PUBLIC, anon, authenticated;
REVOKE ALL ON FUNCTION public.artifact_note_stored(uuid, text, text, integer) FROM PUBLIC, anon, authenticated;

GRANT EXECUTE ON FUNCTION public.artifact_record(
  uuid, text, text, text, text, text, bigint, text, bigint, timestamptz, jsonb, integer, text[]
) TO service_role;
GRANT EXECUTE ON FUNCTION public.artifact_get(uuid, text, integer, text) TO service_role;
REVOKE ALL ON FUNCTION public.artifact_list(text, text, text, text, integer, timestamptz, uuid) FROM PUBLIC, anon, authenticated;
GRANT EXECUTE ON FUNCTION public.artifact_list(text, text, text, text, integer, timestamptz, uuid) TO service_role;
GRANT EXECUTE ON FUNCTION public.artifact_versions_list(uuid, text, integer, integer) TO service_role;
GRANT EXECUTE ON FUNCTION public.artifact_alias_set(uuid, text, text, integer) TO service_role;
GRANT EXECUTE ON FUNCTION public.artifact_alias_delete(uuid, text, text) TO service_role;
GRANT EXECUTE ON FUNCTION public.artifact_reject(uuid, text, text, text, text) TO service_role;
GRANT EXECUTE ON FUNCTION public.artifact_status(uuid, text, text) TO service_role;
GRANT EXECUTE ON FUNCTION public.artifact_note_stored(uuid, text, text, integer) TO service_role;

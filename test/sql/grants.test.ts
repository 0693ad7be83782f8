import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Db, databaseUrl, newTenant } from './helpers';

const CALLS: { name: string; sql: (uuid: string, tenant: string) => [string, unknown[]] }[] = [
  {
    name: 'artifact_record',
    sql: (uuid, tenant) => [
      `SELECT public.artifact_record(p_uuid => $1::uuid, p_tenant_id => $2::text, p_artifact_type => 'sop', p_user_id => NULL,
         p_ui_name => 'x', p_file_path => 'artifacts/sop/' || $2::text || '/' || $1::text || '.json', p_file_size => 1, p_file_hash => 'h',
         p_generation => 1, p_expires_at => NULL, p_metadata => '{}') AS result`,
      [uuid, tenant],
    ],
  },
  {
    name: 'artifact_get',
    sql: (uuid, tenant) => [
      'SELECT public.artifact_get(p_uuid => $1, p_tenant_id => $2) AS result',
      [uuid, tenant],
    ],
  },
  {
    name: 'artifact_list',
    sql: (_uuid, tenant) => ['SELECT public.artifact_list(p_tenant_id => $1) AS result', [tenant]],
  },
  {
    name: 'artifact_claim',
    sql: (uuid, tenant) => [
      "SELECT public.artifact_claim(p_uuid => $1, p_tenant_id => $2, p_artifact_type => 'sop') AS result",
      [uuid, tenant],
    ],
  },
  {
    name: 'artifact_row_states',
    sql: (uuid) => ['SELECT public.artifact_row_states(p_uuids => ARRAY[$1]::uuid[]) AS result', [uuid]],
  },
  {
    name: 'artifact_live_rows',
    sql: (_uuid, tenant) => ['SELECT public.artifact_live_rows(p_tenant_id => $1) AS result', [tenant]],
  },
  {
    name: 'artifact_versions_list',
    sql: (uuid, tenant) => [
      'SELECT public.artifact_versions_list(p_uuid => $1, p_tenant_id => $2) AS result',
      [uuid, tenant],
    ],
  },
  {
    name: 'artifact_alias_set',
    sql: (uuid, tenant) => [
      "SELECT public.artifact_alias_set(p_uuid => $1, p_tenant_id => $2, p_alias => 'prod', p_version => 1) AS result",
      [uuid, tenant],
    ],
  },
  {
    name: 'artifact_note_stored',
    sql: (uuid, tenant) => [
      "SELECT public.artifact_note_stored(p_uuid => $1, p_tenant_id => $2, p_message_id => 'm', p_version => 1) AS result",
      [uuid, tenant],
    ],
  },
  {
    name: 'artifact_alias_delete',
    sql: (uuid, tenant) => [
      "SELECT public.artifact_alias_delete(p_uuid => $1, p_tenant_id => $2, p_alias => 'prod') AS result",
      [uuid, tenant],
    ],
  },
  {
    name: 'artifact_reject',
    sql: (uuid, tenant) => [
      "SELECT public.artifact_reject(p_uuid => $1, p_tenant_id => $2, p_message_id => 'm', p_error_code => 'X', p_quarantine_path => 'q') AS result",
      [uuid, tenant],
    ],
  },
  {
    name: 'artifact_lineage',
    sql: (uuid, tenant) => [
      'SELECT public.artifact_lineage(p_uuid => $1, p_tenant_id => $2) AS result',
      [uuid, tenant],
    ],
  },
  {
    name: 'artifact_status',
    sql: (uuid, tenant) => [
      'SELECT public.artifact_status(p_uuid => $1, p_tenant_id => $2) AS result',
      [uuid, tenant],
    ],
  },
  {
    name: 'artifact_mark_deleted',
    sql: (uuid, tenant) => [
      'SELECT public.artifact_mark_deleted(p_uuid => $1, p_tenant_id => $2) AS result',
      [uuid, tenant],
    ],
  },
];

/** Runs `fn` on a connection of its own that has done SET ROLE `role`. */
async function asRole<T>(role: string, fn: (db: Db) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: databaseUrl() });
  await client.connect();
  try {
    await client.query(`SET ROLE ${role}`);
    return await fn(client);
  } finally {
    await client.end();
  }
}

let pool: pg.Pool;
beforeAll(() => {
  pool = new pg.Pool({ connectionString: databaseUrl(), max: 2 });
});
afterAll(async () => {
  await pool.end();
});

describe('grants', () => {
  for (const role of ['anon', 'authenticated']) {
    it.each(CALLS.map((call) => [call.name, call] as const))(
      `${role} cannot execute %s (42501)`,
      async (_n, call) => {
        await asRole(role, async (db) => {
          const [text, values] = call.sql(randomUUID(), newTenant());
          await expect(db.query(text, values)).rejects.toMatchObject({
            code: '42501',
            message: expect.stringMatching(/permission denied for function/),
          });
        });
      },
    );

    it(`${role} cannot read project_files or schema_migrations directly`, async () => {
      await asRole(role, async (db) => {
        await expect(db.query('SELECT count(*) FROM project_files')).rejects.toMatchObject({ code: '42501' });
        await expect(db.query('SELECT count(*) FROM schema_migrations')).rejects.toMatchObject({
          code: '42501',
        });
        for (const table of ['artifact_ids', 'artifact_versions', 'artifact_aliases', 'artifact_outcomes']) {
          await expect(db.query(`SELECT count(*) FROM ${table}`)).rejects.toMatchObject({ code: '42501' });
        }
      });
    });
  }

  it('service_role executes every function, without any privilege on the table', async () => {
    const uuid = randomUUID();
    const tenant = newTenant();
    await asRole('service_role', async (db) => {
      const results: Record<string, unknown> = {};
      for (const call of CALLS) {
        const [text, values] = call.sql(uuid, tenant);
        results[call.name] = (await db.query(text, values)).rows[0].result;
      }
      expect(results).toMatchObject({
        artifact_record: 'inserted',
        artifact_get: { uuid, tenant_id: tenant },
        artifact_list: { items: [{ uuid }], next: null },
        artifact_claim: 'own',
        artifact_row_states: [{ uuid, tenant_id: tenant, artifact_type: 'sop', deleted: false }],
        artifact_live_rows: [{ uuid, tenant_id: tenant, artifact_type: 'sop' }],
        artifact_versions_list: { items: [{ version: 1 }], next: null },
        artifact_alias_set: { outcome: 'set', artifact_type: 'sop' },
        artifact_alias_delete: 'deleted',
        artifact_lineage: { nodes: [{ artifact_id: uuid, version: 1 }], edges: [], truncated: false },
        artifact_status: { state: 'stored', version: 1 },
        artifact_mark_deleted: 'deleted',
      });
      await expect(db.query('SELECT count(*) FROM project_files')).rejects.toMatchObject({ code: '42501' });
    });
  });

  it('the helpers artifact_stored_generation and artifact_bind_id are not callable by anon, authenticated or service_role', async () => {
    for (const role of ['anon', 'authenticated', 'service_role']) {
      await asRole(role, async (db) => {
        await expect(
          db.query(`SELECT public.artifact_stored_generation('{"generation": "1"}')`),
        ).rejects.toMatchObject({ code: '42501' });
        await expect(
          db.query(`SELECT public.artifact_bind_id(gen_random_uuid(), 't', 'sop')`),
        ).rejects.toMatchObject({ code: '42501' });
      });
    }
  });

  it('project_files has row level security on, and the functions are SECURITY DEFINER with a fixed search_path', async () => {
    const { rows: tables } = await pool.query(
      `SELECT relrowsecurity FROM pg_class WHERE oid IN ('public.project_files'::regclass, 'public.artifact_ids'::regclass,
         'public.artifact_versions'::regclass, 'public.artifact_aliases'::regclass, 'public.artifact_outcomes'::regclass,
         'public.artifact_lineage'::regclass)`,
    );
    expect(tables.map((t) => t.relrowsecurity)).toEqual([true, true, true, true, true, true]);
    const { rows } = await pool.query(
      `SELECT proname, prosecdef, proconfig FROM pg_proc
       WHERE pronamespace = 'public'::regnamespace AND proname = ANY($1) ORDER BY proname`,
      [CALLS.map((call) => call.name)],
    );
    expect(rows).toHaveLength(CALLS.length);
    for (const row of rows) {
      expect(row.prosecdef).toBe(true);
      expect(row.proconfig).toContain('search_path=public, pg_temp');
    }
  });
});

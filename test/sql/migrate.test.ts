import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { appendFileSync, cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { DEFAULT_MIGRATIONS_DIR, migrate, readMigrations } from '../../scripts/migrate';
import { databaseUrl } from './helpers';

const run = promisify(execFile);
const created: string[] = [];
const tempDirs: string[] = [];

async function withClient<T>(url: string, fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

/** A new empty database on the test server; its URL. Dropped after the file. */
async function freshDatabase(): Promise<string> {
  const name = `migrate_test_${randomBytes(6).toString('hex')}`;
  await withClient(databaseUrl(), (client) => client.query(`CREATE DATABASE ${name}`));
  created.push(name);
  const url = new URL(databaseUrl());
  url.pathname = `/${name}`;
  return url.toString();
}

async function appliedRows(url: string): Promise<{ version: string; name: string; checksum: string }[]> {
  const { rows } = await withClient(url, (client) =>
    client.query('SELECT version, name, checksum FROM schema_migrations ORDER BY version'),
  );
  return rows;
}

function copyOfMigrations(): string {
  const dir = mkdtempSync(join(tmpdir(), 'artifact-store-migrations-'));
  tempDirs.push(dir);
  cpSync(DEFAULT_MIGRATIONS_DIR, dir, { recursive: true });
  return dir;
}

afterAll(async () => {
  await withClient(databaseUrl(), async (client) => {
    for (const name of created) await client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  });
  for (const dir of tempDirs) rmSync(dir, { recursive: true, force: true });
});

const files = readMigrations();
const versions = files.map((file) => file.version);
const quiet = { log: () => {} };

describe('migrate', () => {
  it('finds the migration files in order', () => {
    expect(files.map((file) => file.file)).toEqual([
      '001_create_project_files.sql',
      '002_add_artifact_support_to_project_files.sql',
      '003_add_expires_at.sql',
      '004_artifact_functions.sql',
      '005_artifact_ids.sql',
      '006_versions.sql',
      '007_lineage.sql',
    ]);
  });

  it('applies every file to a fresh database, records it, and a second run applies none', async () => {
    const url = await freshDatabase();
    const lines: string[] = [];
    expect(await migrate(url, { log: (line) => lines.push(line) })).toEqual(versions);
    expect(lines).toEqual(files.map((file) => `applied ${file.file}`));
    expect(await appliedRows(url)).toEqual(
      files.map((file) => ({ version: file.version, name: file.name, checksum: file.checksum })),
    );
    const again: string[] = [];
    expect(await migrate(url, { log: (line) => again.push(line) })).toEqual([]);
    expect(again).toEqual(['up to date']);
    // The schema is there: the functions answer.
    const { rows } = await withClient(url, (client) =>
      client.query(
        "SELECT public.artifact_claim(p_uuid => gen_random_uuid(), p_tenant_id => 't', p_artifact_type => 'sop') AS status",
      ),
    );
    expect(rows[0].status).toBe('free');
  });

  it('applies on top of an existing project_files with more columns and rows (Supabase)', async () => {
    const url = await freshDatabase();
    await withClient(url, async (client) => {
      await client.query(`
        CREATE TABLE project_files (
          uuid uuid PRIMARY KEY DEFAULT gen_random_uuid(),
          user_id text,
          tenant_id text NOT NULL,
          ui_name text,
          file_path text NOT NULL,
          file_type text,
          mime_type text,
          file_size bigint,
          file_hash text,
          status text NOT NULL DEFAULT 'uploaded',
          created_at timestamptz NOT NULL DEFAULT now(),
          updated_at timestamptz NOT NULL DEFAULT now(),
          deleted boolean NOT NULL DEFAULT false,
          original_filename text,
          processing_status text
        )`);
      await client.query(
        "INSERT INTO project_files (tenant_id, file_path, file_type, original_filename) VALUES ('t1', 'f.pdf', 'pdf', 'f.pdf')",
      );
    });
    expect(await migrate(url, quiet)).toEqual(versions);
    await withClient(url, async (client) => {
      const { rows } = await client.query(
        'SELECT original_filename, metadata, artifact_type, expires_at FROM project_files',
      );
      expect(rows).toEqual([
        { original_filename: 'f.pdf', metadata: {}, artifact_type: null, expires_at: null },
      ]);
      const { rows: recorded } = await client.query(
        `SELECT public.artifact_record(p_uuid => s.u, p_tenant_id => 't1', p_artifact_type => 'sop',
           p_user_id => NULL, p_ui_name => 'x', p_file_path => 'artifacts/sop/t1/' || s.u || '.json', p_file_size => 1,
           p_file_hash => 'h', p_generation => 1, p_expires_at => NULL, p_metadata => '{}') AS outcome
         FROM (SELECT gen_random_uuid() AS u) AS s`,
      );
      expect(recorded[0].outcome).toBe('inserted');
    });
  });

  it('applies each file once when two runs race on the same database', async () => {
    const url = await freshDatabase();
    const [a, b] = await Promise.all([migrate(url, quiet), migrate(url, quiet)]);
    expect([...a, ...b].sort()).toEqual(versions);
    expect((await appliedRows(url)).map((row) => row.version)).toEqual(versions);
  });

  it('applies only the files added since the last run', async () => {
    const url = await freshDatabase();
    const dir = copyOfMigrations();
    const [before, later] = [files.slice(0, 3), files.slice(3)];
    for (const file of later) rmSync(join(dir, file.file));
    expect(await migrate(url, { ...quiet, dir })).toEqual(before.map((file) => file.version));
    for (const file of later) cpSync(join(DEFAULT_MIGRATIONS_DIR, file.file), join(dir, file.file));
    expect(await migrate(url, { ...quiet, dir })).toEqual(later.map((file) => file.version));
  });

  it('refuses to go on when an applied file was changed, naming the file', async () => {
    const url = await freshDatabase();
    const dir = copyOfMigrations();
    expect(await migrate(url, { ...quiet, dir })).toEqual(versions);
    appendFileSync(join(dir, '002_add_artifact_support_to_project_files.sql'), '\n-- edited\n');
    writeFileSync(join(dir, '900_more.sql'), 'CREATE TABLE must_not_exist (id int);\n');
    await expect(migrate(url, { ...quiet, dir })).rejects.toThrow(
      /002_add_artifact_support_to_project_files\.sql was changed after it was applied/,
    );
    // Nothing after the refusal was applied.
    expect((await appliedRows(url)).map((row) => row.version)).toEqual(versions);
    const { rows } = await withClient(url, (client) =>
      client.query("SELECT to_regclass('public.must_not_exist') AS t"),
    );
    expect(rows[0].t).toBeNull();
  });

  it('rolls back a failing file with its bookkeeping row and keeps the files before it', async () => {
    const url = await freshDatabase();
    const dir = copyOfMigrations();
    writeFileSync(
      join(dir, '900_broken.sql'),
      'CREATE TABLE half_done (id int);\nSELECT no_such_function();\n',
    );
    await expect(migrate(url, { ...quiet, dir })).rejects.toThrow(
      /900_broken\.sql failed and was rolled back/,
    );
    expect((await appliedRows(url)).map((row) => row.version)).toEqual(versions);
    const { rows } = await withClient(url, (client) =>
      client.query("SELECT to_regclass('public.half_done') AS t"),
    );
    expect(rows[0].t).toBeNull();
  });

  it('refuses two files with the same version', () => {
    const dir = copyOfMigrations();
    writeFileSync(join(dir, '004_other.sql'), 'SELECT 1;\n');
    expect(() => readMigrations(dir)).toThrow(/version 004 is used by both/);
  });

  it('runs as a CLI: DATABASE_URL required, prints each applied file, then "up to date"', async () => {
    // As `npm run migrate` runs it.
    const node = process.execPath;
    const script = join(process.cwd(), 'scripts', 'migrate.ts');
    const runner = join(process.cwd(), 'scripts', 'tsx-run.js');
    const { DATABASE_URL: _unset, ...env } = process.env;
    const missing = await run(node, [runner, script], { env }).then(
      () => ({ code: 0, stderr: '' }),
      (error: { code: number; stderr: string }) => error,
    );
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/DATABASE_URL is not set/);

    const url = await freshDatabase();
    const first = await run(node, [runner, script], { env: { ...env, DATABASE_URL: url } });
    expect(first.stdout.trim().split('\n')).toEqual(files.map((file) => `applied ${file.file}`));
    const second = await run(node, [runner, script], { env: { ...env, DATABASE_URL: url } });
    expect(second.stdout.trim()).toBe('up to date');

    const badUrl = new URL(url);
    badUrl.pathname = '/no_such_database_here';
    const failed = await run(node, [runner, script], {
      env: { ...env, DATABASE_URL: badUrl.toString() },
    }).then(
      () => ({ code: 0, stderr: '' }),
      (error: { code: number; stderr: string }) => error,
    );
    expect(failed.code).toBe(1);
    expect(failed.stderr).toMatch(/^migrate: /);
  });
});

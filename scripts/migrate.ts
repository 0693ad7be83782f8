/**
 * Applies the SQL migrations of `migrations/` (files `NNN_name.sql`, in order, each once) to a PostgreSQL
 * database: Supabase's or a local one. The URL goes to pg as is, so its `sslmode`/`sslrootcert` apply; note
 * that pg 8 reads `sslmode=require` as verify-full (Node's CA list): for Supabase add `sslrootcert=<its CA
 * file>`, or `uselibpqcompat=true&sslmode=require` for libpq's encrypt-without-verify meaning.
 *
 * - `schema_migrations(version, name, checksum, applied_at)` records what was applied;
 * - each file runs in its own transaction together with its bookkeeping row, so it is applied whole or not;
 * - a session advisory lock serialises concurrent runs (use a session connection: Supabase's direct
 *   connection or session pooler, not the transaction pooler on port 6543);
 * - a file whose content changed after it was applied stops everything, naming the file.
 *
 * CLI: `npm run migrate` (DATABASE_URL required); exit code 1 on failure.
 */
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { isEntryPoint } from './entry-point';

export interface MigrateOptions {
  /** Directory of the migration files (default: the repository's `migrations/`). */
  dir?: string;
  /** Receives one line per applied file and the outcome (default: stdout). */
  log?: (line: string) => void;
}

export interface MigrationFile {
  /** The `NNN` prefix. */
  version: string;
  /** The file name without `.sql`, e.g. `001_create_project_files`. */
  name: string;
  file: string;
  sql: string;
  /** sha256 (hex) of the content, line endings normalised to `\n`. */
  checksum: string;
}

export const DEFAULT_MIGRATIONS_DIR = fileURLToPath(new URL('../migrations/', import.meta.url));

/** Key of the advisory lock held while migrating (any constant; "artifact-store migrations"). */
const LOCK_KEY = 4_204_851_337_001;

const FILE_PATTERN = /^(\d{3})_([A-Za-z0-9_-]+)\.sql$/;

export function checksumOf(sql: string): string {
  return createHash('sha256').update(sql.replace(/\r\n/g, '\n')).digest('hex');
}

/** The migration files of `dir`, ordered by version; other files are ignored, duplicate versions refused. */
export function readMigrations(dir: string = DEFAULT_MIGRATIONS_DIR): MigrationFile[] {
  const files: MigrationFile[] = [];
  for (const file of readdirSync(dir).sort()) {
    const match = FILE_PATTERN.exec(file);
    if (!match) continue;
    const sql = readFileSync(join(dir, file), 'utf8');
    files.push({
      version: match[1]!,
      name: file.slice(0, -'.sql'.length),
      file,
      sql,
      checksum: checksumOf(sql),
    });
  }
  for (let i = 1; i < files.length; i++) {
    if (files[i]!.version === files[i - 1]!.version) {
      throw new Error(
        `migrations: version ${files[i]!.version} is used by both ${files[i - 1]!.file} and ${files[i]!.file}`,
      );
    }
  }
  return files;
}

interface AppliedRow {
  version: string;
  name: string | null;
  checksum: string | null;
}

/** Applies the pending migrations; returns the versions applied by this call (empty when up to date). */
export async function migrate(databaseUrl: string, options: MigrateOptions = {}): Promise<string[]> {
  const log = options.log ?? ((line: string) => process.stdout.write(`${line}\n`));
  const migrations = readMigrations(options.dir);
  const client = new pg.Client({ connectionString: databaseUrl, application_name: 'artifact-store-migrate' });
  // An error on an idle client (server gone) must not crash the process; the next query reports it.
  client.on('error', () => {});
  await client.connect();
  const applied: string[] = [];
  try {
    await client.query('SELECT pg_advisory_lock($1)', [LOCK_KEY]);
    try {
      await client.query(`
        CREATE TABLE IF NOT EXISTS schema_migrations (
          version text PRIMARY KEY,
          name text,
          checksum text,
          applied_at timestamptz NOT NULL DEFAULT now()
        )`);
      // Supabase grants the API roles every new table of `public`: keep the bookkeeping out of their reach.
      await client.query(`
        ALTER TABLE schema_migrations ENABLE ROW LEVEL SECURITY;
        REVOKE ALL ON schema_migrations FROM PUBLIC;
        DO $$
        DECLARE v_role text;
        BEGIN
          FOREACH v_role IN ARRAY ARRAY['anon', 'authenticated'] LOOP
            IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = v_role) THEN
              EXECUTE format('REVOKE ALL ON schema_migrations FROM %I', v_role);
            END IF;
          END LOOP;
        END
        $$;`);
      const { rows } = await client.query<AppliedRow>(
        'SELECT version, name, checksum FROM schema_migrations',
      );
      const done = new Map(rows.map((row) => [row.version, row]));

      for (const migration of migrations) {
        const row = done.get(migration.version);
        if (row && row.checksum !== migration.checksum) {
          throw new Error(
            `migrations: ${migration.file} was changed after it was applied (applied as ${row.name ?? migration.version} with checksum ${row.checksum}, now ${migration.checksum}); write a new migration instead of editing an applied one`,
          );
        }
      }

      for (const migration of migrations) {
        if (done.has(migration.version)) continue;
        await client.query('BEGIN');
        try {
          await client.query(migration.sql);
          await client.query(
            'INSERT INTO schema_migrations (version, name, checksum, applied_at) VALUES ($1, $2, $3, now())',
            [migration.version, migration.name, migration.checksum],
          );
          await client.query('COMMIT');
        } catch (error) {
          await client.query('ROLLBACK').catch(() => {});
          const message = error instanceof Error ? error.message : String(error);
          throw new Error(`migrations: ${migration.file} failed and was rolled back: ${message}`, {
            cause: error,
          });
        }
        applied.push(migration.version);
        log(`applied ${migration.file}`);
      }
      if (applied.length === 0) log('up to date');
    } finally {
      await client.query('SELECT pg_advisory_unlock($1)', [LOCK_KEY]).catch(() => {});
    }
  } finally {
    await client.end().catch(() => {});
  }
  return applied;
}

if (isEntryPoint(import.meta.url)) {
  const databaseUrl = process.env.DATABASE_URL;
  if (!databaseUrl) {
    process.stderr.write(
      'migrate: DATABASE_URL is not set (e.g. postgres://postgres:postgres@127.0.0.1:54322/postgres, or the Supabase connection string)\n',
    );
    process.exitCode = 1;
  } else {
    migrate(databaseUrl).catch((error: unknown) => {
      process.stderr.write(`migrate: ${error instanceof Error ? error.message : String(error)}\n`);
      process.exitCode = 1;
    });
  }
}

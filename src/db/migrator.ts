import { readdir, readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { type Kysely, type Migration, type MigrationProvider, Migrator, sql } from 'kysely';
import { PipectlError } from '../errors.js';
import type { Database } from './schema.js';

/** The numbered SQL files shipped beside this module (copied into dist/ by the build). */
export const migrationsDir = fileURLToPath(new URL('./migrations/', import.meta.url));

/** A migration's file name: four digits, an underscore, then lowercase letters, digits and underscores. */
const migrationName = /^\d{4}_[a-z0-9_]+\.sql$/;

/**
 * Reads `NNNN_name.sql` files in order; each becomes one kysely migration. Files are
 * append-only: a shipped migration is never edited, a change is a new number. Throws on a
 * `.sql` file with any other name, which would otherwise never run; other files (the README)
 * are not migrations.
 */
export class SqlFileMigrationProvider implements MigrationProvider {
  constructor(private readonly dir: string = migrationsDir) {}

  async getMigrations(): Promise<Record<string, Migration>> {
    const files = (await readdir(this.dir)).filter((f) => f.endsWith('.sql')).sort();
    const misnamed = files.filter((f) => !migrationName.test(f));
    if (misnamed.length > 0) {
      throw new PipectlError(
        'migration_misnamed',
        `${this.dir} holds SQL that would never run: ${misnamed.join(', ')} — name a migration NNNN_name.sql (four digits, an underscore, then lowercase letters, digits and underscores)`,
      );
    }
    const migrations: Record<string, Migration> = {};
    for (const file of files) {
      const text = await readFile(`${this.dir}${file}`, 'utf8');
      migrations[file.replace(/\.sql$/, '')] = {
        up: async (db) => {
          await sql.raw(text).execute(db);
        },
      };
    }
    return migrations;
  }
}

export function createMigrator(db: Kysely<Database>): Migrator {
  return new Migrator({
    db: db as Kysely<unknown>,
    provider: new SqlFileMigrationProvider(),
    migrationTableName: 'pipectl_migrations',
    migrationLockTableName: 'pipectl_migrations_lock',
  });
}

/** One migration and when it ran. */
export interface MigrationState {
  name: string;
  executedAt: Date | null;
}

export interface MigrationStatus {
  applied: MigrationState[];
  pending: string[];
}

/** Which migrations have run and which are still to run. */
export async function migrationStatus(db: Kysely<Database>): Promise<MigrationStatus> {
  const all = await createMigrator(db).getMigrations();
  return {
    applied: all.filter((m) => m.executedAt).map((m) => ({ name: m.name, executedAt: m.executedAt ?? null })),
    pending: all.filter((m) => !m.executedAt).map((m) => m.name),
  };
}

/**
 * Applies every pending migration. kysely runs them in one transaction under an advisory lock,
 * so two processes migrating at once apply each file exactly once, and a failure applies none.
 * Returns the names applied by this call.
 */
export async function migrateToLatest(db: Kysely<Database>): Promise<string[]> {
  const { error, results = [] } = await createMigrator(db).migrateToLatest();
  if (error) {
    const failed = results.find((r) => r.status === 'Error')?.migrationName;
    const reason = error instanceof Error ? error.message : String(error);
    const what = failed ? `migration ${failed} failed` : 'the migrations could not be applied';
    throw new PipectlError('migration_failed', `${what} and nothing was applied: ${reason}`, {
      cause: error,
    });
  }
  return results.filter((r) => r.status === 'Success').map((r) => r.migrationName);
}

/** Refuses to work on a schema that lags behind this version of pipectl. */
export async function assertSchemaCurrent(db: Kysely<Database>, location: string): Promise<void> {
  const { pending } = await migrationStatus(db);
  if (pending.length === 0) return;
  const list = pending.length > 3 ? `${pending.slice(0, 3).join(', ')}, …` : pending.join(', ');
  throw new PipectlError(
    'schema_out_of_date',
    `the database schema at ${location} is out of date (${pending.length} pending migration${pending.length === 1 ? '' : 's'}: ${list}) — run \`pipectl db migrate\``,
  );
}

import type { Kysely } from 'kysely';
import { assertSchemaCurrent, migrationStatus } from '../db/migrator.js';
import type { Database } from '../db/schema.js';
import { PipectlError } from '../errors.js';

/**
 * Refuses to run checks on a server database whose pipectl schema is missing or out of date,
 * as every other command does: the shipped checks read pipectl's tables, and a run records to
 * `check_runs` and `alert_state`. Checks on an old schema would judge it by rules it does not
 * follow; on a database never migrated every check would error with `relation "jobs" does not
 * exist`, and the recording step would point at --no-record, the wrong way.
 *
 * SQL: reads `pipectl_migrations` (kysely's migrator; nothing is created).
 */
export async function assertChecksSchema(db: Kysely<Database>, location: string): Promise<void> {
  const { applied } = await migrationStatus(db);
  if (applied.length === 0) {
    throw new PipectlError(
      'schema_missing',
      `the database at ${location} has no pipectl schema (it was never migrated) — run \`pipectl db migrate\` to create it`,
    );
  }
  await assertSchemaCurrent(db, location);
}

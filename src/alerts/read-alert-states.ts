import { type Kysely, sql } from 'kysely';
import type { Database } from '../db/schema.js';
import type { AlertState } from './alert-state.js';

/** The stored state of some checks, and the database's clock to judge them by. */
export interface StoredAlertStates {
  /**
   * The database's clock, the one the checks judge by. `statement_timestamp()`, not `now()`:
   * a run that waited for the alert lock judges by the time it got it, not the time it asked.
   */
  now: Date;
  states: Map<string, AlertState>;
}

const asDate = (value: Date | string): Date => (value instanceof Date ? value : new Date(value));

/**
 * Reads the `alert_state` rows of the named checks.
 *
 * SQL: `select statement_timestamp()`; `select … from alert_state where check_name in (…)` (primary key).
 */
export async function readAlertStates(db: Kysely<Database>, names: readonly string[]): Promise<StoredAlertStates> {
  const { rows } = await sql<{ now: Date | string }>`select statement_timestamp() as now`.execute(db);
  const now = asDate(rows[0]?.now ?? new Date());
  const states = new Map<string, AlertState>();
  if (names.length === 0) return { now, states };
  const stored = await db
    .selectFrom('alert_state')
    .select(['check_name', 'status', 'since', 'last_notified_at', 'notified_status'])
    .where('check_name', 'in', [...names])
    .execute();
  for (const row of stored) {
    states.set(row.check_name, {
      checkName: row.check_name,
      status: row.status,
      since: asDate(row.since),
      lastNotifiedAt: row.last_notified_at === null ? null : asDate(row.last_notified_at),
      notifiedStatus: row.notified_status,
    });
  }
  return { now, states };
}

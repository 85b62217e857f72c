import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.js';
import type { AlertState } from './alert-state.js';

/** What a run changes in `alert_state`, once its message (if any) is delivered. */
export interface AlertStateChanges {
  /** The checks file's namespace. */
  namespace: string;
  /** The state of every check the run judged. */
  states: readonly AlertState[];
  /** Checks the file no longer has: their rows are deleted. */
  removed: readonly string[];
  /** Checks whose row from before namespaces was adopted: the old row is deleted. */
  adopted: readonly string[];
}

/**
 * Stores a run's alert state. Called only once the run's message (if it had one) is delivered,
 * inside the transaction that holds the alert lock, so a failed delivery leaves the state as it
 * was and the next run sends again.
 *
 * SQL: `insert into alert_state … on conflict (namespace, check_name) do update set …`, and
 * `delete from alert_state where namespace = … and check_name in (…)` for removed and adopted rows.
 */
export async function writeAlertStates(db: Kysely<Database>, changes: AlertStateChanges): Promise<void> {
  const { namespace, states, removed, adopted } = changes;
  if (removed.length > 0) {
    await db
      .deleteFrom('alert_state')
      .where('namespace', '=', namespace)
      .where('check_name', 'in', [...removed])
      .execute();
  }
  if (adopted.length > 0) {
    await db
      .deleteFrom('alert_state')
      .where('namespace', '=', '')
      .where('check_name', 'in', [...adopted])
      .execute();
  }
  if (states.length === 0) return;
  await db
    .insertInto('alert_state')
    .values(
      states.map((s) => ({
        namespace,
        check_name: s.checkName,
        status: s.status,
        since: s.since,
        last_notified_at: s.lastNotifiedAt,
        notified_status: s.notifiedStatus,
      })),
    )
    .onConflict((oc) =>
      oc.columns(['namespace', 'check_name']).doUpdateSet((eb) => ({
        status: eb.ref('excluded.status'),
        since: eb.ref('excluded.since'),
        last_notified_at: eb.ref('excluded.last_notified_at'),
        notified_status: eb.ref('excluded.notified_status'),
        updated_at: eb.fn<Date>('now'),
      })),
    )
    .execute();
}

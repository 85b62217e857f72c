import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.js';
import type { AlertState } from './alert-state.js';

/**
 * Stores the state of every check a run judged, in one statement. Called only once the run's
 * message (if it had one) is delivered, inside the transaction that holds the alert lock, so a
 * failed delivery leaves the state as it was and the next run sends again.
 *
 * SQL: `insert into alert_state … on conflict (check_name) do update set …`.
 */
export async function writeAlertStates(db: Kysely<Database>, states: readonly AlertState[]): Promise<void> {
  if (states.length === 0) return;
  await db
    .insertInto('alert_state')
    .values(
      states.map((s) => ({
        check_name: s.checkName,
        status: s.status,
        since: s.since,
        last_notified_at: s.lastNotifiedAt,
        notified_status: s.notifiedStatus,
      })),
    )
    .onConflict((oc) =>
      oc.column('check_name').doUpdateSet((eb) => ({
        status: eb.ref('excluded.status'),
        since: eb.ref('excluded.since'),
        last_notified_at: eb.ref('excluded.last_notified_at'),
        notified_status: eb.ref('excluded.notified_status'),
        updated_at: eb.fn<Date>('now'),
      })),
    )
    .execute();
}

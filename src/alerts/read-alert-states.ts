import { type Kysely, sql } from 'kysely';
import type { Database } from '../db/schema.js';
import type { AlertState } from './alert-state.js';

/** The stored state a run's Slack step decides from, and the database's clock to judge it by. */
export interface StoredAlertStates {
  /**
   * The database's clock, the one the checks judge by. `statement_timestamp()`, not `now()`:
   * a run that waited for the alert lock judges by the time it got it, not the time it asked.
   */
  now: Date;
  /** The state of each check the run judged: its own namespace's row, else a row from before namespaces. */
  states: Map<string, AlertState>;
  /** The checks whose state came from a row older than namespaces (namespace ''), to be moved into this one. */
  adopted: string[];
  /** Rows of this namespace for checks the file no longer has (removed or renamed). */
  vanished: AlertState[];
}

type Row = {
  check_name: string;
  status: AlertState['status'];
  since: Date | string;
  last_notified_at: Date | string | null;
  notified_status: AlertState['notifiedStatus'];
};

const asDate = (value: Date | string): Date => (value instanceof Date ? value : new Date(value));

const toState = (row: Row): AlertState => ({
  checkName: row.check_name,
  status: row.status,
  since: asDate(row.since),
  lastNotifiedAt: row.last_notified_at === null ? null : asDate(row.last_notified_at),
  notifiedStatus: row.notified_status,
});

/**
 * Reads a checks file's alert state: the rows of its namespace, split into the checks this run
 * judged (`names`) and those the file no longer has (not in `known`, every check of the file,
 * so that `--only` does not make the others look removed); and, for judged checks without a
 * row of their own, a row from before namespaces (migration 0009) to adopt.
 *
 * SQL: `select statement_timestamp()`; `select … from alert_state where namespace = $1`, and
 * `… where namespace = '' and check_name in (…)` (primary key (namespace, check_name)).
 */
export async function readAlertStates(
  db: Kysely<Database>,
  namespace: string,
  names: readonly string[],
  known: readonly string[],
): Promise<StoredAlertStates> {
  const { rows } = await sql<{ now: Date | string }>`select statement_timestamp() as now`.execute(db);
  const now = asDate(rows[0]?.now ?? new Date());
  const columns = ['check_name', 'status', 'since', 'last_notified_at', 'notified_status'] as const;
  const own = await db.selectFrom('alert_state').select(columns).where('namespace', '=', namespace).execute();
  const judged = new Set(names);
  const inFile = new Set(known);
  const states = new Map<string, AlertState>();
  const vanished: AlertState[] = [];
  for (const row of own) {
    if (judged.has(row.check_name)) states.set(row.check_name, toState(row));
    else if (!inFile.has(row.check_name)) vanished.push(toState(row));
  }
  const adopted: string[] = [];
  const orphaned = names.filter((name) => !states.has(name));
  if (orphaned.length > 0 && namespace !== '') {
    const legacy = await db
      .selectFrom('alert_state')
      .select(columns)
      .where('namespace', '=', '')
      .where('check_name', 'in', orphaned)
      .execute();
    for (const row of legacy) {
      states.set(row.check_name, toState(row));
      adopted.push(row.check_name);
    }
  }
  return { now, states, adopted, vanished };
}

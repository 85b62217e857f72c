import { type Kysely, sql } from 'kysely';
import type { Database } from '../db/schema.js';

/**
 * Serialises `pipectl check --slack` runs (overlapping cron runs, two hosts) on one database
 * for the rest of the transaction: each reads `alert_state`, decides, posts and writes under
 * this lock, so the second run sees the first one's post and does not repeat it.
 *
 * An advisory lock, not `select … for update`: a check's first alert has no `alert_state` row
 * yet, and a row lock cannot lock a row that does not exist, so two first runs would both post.
 * `lock_timeout` bounds the wait for a holder that is stuck, at more than a holder's whole
 * delivery budget.
 *
 * SQL: `set_config('lock_timeout', …, true)`, then
 * `pg_advisory_xact_lock(hashtextextended('pipectl.alert_state', 0))`.
 */
export async function lockAlertState(trx: Kysely<Database>, timeoutMs: number): Promise<void> {
  await sql`select set_config('lock_timeout', ${String(Math.ceil(timeoutMs))}, true)`.execute(trx);
  await sql`select pg_advisory_xact_lock(hashtextextended('pipectl.alert_state', 0))`.execute(trx);
}

import { type Kysely, sql } from 'kysely';
import type { Database } from '../db/schema.js';

/**
 * SIMULATED TIME for the demo: moves every timestamp in the pipeline tables back by `minutes`,
 * which to the checks and the audit is the same as the clock moving forward. Nothing in
 * pipectl itself ever rewrites history; only the demo does, and it says so when it does.
 */
export async function shiftClock(db: Kysely<Database>, minutes: number): Promise<void> {
  const by = sql`make_interval(mins => ${minutes})`;
  await db.transaction().execute(async (trx) => {
    await sql`update domains set created_at = created_at - ${by}, updated_at = updated_at - ${by}`.execute(trx);
    await sql`update jobs set created_at = created_at - ${by}, updated_at = updated_at - ${by}, run_at = run_at - ${by},
      started_at = started_at - ${by}, finished_at = finished_at - ${by}, lease_expires_at = lease_expires_at - ${by}`.execute(
      trx,
    );
    await sql`update job_events set at = at - ${by}`.execute(trx);
    await sql`update sitemap_files set created_at = created_at - ${by}`.execute(trx);
    await sql`update pages set created_at = created_at - ${by}, scanned_at = scanned_at - ${by}`.execute(trx);
    await sql`update contacts set created_at = created_at - ${by}`.execute(trx);
    await sql`update workers set started_at = started_at - ${by}, heartbeat_at = heartbeat_at - ${by}, stopped_at = stopped_at - ${by}`.execute(
      trx,
    );
    await sql`update check_runs set at = at - ${by}`.execute(trx);
    await sql`update alert_state set since = since - ${by}, last_notified_at = last_notified_at - ${by}, updated_at = updated_at - ${by}`.execute(
      trx,
    );
  });
}

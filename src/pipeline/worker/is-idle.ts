import { type Kysely, sql } from 'kysely';
import type { Database, JobType } from '../../db/schema.js';

/**
 * Whether there is nothing left for `--until-idle` to wait for: no pending job of these types
 * that is runnable now or has never been tried (WF5 schedules a site's contact scans a few
 * seconds apart), no running one (it may still enqueue more), and no queued domain (every
 * worker takes domains in). Retries scheduled for later do not count.
 */
export async function isIdle(db: Kysely<Database>, jobTypes: JobType[]): Promise<boolean> {
  const { rows } = await sql<{ busy: boolean }>`
    select exists (
      select 1 from jobs
      where status in ('pending', 'running') and job_type = any(${jobTypes}::text[])
        and (status = 'running' or run_at <= now() or attempts = 0)
    ) or exists (select 1 from domains where sitemap_analysis_status = 'queued') as busy
  `.execute(db);
  return rows[0]?.busy === false;
}

import { type Kysely, sql } from 'kysely';
import type { Database, JobType } from '../../db/schema.js';

/**
 * Whether there is nothing left for `--until-idle` to wait for: no runnable pending job and no
 * running job of these types (a running job may still enqueue more), and no queued domain (every
 * worker takes domains in). Retries scheduled for later do not count: they are not runnable now.
 */
export async function isIdle(db: Kysely<Database>, jobTypes: JobType[]): Promise<boolean> {
  const { rows } = await sql<{ busy: boolean }>`
    select exists (
      select 1 from jobs
      where status in ('pending', 'running') and job_type = any(${jobTypes}::text[])
        and (status = 'running' or run_at <= now())
    ) or exists (select 1 from domains where sitemap_analysis_status = 'queued') as busy
  `.execute(db);
  return rows[0]?.busy === false;
}

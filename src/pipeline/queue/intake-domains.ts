import { type Kysely, sql } from 'kysely';
import type { Database } from '../../db/schema.js';
import { jobsChannel } from './enqueue-jobs.js';

/**
 * Intake: turns `queued` domains into `submitted` and creates their `sitemap` job in one
 * statement, hence one transaction. This is the incident's scheduler, but inside every worker:
 * it cannot be disabled on its own, and a domain can never be `submitted` without its job.
 * A domain that already has a live sitemap job keeps that one (the unique index forbids two).
 * Returns the number of domains taken in.
 */
export async function intakeDomains(db: Kysely<Database>, limit = 500): Promise<number> {
  const { rows } = await sql<{ domains: number; jobs: number }>`
    with picked as materialized (
      select id from domains
      where sitemap_analysis_status = 'queued'
      order by updated_at
      limit ${limit}
      for update skip locked
    ), submitted as (
      update domains d set sitemap_analysis_status = 'submitted', sitemap_analysis_error = null
      from picked where d.id = picked.id
      returning d.id
    ), created as (
      insert into jobs_live (job_type, domain_id)
      select 'sitemap', id from submitted
      on conflict do nothing
      returning job_id
    ), events as (
      insert into job_events (job_id, from_status, to_status, message)
      select job_id, null, 'pending', 'created by intake' from created
    )
    select (select count(*) from submitted)::int as domains, (select count(*) from created)::int as jobs
  `.execute(db);
  const taken = rows[0]?.domains ?? 0;
  if ((rows[0]?.jobs ?? 0) > 0) await sql`select pg_notify(${jobsChannel}, 'sitemap')`.execute(db);
  return taken;
}

import { type Kysely, sql } from 'kysely';
import { type Database, testJobType } from '../db/schema.js';
import { formatShort } from '../duration.js';
import { type AuditStage, auditStages, stageOfJobType } from './audit-stage.js';
import { farFutureMs } from './far-future.js';

/** One kind of stuck work: a stage, what state it is stuck in, how much, how old, examples. */
export interface StuckGroup {
  stage: AuditStage;
  what: string;
  count: number;
  oldestSeconds: number;
  examples: string[];
}

export interface StuckOptions {
  olderThanMs: number;
  stage?: AuditStage;
}

/** A job's stage (`WF4` for a sitemap job, …), in SQL on `jobs j`. */
const jobStage = sql`case j.job_type ${sql.join(
  Object.entries(stageOfJobType).map(([type, stage]) => sql`when ${sql.lit(type)} then ${sql.lit(stage)}`),
  sql` `,
)} end`;
/** Leaves out the test-only job type, in SQL on `jobs j`. */
const userJob = sql`j.job_type <> ${sql.lit(testJobType)}`;

/**
 * Lists work that has not moved for `olderThanMs`, by stage: queued domains, submitted or
 * processing domains with no sitemap file (unless their sitemap job is moving), runnable
 * pending jobs, jobs scheduled suspiciously far ahead (see farFutureMs: they hold their input's
 * live-job slot, whatever their age), running jobs whose lease expired, and pages still
 * waiting for WF7. Each query is index-backed (the same indexes as the
 * default checks), so this answers in well under a second on a large database.
 */
export async function findStuckWork(db: Kysely<Database>, opts: StuckOptions): Promise<StuckGroup[]> {
  const older = sql`make_interval(secs => ${opts.olderThanMs / 1000})`;
  const horizon = sql`make_interval(secs => ${farFutureMs / 1000})`;
  const { rows } = await sql<StuckGroup & { oldest_seconds: number }>`
    select 'intake' as stage, 'domains queued, not taken in' as what, count(*)::int as count,
           coalesce(extract(epoch from now() - min(updated_at)), 0)::float8 as oldest_seconds,
           (array_agg(domain order by updated_at))[1:3] as examples
      from domains where sitemap_analysis_status = 'queued' and updated_at < now() - ${older}
    union all
    select 'WF4', 'domains ' || d.sitemap_analysis_status || ' with no sitemap file', count(*)::int,
           coalesce(extract(epoch from now() - min(d.updated_at)), 0)::float8,
           (array_agg(d.domain order by d.updated_at))[1:3]
      from domains d
     where d.sitemap_analysis_status in ('submitted', 'processing') and d.updated_at < now() - ${older}
       and not exists (select 1 from sitemap_files f where f.domain_id = d.id)
       -- Not while its sitemap job is moving: running under a valid lease, waiting for a retry
       -- due within the far-future horizon, or runnable for less than the threshold. Then
       -- \`audit domain\` calls it in progress or waiting, and the two audits agree.
       and not exists (
         select 1 from jobs j
          where j.domain_id = d.id and j.job_type = 'sitemap'
            and ((j.status = 'running' and j.lease_expires_at >= now())
                 or (j.status = 'pending' and j.run_at >= now() - ${older} and j.run_at < now() + ${horizon})))
     group by d.sitemap_analysis_status
    union all
    select ${jobStage},
           j.job_type || ' jobs pending and runnable', count(*)::int,
           coalesce(extract(epoch from now() - min(j.run_at)), 0)::float8,
           (array_agg(coalesce(d.domain, '?') || ' ' || j.job_id::text order by j.run_at))[1:3]
      from jobs j left join domains d on d.id = j.domain_id
     where j.status = 'pending' and j.run_at < now() - ${older} and ${userJob}
     group by j.job_type
    union all
    select ${jobStage},
           j.job_type || ' jobs scheduled more than ' || ${formatShort(farFutureMs)} || ' ahead', count(*)::int,
           coalesce(extract(epoch from now() - min(j.created_at)), 0)::float8,
           (array_agg(coalesce(d.domain, '?') || ' ' || j.job_id::text || ' at ' || to_char(j.run_at at time zone 'UTC', 'YYYY-MM-DD HH24:MI') order by j.run_at desc))[1:3]
      from jobs j left join domains d on d.id = j.domain_id
     where j.status = 'pending' and j.run_at >= now() + ${horizon} and ${userJob}
     group by j.job_type
    union all
    select ${jobStage},
           j.job_type || ' jobs running with an expired lease', count(*)::int,
           coalesce(extract(epoch from now() - min(j.lease_expires_at)), 0)::float8,
           (array_agg(coalesce(d.domain, '?') || ' ' || j.job_id::text || ' on ' || coalesce(j.locked_by, '?') order by j.lease_expires_at))[1:3]
      from jobs j left join domains d on d.id = j.domain_id
     where j.status = 'running' and j.lease_expires_at < now() and ${userJob}
     group by j.job_type
    union all
    select 'WF7', 'pages waiting for a contact scan', count(*)::int,
           coalesce(extract(epoch from now() - min(p.created_at)), 0)::float8,
           (array_agg(p.url order by p.created_at))[1:3]
      from pages p where p.contact_scan_status = 'pending' and p.created_at < now() - ${older}
  `.execute(db);
  return rows
    .filter((r) => r.count > 0 && (opts.stage === undefined || r.stage === opts.stage))
    .map((r) => ({
      stage: r.stage,
      what: r.what,
      count: r.count,
      oldestSeconds: Math.round(r.oldest_seconds),
      examples: r.examples ?? [],
    }))
    .sort((a, b) => auditStages.indexOf(a.stage) - auditStages.indexOf(b.stage) || b.count - a.count);
}

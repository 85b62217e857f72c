-- The claim (`claimJobs`, src/pipeline/queue/claim-jobs.ts) as a function whose statement keeps
-- one generic plan. Sent as a prepared statement, the server planned it afresh on every call:
-- its batch size is a parameter, so the generic plan is costed for 10 % of `jobs_live` and a
-- sort of all of it (cost 4,476 at 20,000 pending jobs, against 60 for the custom plan of 19),
-- and PostgreSQL never chose it. Both plans are the same index range per job type, and the
-- generic one runs as fast (0.35 ms). Planning cost 0.33 ms per claim, about 17 µs of server
-- CPU per job on bench/queue-throughput (log_statement_stats, BIND). A function may pin
-- plan_cache_mode for its own statements only; 500 claims of 19 jobs measured 860–940 µs of
-- backend CPU each this way against 1,120–1,340 as a prepared statement.
--
-- What it does is unchanged: up to `lim` runnable jobs of `job_types`, `for update skip
-- locked`, in (priority, run_at) order; the first `start_n` of them get started_at; each claim
-- is a job_events row; a sitemap job that starts moves its domain to `processing`.
create function pipectl_claim_jobs(job_types text[], lim int, worker text, lease_seconds int, start_n int)
returns setof jobs_live
language plpgsql
set plan_cache_mode = force_generic_plan
as $$
begin
  return query
    with candidates as materialized (
      select c.job_id, c.priority, c.run_at
      from unnest(job_types) as t(job_type)
      cross join lateral (
        select j.job_id, j.priority, j.run_at from jobs_live j
        where j.job_type = t.job_type and j.status = 'pending' and j.run_at <= now()
        order by j.priority, j.run_at
        limit lim
        for update skip locked
      ) c
      order by c.priority, c.run_at
      limit lim
    ), claimed as (
      update jobs_live j
      set status = 'running', attempts = j.attempts + 1, locked_by = worker,
          lease_expires_at = now() + make_interval(secs => lease_seconds),
          started_at = case when j.job_id = any(array(
            select cc.job_id from candidates cc order by cc.priority, cc.run_at limit start_n
          )) then now() end,
          updated_at = now()
      where j.job_id = any(array(select cc.job_id from candidates cc))
      returning j.*
    ), events as (
      insert into job_events (job_id, from_status, to_status, worker_id, attempt)
      select cl.job_id, 'pending', 'running', worker, cl.attempts from claimed cl
    ), domains_started as (
      update domains d set sitemap_analysis_status = 'processing'
      from claimed cl
      where cl.job_type = 'sitemap' and d.id = cl.domain_id
        and d.sitemap_analysis_status <> 'processing'
    )
    select * from claimed cl order by cl.priority, cl.run_at;
end
$$;

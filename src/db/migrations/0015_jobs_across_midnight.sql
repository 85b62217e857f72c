-- Finished jobs that were alive at a UTC midnight, for the backlog line of `audit impact` and
-- the HTML status page (issue 18): the jobs waiting at a day's end are those live now that
-- were created by then, plus the finished ones created before that midnight and finished after
-- it. Those are the jobs whose created and finished UTC dates differ: few (the jobs running or
-- waiting at some midnight), so this partial index stays small and costs the queue a write
-- only for them. Without it, the line came from counting the jobs of every stage created and
-- finished each day: two index scans over the whole window, 150 ms and 104 ms for 69 days at 1M
-- jobs (bench/audit-at-scale --scale 0.1), against 7.5 ms for the sitemap jobs alone, and
-- `audit impact --since 69d` took 4.0 s at 10M jobs.
-- On jobs_done only (migration 0013): live jobs have no finished_at.
create index jobs_across_midnight_idx on jobs_done (finished_at) include (created_at, job_type)
  where finished_at is not null
    and (created_at at time zone 'UTC')::date <> (finished_at at time zone 'UTC')::date;

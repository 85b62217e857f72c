-- Jobs that lived longer than a day, for `audit impact`'s zero-output streaks.
--
-- A stage had work outstanding on a UTC day when one of its jobs was alive at some moment of
-- it. Jobs created or finished that day, and jobs still live, are found with the existing
-- indexes; the rest are jobs that spanned the whole day and finished later, so they lived more
-- than a day. They are rare (stuck, retried or forgotten work), so this partial index stays
-- small and costs the queue a write only for them. Without it, the day's check walked every job
-- finished after that day (bench/audit-at-scale).
create index jobs_long_lived_idx on jobs (job_type, finished_at) include (created_at)
  where finished_at is not null and finished_at - created_at > interval '1 day';

-- Domains by a canonical key, for `audit domain`, `requeue --domain` and `jobs … --domain`.
-- Plain SQL may store a domain as ' Weird.COM ' or 'weird.com.', which the crawler reads as
-- weird.com; the commands normalise what the user types, so they look stored rows up by the
-- same key (src/domains/find-domains.ts) instead of scanning the table.
create index domains_domain_key_idx on domains ((rtrim(lower(btrim(domain, E' \t\r\n')), '.')));

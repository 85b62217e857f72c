-- `jobs` becomes two partitions by status: `jobs_live` (pending, running) and `jobs_done`
-- (complete, failed, cancelled). The name, the columns and every query on `jobs` stay as they
-- were (design §4: the incident report's SQL and the checks run unchanged); what changes is the
-- cost of a job's life (bench/queue-throughput, docs/architecture.md "`jobs` is two partitions").
--
-- - A claim (pending → running), a lease extension and a start touch no indexed column of
--   `jobs_live`: with free space on the page (fillfactor 50) they are HOT updates, which write no
--   index entry. Before, each transition wrote an entry into ~10 indexes.
-- - A completion moves the row to `jobs_done` once, where it is inserted into the indexes that
--   history needs (by type and time, by domain). The claim's index holds live rows only, so
--   history and a backlog of other job types are never walked by a claim.
-- - Ids are UUIDv7 (time-ordered): history's unique index on job_id is appended to at its right
--   edge instead of being written at random pages.
--
-- A partitioned table cannot have a primary key without its partition key, so job_id is unique
-- per partition (a row is in exactly one) and no longer a foreign-key target:
-- sitemap_files.job_id keeps the id without a constraint. Foreign keys to domains, sitemap
-- files and pages are on `jobs_live` only, where jobs are created and retried: a finished job
-- is written once and not checked again. Deleting or truncating a domain deletes its finished
-- jobs through the triggers below, as the cascade did.

-- UUIDv7: 48 bits of Unix time in ms, then random bits (RFC 9562). PostgreSQL 15 has no uuidv7().
create function pipectl_uuid_v7() returns uuid
language sql volatile parallel safe as $$
  select encode(
    set_bit(set_bit(
      overlay(uuid_send(gen_random_uuid())
        placing substring(int8send(floor(extract(epoch from clock_timestamp()) * 1000)::bigint) from 3)
        from 1 for 6),
      52, 1), 53, 1),
    'hex')::uuid
$$;

alter table jobs rename to jobs_before_0013;

create table jobs (
  job_id           uuid not null default pipectl_uuid_v7(),
  job_type         text not null,
  status           text not null default 'pending',
  domain_id        bigint,
  sitemap_file_id  bigint,
  page_id          bigint,
  payload          jsonb not null default '{}',
  priority         integer not null default 0,
  attempts         integer not null default 0,
  max_attempts     integer not null default 5,
  run_at           timestamptz not null default now(),
  locked_by        text,
  lease_expires_at timestamptz,
  last_error       text,
  created_at       timestamptz not null default now(),
  started_at       timestamptz,
  finished_at      timestamptz,
  updated_at       timestamptz not null default now(),
  -- 'noop' exists for the queue's own tests and benchmarks; no command creates it.
  constraint jobs_job_type_check check (job_type in ('sitemap', 'page_import', 'contact_scan', 'noop')),
  constraint jobs_status_check check (status in ('pending', 'running', 'complete', 'failed', 'cancelled')),
  constraint jobs_max_attempts_check check (max_attempts >= 1),
  -- Each stage names its input with a typed reference (as in 0002).
  constraint jobs_input_present check (
    case job_type
      when 'sitemap' then domain_id is not null and sitemap_file_id is null and page_id is null
      when 'page_import' then sitemap_file_id is not null and page_id is null
      when 'contact_scan' then domain_id is not null and page_id is not null and sitemap_file_id is null
      else true
    end
  )
) partition by list (status);

-- Half of each page is left free so that a transition finds room for the new row version on
-- the same page (a HOT update needs it); autovacuum as in 0004, for the churn.
create table jobs_live partition of jobs for values in ('pending', 'running')
  with (fillfactor = 50, autovacuum_vacuum_scale_factor = 0.02, autovacuum_analyze_scale_factor = 0.02);
create table jobs_done partition of jobs for values in ('complete', 'failed', 'cancelled');

insert into jobs select
  job_id, job_type, status, domain_id, sitemap_file_id, page_id, payload, priority, attempts, max_attempts,
  run_at, locked_by, lease_expires_at, last_error, created_at, started_at, finished_at, updated_at
from jobs_before_0013;
-- Also drops sitemap_files_job_id_fkey (see above).
drop table jobs_before_0013 cascade;

alter table jobs_live add constraint jobs_domain_id_fkey
  foreign key (domain_id) references domains (id) on delete cascade;
alter table jobs_live add constraint jobs_sitemap_file_id_fkey
  foreign key (sitemap_file_id) references sitemap_files (id) on delete cascade;
alter table jobs_live add constraint jobs_page_id_fkey
  foreign key (page_id) references pages (id) on delete cascade;

-- Live jobs. None of these columns changes while a job is live, so transitions stay HOT.
create unique index jobs_live_job_id_idx on jobs_live (job_id);
-- At most one live job per (job_type, input), as 0001's partial index did (every row here is live).
create unique index jobs_one_active_per_input on jobs_live (job_type, (coalesce(page_id, sitemap_file_id, domain_id)));
-- The claim: one range per job type, in priority then run_at order. Running rows are in it too
-- (a status in the index would make every claim a non-HOT update); they are few.
create index jobs_claim_idx on jobs_live (job_type, priority, run_at);
-- audit domain, audit stuck, requeue, and the domain cascade.
create index jobs_live_domain_id_idx on jobs_live (domain_id);

-- History: written once, read by type and time (checks, audit impact, jobs list) and by domain.
create unique index jobs_done_job_id_idx on jobs_done (job_id);
create index jobs_type_finished_at_idx on jobs_done (job_type, finished_at) include (status);
create index jobs_long_lived_idx on jobs_done (job_type, finished_at) include (created_at)
  where finished_at is not null and finished_at - created_at > interval '1 day';
create index jobs_type_created_at_idx on jobs_done (job_type, created_at);
create index jobs_done_domain_id_idx on jobs_done (domain_id);

-- A deleted domain takes its finished jobs with it (its live ones go by the foreign key).
create function domains_deleted_delete_done_jobs() returns trigger
language plpgsql as $$
begin
  delete from jobs_done j using domains_old d where j.domain_id = d.id;
  return null;
end;
$$;
create trigger domains_delete_done_jobs after delete on domains
  referencing old table as domains_old
  for each statement execute function domains_deleted_delete_done_jobs();

-- TRUNCATE ... CASCADE follows foreign keys only, so it reaches jobs_live but not jobs_done. As a
-- delete, as 0006 does for pages: a TRUNCATE here is refused when the statement that fired the
-- trigger is truncating jobs_done too ("being used by active queries").
create function delete_done_jobs() returns trigger
language plpgsql as $$
begin
  delete from jobs_done;
  return null;
end;
$$;
create trigger domains_truncated_delete_done_jobs after truncate on domains
  for each statement execute function delete_done_jobs();

analyze jobs_live;
analyze jobs_done;

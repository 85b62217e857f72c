-- Fewer writes per job transition (measured with bench/queue-throughput: server CPU per job).
--
-- 1. The queue's statements set jobs.updated_at themselves; the plpgsql trigger ran on every
--    claim, completion and lease extension as well. domains keep their trigger: plain SQL
--    changes their status (the incident's own requeue step), and updated_at must follow.
drop trigger jobs_touch_updated_at on jobs;

-- 2. job_events rows are written only by pipectl's queue statements, in the same statement as
--    the transition they record, for a job they just locked; the foreign key re-checked that on
--    every event (an index probe and a row lock). Pruning finished jobs deletes their events
--    too (see docs/operations.md).
alter table job_events drop constraint job_events_job_id_fkey;

-- 3. Let autovacuum keep up with the queue's churn: claims walk past dead index entries of
--    completed jobs until vacuum removes them.
alter table jobs set (autovacuum_vacuum_scale_factor = 0.02, autovacuum_analyze_scale_factor = 0.02);

-- 4. job_events is read by job (job_events_job_id_at_idx) and never by id: the primary key
--    index cost an insert per transition. The id column stays, to order events within a job.
alter table job_events drop constraint job_events_pkey;

import { sql, type Transaction } from 'kysely';
import { beforeEach, describe, expect, it } from 'vitest';
import type { Database, Job } from '../../src/db/schema.js';
import { claimJobs } from '../../src/pipeline/queue/claim-jobs.js';
import { LeaseLostError } from '../../src/pipeline/queue/complete-job.js';
import { GroupCommit } from '../../src/pipeline/worker/group-commit.js';
import { backends, useTestDatabase } from '../helpers/databases.js';
import { createNoopRuns, insertNoopJobs, jobStatusCounts } from '../helpers/jobs.js';
import { emptyTables } from '../helpers/rows.js';

describe.each(backends)('group commit on $name', ({ name, skip }) => {
  describe.skipIf(skip)(name, () => {
    const t = useTestDatabase(name);
    const claim = (limit: number, start = limit) =>
      claimJobs(t.db, { workerId: 'w1', jobTypes: ['noop'], limit, start, leaseSeconds: 60 });
    const record = (job: Job) => async (trx: Transaction<Database>) => {
      await sql`insert into noop_runs (job_id, worker_id) values (${job.job_id}, 'w1')`.execute(trx);
    };
    /** The transaction ids that wrote the finished jobs and their runs: one per commit. */
    const writers = async () => {
      const { rows } = await sql<{ done: number; runs: number }>`
        select (select count(distinct xmin::text) from jobs_done)::int as done,
               (select count(distinct xmin::text) from noop_runs)::int as runs
      `.execute(t.db);
      return rows[0];
    };
    const runs = async () =>
      (await sql<{ job_id: string }>`select job_id::text from noop_runs`.execute(t.db)).rows
        .map((r) => r.job_id)
        .sort();

    beforeEach(async () => {
      await emptyTables(t.db);
      await sql`drop table if exists noop_runs`.execute(t.db);
      await createNoopRuns(t.db);
    });

    it('commits completions that are ready together in one transaction, with every handler write', async () => {
      await insertNoopJobs(t.db, 6);
      const jobs = await claim(6);
      const group = new GroupCommit(t.db, { workerId: 'w1', maxBatch: 10 });
      const results = await Promise.all(jobs.map((job) => group.complete({ job, commit: record(job) })));
      expect(results).toEqual(jobs.map(() => new Set()));
      expect(await jobStatusCounts(t.db)).toEqual({ complete: 6 });
      expect(await runs()).toEqual(jobs.map((j) => j.job_id).sort());
      expect(await writers()).toEqual({ done: 1, runs: 1 });
    });

    it('with maxBatch 1, commits every completion alone', async () => {
      await insertNoopJobs(t.db, 4);
      const jobs = await claim(4);
      const group = new GroupCommit(t.db, { workerId: 'w1', maxBatch: 1 });
      await Promise.all(jobs.map((job) => group.complete({ job, commit: record(job) })));
      expect(await writers()).toEqual({ done: 4, runs: 4 });
    });

    it('records the start of each buffered job that takes a freed slot, in the same statement', async () => {
      await insertNoopJobs(t.db, 6);
      const jobs = await claim(6, 3);
      const running = jobs.filter((j) => j.started_at !== null);
      const buffered = jobs.filter((j) => j.started_at === null);
      expect(running).toHaveLength(3);
      const group = new GroupCommit(t.db, { workerId: 'w1', maxBatch: 10 });
      const results = await Promise.all(
        running.map((job, i) => group.complete({ job, startId: i < 2 ? buffered[i]?.job_id : undefined })),
      );
      expect(results).toEqual([new Set([buffered[0]?.job_id]), new Set([buffered[1]?.job_id]), new Set()]);
      const { rows } = await sql<{ n: number }>`
        select count(*)::int as n from jobs_live where started_at is not null
      `.execute(t.db);
      expect(rows[0]?.n).toBe(2);
      expect(await writers()).toEqual({ done: 1, runs: 0 });
    });

    it('leaves out of the batch a job whose lease was lost: it alone fails, and its handler writes nothing', async () => {
      await insertNoopJobs(t.db, 4);
      const jobs = await claim(4);
      const [lost, ...held] = jobs;
      if (!lost) throw new Error('no job claimed');
      // Rescued elsewhere while it ran: another worker now holds it.
      await sql`update jobs set locked_by = 'w2' where job_id = ${lost.job_id}`.execute(t.db);
      const group = new GroupCommit(t.db, { workerId: 'w1', maxBatch: 10 });
      const outcomes = await Promise.allSettled(jobs.map((job) => group.complete({ job, commit: record(job) })));
      expect(outcomes[0]).toMatchObject({ status: 'rejected', reason: expect.any(LeaseLostError) });
      expect(outcomes.slice(1).every((o) => o.status === 'fulfilled')).toBe(true);
      expect(await runs()).toEqual(held.map((j) => j.job_id).sort());
      expect(await jobStatusCounts(t.db)).toEqual({ complete: 3, running: 1 });
      expect(await writers()).toEqual({ done: 1, runs: 1 });
    });

    it('when one handler write fails, runs each completion again alone: only that one fails, and none of its writes land', async () => {
      await insertNoopJobs(t.db, 4);
      const jobs = await claim(4);
      const [bad] = jobs;
      if (!bad) throw new Error('no job claimed');
      const group = new GroupCommit(t.db, { workerId: 'w1', maxBatch: 10 });
      const outcomes = await Promise.allSettled(
        jobs.map((job) =>
          group.complete({
            job,
            commit:
              job === bad
                ? async (trx) => {
                    await record(job)(trx);
                    // A value PostgreSQL refuses (22P02), as a stage's bad row would be.
                    await sql`select 'not a number'::int`.execute(trx);
                  }
                : record(job),
          }),
        ),
      );
      expect(outcomes[0]).toMatchObject({ status: 'rejected', reason: expect.objectContaining({ code: '22P02' }) });
      expect(outcomes.slice(1).every((o) => o.status === 'fulfilled')).toBe(true);
      expect(await runs()).toEqual(
        jobs
          .slice(1)
          .map((j) => j.job_id)
          .sort(),
      );
      // The failing job is still running (the worker fails it next); the others each committed alone.
      expect(await jobStatusCounts(t.db)).toEqual({ complete: 3, running: 1 });
      expect(await writers()).toEqual({ done: 3, runs: 3 });
    });

    it('completes jobs whose handlers write nothing in one statement, outside any explicit transaction', async () => {
      await insertNoopJobs(t.db, 5);
      const jobs = await claim(5);
      const group = new GroupCommit(t.db, { workerId: 'w1', maxBatch: 10 });
      await Promise.all(jobs.map((job) => group.complete({ job })));
      expect(await jobStatusCounts(t.db)).toEqual({ complete: 5 });
      expect(await writers()).toEqual({ done: 1, runs: 0 });
      const { rows } = await sql<{ n: number }>`
        select count(*)::int as n from job_events where to_status = 'complete' and worker_id = 'w1'
      `.execute(t.db);
      expect(rows[0]?.n).toBe(5);
    });
  });
});

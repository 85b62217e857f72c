import { sql } from 'kysely';
import { pino } from 'pino';
import { beforeEach, describe, expect, it } from 'vitest';
import type { StageHandler } from '../../src/pipeline/stage.js';
import { noopStage } from '../../src/pipeline/stages/noop-stage.js';
import { Worker } from '../../src/pipeline/worker/worker.js';
import { backends, useTestDatabase } from '../helpers/databases.js';
import { createNoopRuns, insertNoopJobs, jobStatusCounts, runsPerJob } from '../helpers/jobs.js';
import { emptyTables } from '../helpers/rows.js';

const logger = pino({ level: 'silent' });

// The worker in-process, on both backends: the embedded database must run the same queue.
describe.each(backends)('the worker on $name', ({ name, skip }) => {
  describe.skipIf(skip)(name, () => {
    const t = useTestDatabase(name);
    const worker = (opts: Partial<ConstructorParameters<typeof Worker>[0]> = {}) =>
      new Worker({
        db: t.db,
        stages: new Map([['noop', noopStage as StageHandler]]),
        logger,
        pollIntervalMs: 50,
        untilIdle: true,
        ...opts,
      });

    const waitForStatus = async (status: string, n: number) => {
      for (let i = 0; i < 250; i++) {
        if (((await jobStatusCounts(t.db))[status] ?? 0) >= n) return;
        await new Promise((r) => setTimeout(r, 20));
      }
      throw new Error(`fewer than ${n} jobs ${status} after 5 s`);
    };

    beforeEach(async () => {
      await emptyTables(t.db);
      await sql`drop table if exists noop_runs`.execute(t.db);
      await createNoopRuns(t.db);
    });

    it('runs every job once, commits the handler writes with completion, and exits when idle', async () => {
      await insertNoopJobs(t.db, 200, { record: true });
      const summary = await worker({ concurrency: 8 }).run();
      expect(summary).toMatchObject({ completed: 200, failed: 0, reason: 'idle' });
      expect(await jobStatusCounts(t.db)).toEqual({ complete: 200 });
      expect(await runsPerJob(t.db)).toEqual({ jobs: 200, minRuns: 1, maxRuns: 1 });
      const w = await t.db.selectFrom('workers').selectAll().executeTakeFirstOrThrow();
      expect(w.stopped_at).toBeInstanceOf(Date);
    });

    it('commits jobs that finish together in shared transactions, each exactly once; groupCommit: false commits each alone', async () => {
      const commits = async () =>
        (await sql<{ n: number }>`select count(distinct xmin::text)::int as n from jobs_done`.execute(t.db)).rows[0]?.n;
      await insertNoopJobs(t.db, 200, { record: true });
      expect(await worker({ concurrency: 8 }).run()).toMatchObject({ completed: 200, failed: 0 });
      expect(await runsPerJob(t.db)).toEqual({ jobs: 200, minRuns: 1, maxRuns: 1 });
      const grouped = await commits();
      expect(grouped).toBeLessThan(150);
      await emptyTables(t.db);
      await sql`truncate noop_runs`.execute(t.db);
      await insertNoopJobs(t.db, 200, { record: true });
      expect(await worker({ concurrency: 8, groupCommit: false }).run()).toMatchObject({ completed: 200 });
      expect(await runsPerJob(t.db)).toEqual({ jobs: 200, minRuns: 1, maxRuns: 1 });
      expect(await commits()).toBe(200);
    });

    it('--until-idle waits for an untried job scheduled later, not for a retry scheduled later', async () => {
      await insertNoopJobs(t.db, 2, { record: true });
      // One never tried, due in 600 ms (as WF5 spaces a site's scans); one retry due in an hour.
      await sql`
        update jobs set run_at = now() + case when ctid = (select min(ctid) from jobs)
          then interval '600 milliseconds' else interval '1 hour' end,
          attempts = case when ctid = (select min(ctid) from jobs) then 0 else 1 end
      `.execute(t.db);
      const started = performance.now();
      const summary = await worker({ concurrency: 2 }).run();
      expect(summary).toMatchObject({ completed: 1, reason: 'idle' });
      expect(performance.now() - started).toBeGreaterThanOrEqual(500);
      expect(await jobStatusCounts(t.db)).toEqual({ complete: 1, pending: 1 });
    });

    it('fails at once, without retries, a job whose write PostgreSQL refuses as a data error (SQLSTATE 22)', async () => {
      await insertNoopJobs(t.db, 1);
      const refusing: StageHandler<void> = {
        jobType: 'noop',
        async run(_job, ctx) {
          await sql`select '0000-01-01T00:00:00.000Z'::timestamptz`.execute(ctx.db);
        },
        async commit() {},
      };
      const summary = await worker({ stages: new Map([['noop', refusing]]) }).run();
      expect(summary).toMatchObject({ failed: 1, retried: 0, reason: 'idle' });
      const job = await t.db.selectFrom('jobs').select(['status', 'attempts', 'last_error']).executeTakeFirstOrThrow();
      expect(job).toMatchObject({ status: 'failed', attempts: 1, last_error: expect.stringMatching(/out of range/) });
    });

    it('--until-idle says what it waits for, and exits leaving an untried job due beyond --idle-horizon', async () => {
      await insertNoopJobs(t.db, 3);
      // One runnable; one never tried, due in 4 s (long enough for a loaded machine to reach its
      // idle check first); one inserted by plain SQL for 100 years ahead.
      await sql`
        update jobs set run_at = now() + case (select count(*) from jobs j where j.ctid < jobs.ctid)
          when 0 then interval '0' when 1 then interval '4 seconds' else interval '100 years' end
      `.execute(t.db);
      const lines: { msg: string; level: number; jobs?: { jobType: string; count: number }[] }[] = [];
      const captured = pino({ level: 'info' }, { write: (line: string) => void lines.push(JSON.parse(line)) });
      const started = performance.now();
      const summary = await worker({ concurrency: 2, logger: captured, idleHorizonMs: 60_000 }).run();
      expect(summary).toMatchObject({ completed: 2, reason: 'idle' });
      expect(performance.now() - started).toBeLessThan(15_000);
      expect(await jobStatusCounts(t.db)).toEqual({ complete: 2, pending: 1 });
      const waiting = lines.find((l) => l.msg.startsWith('waiting for'));
      expect(waiting?.msg).toMatch(/^waiting for 1 untried noop job, the first due \d{4}-\d\d-\d\dT/);
      const leaving = lines.find((l) => l.msg.startsWith('idle: leaving'));
      expect(leaving).toMatchObject({ level: 40, jobs: [{ jobType: 'noop', count: 1 }] });
      expect(leaving?.msg).toMatch(
        /^idle: leaving 1 untried noop job, the first due 2126-.* pending, due beyond the idle horizon$/,
      );
    });

    it('stops after --max-jobs', async () => {
      await insertNoopJobs(t.db, 30);
      const summary = await worker({ concurrency: 4, maxJobs: 10, untilIdle: false }).run();
      expect(summary).toMatchObject({ completed: 10, reason: 'max-jobs' });
      expect(await jobStatusCounts(t.db)).toEqual({ complete: 10, pending: 20 });
    });

    it('records a buffered job as started only when it takes a slot, so a crash charges only jobs that ran', async () => {
      await insertNoopJobs(t.db, 12, { sleepMs: 1500 });
      const w = worker({ concurrency: 3, untilIdle: false });
      const running = w.run();
      const held = async () => {
        const { rows } = await sql<{ held: number; started: number }>`
          select count(*)::int as held, count(started_at)::int as started from jobs where status = 'running'
        `.execute(t.db);
        return rows[0];
      };
      await waitForStatus('running', 6);
      // 3 running, 3 buffered: had the worker died now, the 3 buffered would get their attempt back.
      const first = await held();
      await waitForStatus('complete', 3);
      await new Promise((r) => setTimeout(r, 200));
      // The first three finished, three buffered ones took their slots, and a refill was claimed.
      const second = await held();
      w.stop();
      await running;
      expect(first).toEqual({ held: 6, started: 3 });
      expect(second?.started).toBe(3);
      expect(second?.held).toBeGreaterThan(3);
    });

    it('warns once, naming what it was doing, when its own heartbeat is late by more than twice the interval', async () => {
      await insertNoopJobs(t.db, 1);
      const lines: { level: number; msg: string; doing?: string; running?: { jobType: string }[] }[] = [];
      const log = pino({ level: 'info' }, { write: (l: string) => void lines.push(JSON.parse(l)) });
      // A handler that blocks the event loop for 2.5 s: the heartbeat (every 1 s at a 3 s lease)
      // cannot run, as under a starved CPU or a synchronous parse of a huge document.
      const blocking: StageHandler<void> = {
        jobType: 'noop',
        async run() {
          await new Promise((r) => setTimeout(r, 300));
          const until = performance.now() + 2500;
          while (performance.now() < until) {}
        },
        async commit() {},
      };
      // No second maintenance pass: the worker must not rescue its own job, whose lease the block outlives.
      const w = worker({
        concurrency: 1,
        untilIdle: false,
        leaseSeconds: 3,
        pollIntervalMs: 60_000,
        stages: new Map([['noop', blocking]]),
        logger: log,
      });
      const running = w.run();
      await waitForStatus('complete', 1);
      // Heartbeats on time again for a while: no second warning for the same episode.
      await new Promise((r) => setTimeout(r, 2500));
      w.stop();
      await running;
      const late = lines.filter((l) => l.msg.startsWith('heartbeat late'));
      expect(late, JSON.stringify(late)).toHaveLength(1);
      expect(late[0]).toMatchObject({ level: 40, running: [{ jobType: 'noop' }] });
      expect(late[0]?.msg).toMatch(
        /heartbeat late: \d+ ms since the last one \(every 1000 ms\) while .*, running 1 job\(s\): noop/,
      );
    });

    it('rolls back the handler writes of a job it no longer holds', async () => {
      await insertNoopJobs(t.db, 1, { record: true, sleepMs: 300 });
      const w = worker({ concurrency: 1, untilIdle: false, leaseSeconds: 60 });
      const running = w.run();
      // While the job runs, an operator cancels it: the worker's commit must not land.
      await new Promise((r) => setTimeout(r, 150));
      await sql`update jobs set status = 'cancelled', locked_by = null`.execute(t.db);
      await new Promise((r) => setTimeout(r, 400));
      w.stop();
      await running;
      expect(await jobStatusCounts(t.db)).toEqual({ cancelled: 1 });
      expect(await runsPerJob(t.db)).toEqual({ jobs: 1, minRuns: 0, maxRuns: 0 });
    });
  });
});

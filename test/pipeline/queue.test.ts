import { sql } from 'kysely';
import { beforeEach, describe, expect, it } from 'vitest';
import { claimJobs } from '../../src/pipeline/queue/claim-jobs.js';
import { completeJob, LeaseLostError } from '../../src/pipeline/queue/complete-job.js';
import { enqueueJobs } from '../../src/pipeline/queue/enqueue-jobs.js';
import { extendLeases } from '../../src/pipeline/queue/extend-leases.js';
import { failJob } from '../../src/pipeline/queue/fail-job.js';
import { intakeDomains } from '../../src/pipeline/queue/intake-domains.js';
import { markJobsStarted } from '../../src/pipeline/queue/mark-jobs-started.js';
import { releaseJobs } from '../../src/pipeline/queue/release-jobs.js';
import { rescueExpiredLeases } from '../../src/pipeline/queue/rescue-expired-leases.js';
import { backends, useTestDatabase } from '../helpers/databases.js';
import { insertNoopJobs } from '../helpers/jobs.js';
import { emptyTables } from '../helpers/rows.js';

describe.each(backends)('the queue on $name', ({ name, skip }) => {
  describe.skipIf(skip)(name, () => {
    const t = useTestDatabase(name);
    const claim = (workerId: string, limit = 10, leaseSeconds = 60) =>
      claimJobs(t.db, { workerId, jobTypes: ['noop'], limit, leaseSeconds });
    const events = (jobId: string) =>
      t.db
        .selectFrom('job_events')
        .select(['from_status', 'to_status', 'worker_id', 'attempt'])
        .where('job_id', '=', jobId)
        .orderBy('id')
        .execute();

    beforeEach(async () => {
      await emptyTables(t.db);
    });

    it('claims in priority then run_at order, consuming an attempt and recording the transition', async () => {
      await insertNoopJobs(t.db, 3);
      await t.db
        .updateTable('jobs')
        .set({ priority: -1 })
        .where('job_id', '=', sql<string>`(select min(job_id::text)::uuid from jobs)`)
        .execute();
      const first = await claim('w1', 2);
      expect(first).toHaveLength(2);
      expect(first[0]?.priority).toBe(-1);
      expect(first.every((j) => j.status === 'running' && j.attempts === 1 && j.locked_by === 'w1')).toBe(true);
      expect(await claim('w2', 10)).toHaveLength(1);
      expect(await claim('w3', 10)).toHaveLength(0);
      expect(await events(first[0]?.job_id ?? '')).toEqual([
        { from_status: 'pending', to_status: 'running', worker_id: 'w1', attempt: 1 },
      ]);
    });

    it('does not claim a job whose run_at is in the future', async () => {
      await sql`insert into jobs (job_type, run_at) values ('noop', now() + interval '1 hour')`.execute(t.db);
      expect(await claim('w1')).toHaveLength(0);
    });

    it('completes a job once; a worker that lost the job cannot complete it', async () => {
      await insertNoopJobs(t.db, 1);
      const [job] = await claim('w1');
      if (!job) throw new Error('no job');
      await expect(t.db.transaction().execute((trx) => completeJob(trx, job, 'w2'))).rejects.toBeInstanceOf(
        LeaseLostError,
      );
      await t.db.transaction().execute((trx) => completeJob(trx, job, 'w1'));
      await expect(t.db.transaction().execute((trx) => completeJob(trx, job, 'w1'))).rejects.toBeInstanceOf(
        LeaseLostError,
      );
      const row = await t.db.selectFrom('jobs').selectAll().executeTakeFirstOrThrow();
      expect(row).toMatchObject({ status: 'complete', locked_by: 'w1', lease_expires_at: null });
      expect(row.finished_at).toBeInstanceOf(Date);
    });

    it('retries with a delay, then fails for good after max_attempts keeping the last error', async () => {
      await insertNoopJobs(t.db, 1, {}, { maxAttempts: 2 });
      let [job] = await claim('w1');
      if (!job) throw new Error('no job');
      expect(
        await failJob(t.db, job, { workerId: 'w1', error: 'boom 1', permanent: false, retryDelayMs: 60_000 }),
      ).toBe('pending');
      const waiting = await t.db
        .selectFrom('jobs')
        .select(sql<number>`extract(epoch from run_at - now())`.as('in'))
        .executeTakeFirstOrThrow();
      expect(Number(waiting.in)).toBeGreaterThan(55);
      await sql`update jobs set run_at = now()`.execute(t.db);
      [job] = await claim('w1');
      if (!job) throw new Error('no job');
      expect(await failJob(t.db, job, { workerId: 'w1', error: 'boom 2', permanent: false, retryDelayMs: 10 })).toBe(
        'failed',
      );
      expect(await t.db.selectFrom('jobs').select(['status', 'attempts', 'last_error']).executeTakeFirst()).toEqual({
        status: 'failed',
        attempts: 2,
        last_error: 'boom 2',
      });
      expect((await events(job.job_id)).map((e) => e.to_status)).toEqual(['running', 'pending', 'running', 'failed']);
    });

    it('fails a permanent error at once, and a failed sitemap job marks its domain error', async () => {
      const { id } = await t.db
        .insertInto('domains')
        .values({ domain: 'gone.example', sitemap_analysis_status: 'submitted' })
        .returning('id')
        .executeTakeFirstOrThrow();
      await t.db.insertInto('jobs').values({ job_type: 'sitemap', domain_id: id }).execute();
      const [job] = await claimJobs(t.db, { workerId: 'w1', jobTypes: ['sitemap'], limit: 1, leaseSeconds: 60 });
      if (!job) throw new Error('no job');
      expect(
        (await t.db.selectFrom('domains').select('sitemap_analysis_status').executeTakeFirst())
          ?.sitemap_analysis_status,
      ).toBe('processing');
      expect(
        await failJob(t.db, job, {
          workerId: 'w1',
          error: 'HTTP 404 on the only sitemap',
          permanent: true,
          retryDelayMs: 10,
        }),
      ).toBe('failed');
      expect(
        await t.db
          .selectFrom('domains')
          .select(['sitemap_analysis_status', 'sitemap_analysis_error'])
          .executeTakeFirst(),
      ).toEqual({
        sitemap_analysis_status: 'error',
        sitemap_analysis_error: 'HTTP 404 on the only sitemap',
      });
    });

    it('rescues an expired lease exactly once, keeping the consumed attempt', async () => {
      await insertNoopJobs(t.db, 2);
      const jobs = await claim('dead-worker', 2, 60);
      await sql`update jobs set lease_expires_at = now() - interval '1 second' where job_id = ${jobs[0]?.job_id ?? ''}`.execute(
        t.db,
      );
      const [a, b] = await Promise.all([rescueExpiredLeases(t.db, 'r1'), rescueExpiredLeases(t.db, 'r2')]);
      expect([...(a ?? []), ...(b ?? [])]).toEqual([
        { job_id: jobs[0]?.job_id, job_type: 'noop', status: 'pending', previous_worker: 'dead-worker' },
      ]);
      const rescued = await t.db
        .selectFrom('jobs')
        .selectAll()
        .where('job_id', '=', jobs[0]?.job_id ?? '')
        .executeTakeFirstOrThrow();
      expect(rescued).toMatchObject({ status: 'pending', attempts: 1, locked_by: null });
      expect(rescued.last_error).toContain('dead-worker stopped heartbeating');
      // The dead worker, if it comes back, cannot complete or extend the job any more.
      const job0 = jobs[0];
      if (!job0) throw new Error('no job');
      await expect(t.db.transaction().execute((trx) => completeJob(trx, job0, 'dead-worker'))).rejects.toBeInstanceOf(
        LeaseLostError,
      );
      expect(
        await extendLeases(
          t.db,
          'dead-worker',
          jobs.map((j) => j.job_id),
          60,
        ),
      ).toEqual(new Set([jobs[1]?.job_id]));
    });

    it('retries a rescued job at once after its first run, after the backoff from its second, and one never started at once', async () => {
      await insertNoopJobs(t.db, 2);
      const backoff = { baseMs: 60_000, maxMs: 3_600_000 };
      const expire = () => sql`update jobs set lease_expires_at = now() - interval '1 second'`.execute(t.db);
      const delays = async () => {
        const { rows } = await sql<{ job_id: string; delay: number }>`
          select job_id, extract(epoch from run_at - now())::float8 as delay from jobs`.execute(t.db);
        return new Map(rows.map((r) => [r.job_id, r.delay]));
      };
      const first = await claimJobs(t.db, {
        workerId: 'dead-1',
        jobTypes: ['noop'],
        limit: 2,
        start: 1,
        leaseSeconds: 60,
      });
      const ran = first.find((j) => j.started_at !== null);
      const buffered = first.find((j) => j.started_at === null);
      if (!ran || !buffered) throw new Error('expected one started and one buffered job');
      await expire();
      await rescueExpiredLeases(t.db, 'r1', backoff);
      // One death: both runnable at once (the buffered one never ran; the other ran once).
      let delay = await delays();
      expect(delay.get(ran.job_id)).toBeLessThanOrEqual(0);
      expect(delay.get(buffered.job_id)).toBeLessThanOrEqual(0);
      const second = await claimJobs(t.db, {
        workerId: 'dead-2',
        jobTypes: ['noop'],
        limit: 2,
        start: 2,
        leaseSeconds: 60,
      });
      expect(second).toHaveLength(2);
      await expire();
      await rescueExpiredLeases(t.db, 'r2', backoff);
      // The job that now died in its second run waits backoffDelay(2) of a 60 s base: 60 to 120 s.
      delay = await delays();
      expect(delay.get(ran.job_id)).toBeGreaterThanOrEqual(59);
      expect(delay.get(ran.job_id)).toBeLessThanOrEqual(120);
      expect(delay.get(buffered.job_id)).toBeLessThanOrEqual(0);
      expect(await claim('w3', 10)).toEqual([expect.objectContaining({ job_id: buffered.job_id })]);
    });

    it('fails a rescued job that has no attempts left', async () => {
      await insertNoopJobs(t.db, 1, {}, { maxAttempts: 1 });
      await claim('dead-worker', 1, 60);
      await sql`update jobs set lease_expires_at = now() - interval '1 second'`.execute(t.db);
      expect((await rescueExpiredLeases(t.db, 'r1'))[0]?.status).toBe('failed');
    });

    it('a rescue gives the attempt back to a job its dead worker claimed but never started; a started one keeps it', async () => {
      await insertNoopJobs(t.db, 4, {}, { maxAttempts: 1 });
      // One job for the free slot, three buffered; then the slot's job ends and one buffered
      // job takes the slot, marked in the completion statement.
      const jobs = await claimJobs(t.db, {
        workerId: 'dead-worker',
        jobTypes: ['noop'],
        limit: 4,
        start: 1,
        leaseSeconds: 60,
      });
      const [ran, ...buffered] = [...jobs].sort(
        (a, b) => Number(b.started_at !== null) - Number(a.started_at !== null),
      );
      if (!ran || buffered.length !== 3) throw new Error('expected 1 started and 3 buffered jobs');
      expect(ran.started_at).not.toBeNull();
      expect(buffered.map((j) => j.started_at)).toEqual([null, null, null]);
      const next = buffered[0]?.job_id ?? '';
      expect(await completeJob(t.db, ran, 'dead-worker', next)).toEqual(new Set([next]));
      expect(await markJobsStarted(t.db, 'other-worker', [buffered[1]?.job_id ?? ''])).toEqual(new Set());

      // The worker dies: every lease it held expires.
      await sql`update jobs set lease_expires_at = now() - interval '1 second' where status = 'running'`.execute(t.db);
      const rescued = await rescueExpiredLeases(t.db, 'r1');
      expect(rescued.map((r) => r.status).sort()).toEqual(['failed', 'pending', 'pending']);
      const rows = await t.db.selectFrom('jobs').select(['job_id', 'status', 'attempts', 'last_error']).execute();
      const byId = new Map(rows.map((r) => [r.job_id, r]));
      // Its handler began: the attempt stays used, and with max_attempts 1 it fails (a poison job still ends).
      expect(byId.get(next)).toMatchObject({ status: 'failed', attempts: 1 });
      for (const j of buffered.slice(1)) {
        expect(byId.get(j.job_id)).toMatchObject({ status: 'pending', attempts: 0, last_error: null });
        expect((await events(j.job_id)).map((e) => [e.to_status, e.attempt])).toEqual([
          ['running', 1],
          ['pending', 0],
        ]);
      }
      const { rows: messages } = await sql<{ message: string }>`
        select message from job_events where to_status = 'pending' and message is not null
      `.execute(t.db);
      expect(messages.map((m) => m.message)).toEqual([
        'lease expired: worker dead-worker stopped heartbeating before starting it; attempt given back',
        'lease expired: worker dead-worker stopped heartbeating before starting it; attempt given back',
      ]);
    });

    it('releases jobs at shutdown back to pending, giving the attempt back', async () => {
      await insertNoopJobs(t.db, 2);
      const ids = (await claim('w1', 2)).map((j) => j.job_id);
      expect(await releaseJobs(t.db, 'w2', ids, 'not mine')).toBe(0);
      expect(await releaseJobs(t.db, 'w1', ids, 'worker shutting down')).toBe(2);
      expect(await t.db.selectFrom('jobs').select(['status', 'attempts', 'locked_by']).execute()).toEqual([
        { status: 'pending', attempts: 0, locked_by: null },
        { status: 'pending', attempts: 0, locked_by: null },
      ]);
    });

    it('intake submits queued domains and creates exactly one sitemap job each, even when repeated', async () => {
      await t.db
        .insertInto('domains')
        .values([
          { domain: 'a.example' },
          { domain: 'b.example' },
          { domain: 'c.example', sitemap_analysis_status: 'complete' },
        ])
        .execute();
      const [x, y] = await Promise.all([intakeDomains(t.db), intakeDomains(t.db)]);
      expect((x ?? 0) + (y ?? 0)).toBe(2);
      // Plain SQL requeues a domain whose job is still pending: still one live job.
      await sql`update domains set sitemap_analysis_status = 'queued' where domain = 'a.example'`.execute(t.db);
      expect(await intakeDomains(t.db)).toBe(1);
      const { rows } = await sql<{ domain: string; status: string; jobs: number }>`
        select d.domain, d.sitemap_analysis_status as status, count(j.job_id)::int as jobs
        from domains d left join jobs j on j.domain_id = d.id group by d.domain, d.sitemap_analysis_status order by d.domain
      `.execute(t.db);
      expect(rows).toEqual([
        { domain: 'a.example', status: 'submitted', jobs: 1 },
        { domain: 'b.example', status: 'submitted', jobs: 1 },
        { domain: 'c.example', status: 'complete', jobs: 0 },
      ]);
    });

    it('enqueues in the caller transaction: a rollback leaves no job, a duplicate input is skipped', async () => {
      const { id } = await t.db
        .insertInto('domains')
        .values({ domain: 'd.example' })
        .returning('id')
        .executeTakeFirstOrThrow();
      await t.db
        .transaction()
        .execute(async (trx) => {
          await enqueueJobs(trx, [{ jobType: 'sitemap', domainId: id }]);
          throw new Error('handler failed after enqueueing');
        })
        .catch(() => {});
      expect(await t.db.selectFrom('jobs').selectAll().execute()).toEqual([]);
      const created = await t.db
        .transaction()
        .execute((trx) =>
          enqueueJobs(trx, [
            { jobType: 'sitemap', domainId: id },
            { jobType: 'sitemap', domainId: id },
            { jobType: 'noop' },
          ]),
        );
      expect(created).toBe(2);
      const again = await t.db.transaction().execute((trx) => enqueueJobs(trx, [{ jobType: 'sitemap', domainId: id }]));
      expect(again).toBe(0);
      expect(await t.db.selectFrom('job_events').select(['from_status', 'to_status']).execute()).toEqual([
        { from_status: null, to_status: 'pending' },
        { from_status: null, to_status: 'pending' },
      ]);
    });
  });
});

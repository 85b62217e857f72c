import { PGlite } from '@electric-sql/pglite';
import { Kysely, sql } from 'kysely';
import pg from 'pg';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { createMigrator } from '../../src/db/migrator.js';
import { PGliteDialect } from '../../src/db/pglite-dialect.js';
import { isDeadlockError, isMovedRowError, retryConflict } from '../../src/db/retry-conflict.js';
import type { Database } from '../../src/db/schema.js';
import { claimJobs } from '../../src/pipeline/queue/claim-jobs.js';
import { completeJob } from '../../src/pipeline/queue/complete-job.js';
import { enqueueJobs } from '../../src/pipeline/queue/enqueue-jobs.js';
import { extendLeases } from '../../src/pipeline/queue/extend-leases.js';
import { failJob } from '../../src/pipeline/queue/fail-job.js';
import { backends, useTestDatabase } from '../helpers/databases.js';
import { insertNoopJobs } from '../helpers/jobs.js';
import { addDomain, emptyTables } from '../helpers/rows.js';

/*
 * Migration 0013: `jobs` is partitioned by status into jobs_live and jobs_done. These tests hold
 * the properties the queue's speed rests on (docs/architecture.md, "`jobs` is two partitions"):
 * claims and lease extensions are HOT updates, a completion moves the row once, a claim reads
 * none of history or of other types' backlogs, and every query on `jobs` still sees every job.
 */
describe.each(backends)('jobs as two partitions on $name', ({ name, skip }) => {
  describe.skipIf(skip)(name, () => {
    const t = useTestDatabase(name);
    const claim = (workerId: string, limit = 10) =>
      claimJobs(t.db, { workerId, jobTypes: ['noop'], limit, leaseSeconds: 60 });
    const where = async () => {
      const { rows } = await sql<{ part: string; status: string; n: number }>`
        select tableoid::regclass::text as part, status, count(*)::int as n from jobs group by 1, 2 order by 1, 2
      `.execute(t.db);
      return rows;
    };
    /**
     * The backend's not yet reported table statistics for jobs_live (pg_stat_xact_*, which may
     * still hold an earlier transaction's counts: compare two readings).
     */
    const liveStats = async (trx: Kysely<Database>) => {
      const { rows } = await sql<{ upd: number; hot: number; fetched: number }>`
        select n_tup_upd::int as upd, n_tup_hot_upd::int as hot, coalesce(idx_tup_fetch, 0)::int as fetched
        from pg_stat_xact_user_tables where relname = 'jobs_live'
      `.execute(trx);
      return rows[0] ?? { upd: 0, hot: 0, fetched: 0 };
    };

    beforeEach(async () => {
      await emptyTables(t.db);
    });

    it('keeps live jobs in jobs_live and moves a completed one to jobs_done, keeping its story', async () => {
      await insertNoopJobs(t.db, 3);
      const [a, b] = await claim('w1', 2);
      if (!a || !b) throw new Error('not claimed');
      await completeJob(t.db, a, 'w1');
      await failJob(t.db, b, { workerId: 'w1', error: 'boom', permanent: true, retryDelayMs: 0 });
      expect(await where()).toEqual([
        { part: 'jobs_done', status: 'complete', n: 1 },
        { part: 'jobs_done', status: 'failed', n: 1 },
        { part: 'jobs_live', status: 'pending', n: 1 },
      ]);
      const done = await t.db.selectFrom('jobs').selectAll().where('job_id', '=', a.job_id).executeTakeFirstOrThrow();
      expect(done).toMatchObject({ status: 'complete', attempts: 1, locked_by: 'w1', lease_expires_at: null });
      expect(done.finished_at).not.toBeNull();
      expect(done.created_at).toEqual(a.created_at);
      const { rows } = await sql<{ to_status: string }>`
        select to_status from job_events where job_id = ${a.job_id} order by id`.execute(t.db);
      expect(rows.map((r) => r.to_status)).toEqual(['running', 'complete']);
    });

    it('claims and extends leases as HOT updates: no index entry is written', async () => {
      await insertNoopJobs(t.db, 5);
      await sql`vacuum analyze jobs_live`.execute(t.db).catch(() => undefined);
      await t.db.transaction().execute(async (trx) => {
        const before = await liveStats(trx);
        const claimed = await claimJobs(trx, { workerId: 'w1', jobTypes: ['noop'], limit: 5, leaseSeconds: 60 });
        expect(claimed).toHaveLength(5);
        await extendLeases(
          trx,
          'w1',
          claimed.map((j) => j.job_id),
          120,
        );
        const after = await liveStats(trx);
        expect(after.upd - before.upd).toBe(10);
        expect(after.hot - before.hot).toBe(10);
      });
    });

    it('claims without reading a backlog of another job type', async () => {
      const domains = await Promise.all(Array.from({ length: 3 }, () => addDomain(t.db, 'submitted')));
      await t.db.transaction().execute(async (trx) => {
        await enqueueJobs(
          trx,
          domains.map((domainId) => ({ jobType: 'sitemap' as const, domainId })),
        );
      });
      await insertNoopJobs(t.db, 300);
      await sql`analyze jobs_live`.execute(t.db);
      await t.db.transaction().execute(async (trx) => {
        const before = await liveStats(trx);
        const claimed = await claimJobs(trx, { workerId: 'w1', jobTypes: ['sitemap'], limit: 10, leaseSeconds: 60 });
        expect(claimed).toHaveLength(3);
        const after = await liveStats(trx);
        // The three sitemap jobs, fetched from jobs_claim_idx; none of the 300 noop jobs.
        expect(after.fetched - before.fetched).toBeLessThan(20);
      });
    });

    it('claims through a statement that keeps its generic plan, and that plan reads one index range per type', async () => {
      // Migration 0016: as a prepared statement the claim was planned on every call.
      const { rows } = await sql<{ config: string[] | null }>`
        select proconfig as config from pg_proc where proname = 'pipectl_claim_jobs'
      `.execute(t.db);
      expect(rows).toEqual([{ config: ['plan_cache_mode=force_generic_plan'] }]);
      await insertNoopJobs(t.db, 300);
      await sql`analyze jobs_live`.execute(t.db);
      // Past the five custom plans a prepared statement starts with: the generic plan runs too.
      for (let i = 0; i < 8; i++) {
        await t.db.transaction().execute(async (trx) => {
          const before = await liveStats(trx);
          const claimed = await claimJobs(trx, {
            workerId: 'w1',
            jobTypes: ['sitemap', 'noop'],
            limit: 3,
            leaseSeconds: 60,
          });
          expect(claimed).toHaveLength(3);
          const after = await liveStats(trx);
          // The index range, where earlier iterations' running jobs (3 each) still come first;
          // never the 300 jobs (a plan that sorted the partition would fetch them all).
          expect(after.fetched - before.fetched).toBeLessThan(20 + 3 * i);
        });
      }
    });

    it('deletes a deleted domain’s finished jobs with it, and its live ones by the foreign key', async () => {
      const [keep, drop] = [await addDomain(t.db, 'submitted'), await addDomain(t.db, 'submitted')];
      await t.db.transaction().execute((trx) =>
        enqueueJobs(trx, [
          { jobType: 'sitemap', domainId: keep },
          { jobType: 'sitemap', domainId: drop },
        ]),
      );
      const claimed = await claimJobs(t.db, { workerId: 'w1', jobTypes: ['sitemap'], limit: 2, leaseSeconds: 60 });
      for (const job of claimed) await completeJob(t.db, job, 'w1');
      await t.db.transaction().execute((trx) => enqueueJobs(trx, [{ jobType: 'sitemap', domainId: drop }]));
      await t.db.deleteFrom('domains').where('id', '=', drop).execute();
      const { rows } = await sql<{ domain_id: string; status: string }>`
        select domain_id::text, status from jobs order by domain_id`.execute(t.db);
      expect(rows).toEqual([{ domain_id: String(keep), status: 'complete' }]);
      await sql`truncate domains cascade`.execute(t.db);
      expect(await where()).toEqual([]);
    });

    it('gives time-ordered ids (UUIDv7), so history’s id index is appended to', async () => {
      await insertNoopJobs(t.db, 50);
      const { rows } = await sql<{ job_id: string; version: string }>`
        select job_id::text, substr(job_id::text, 15, 1) as version from jobs order by created_at, job_id`.execute(
        t.db,
      );
      expect(new Set(rows.map((r) => r.version))).toEqual(new Set(['7']));
      const ids = rows.map((r) => r.job_id);
      // Same millisecond: random order within it; across milliseconds: increasing.
      const { rows: later } = await sql<{ job_id: string }>`select pipectl_uuid_v7()::text as job_id`.execute(t.db);
      expect(ids.every((id) => id < (later[0]?.job_id ?? ''))).toBe(true);
    });

    it('keeps one live job per input; a finished one does not block a new one', async () => {
      const domain = await addDomain(t.db, 'submitted');
      const enqueue = () =>
        t.db.transaction().execute((trx) => enqueueJobs(trx, [{ jobType: 'sitemap', domainId: domain }]));
      expect(await enqueue()).toBe(1);
      expect(await enqueue()).toBe(0);
      const [job] = await claimJobs(t.db, { workerId: 'w1', jobTypes: ['sitemap'], limit: 1, leaseSeconds: 60 });
      if (!job) throw new Error('not claimed');
      expect(await enqueue()).toBe(0);
      await completeJob(t.db, job, 'w1');
      expect(await enqueue()).toBe(1);
    });
  });
});

describe.skipIf(backends.find((b) => b.name === 'postgres')?.skip ?? true)(
  'statements that meet a concurrent transaction',
  () => {
    const t = useTestDatabase('postgres');
    const clients: pg.Client[] = [];
    afterAll(async () => {
      await Promise.all(clients.map((c) => c.end()));
    });
    const connect = async () => {
      const c = new pg.Client({ connectionString: t.url });
      c.on('error', () => undefined);
      clients.push(c);
      await c.connect();
      return c;
    };

    it('fails a statement with 40001, which retryConflict runs again', async () => {
      await emptyTables(t.db);
      await insertNoopJobs(t.db, 1);
      const [job] = await claimJobs(t.db, { workerId: 'w1', jobTypes: ['noop'], limit: 1, leaseSeconds: 60 });
      if (!job) throw new Error('not claimed');
      const [mover, extender] = [await connect(), await connect()];
      // The mover cancels the job (running → cancelled: into jobs_done) and holds its transaction
      // open, while a lease extension waits on the row; when the mover commits, the row is gone
      // to the other partition under the waiting statement.
      await mover.query('begin');
      await mover.query(`update jobs set status = 'cancelled', finished_at = now() where job_id = $1`, [job.job_id]);
      const waiting = extender
        .query(`update jobs_live set lease_expires_at = now() where job_id = $1 and status = 'running'`, [job.job_id])
        .then(
          () => undefined,
          (err: unknown) => err,
        );
      await new Promise((r) => setTimeout(r, 200));
      await mover.query('commit');
      const err = await waiting;
      expect(isMovedRowError(err)).toBe(true);
      // Run again, the statement sees the row where it now is: not live, so nothing to extend.
      let runs = 0;
      const kept = await retryConflict(async () => {
        runs++;
        if (runs === 1) throw err;
        return extendLeases(t.db, 'w1', [job.job_id], 60);
      });
      expect(runs).toBe(2);
      expect(kept.size).toBe(0);
      // Any other error is thrown at once.
      let otherRuns = 0;
      await expect(
        retryConflict(() => {
          otherRuns++;
          return Promise.reject(Object.assign(new Error('duplicate key value'), { code: '23505' }));
        }),
      ).rejects.toThrow('duplicate key value');
      expect(otherRuns).toBe(1);
    });

    it('runs a transaction that PostgreSQL rolled back to break a deadlock again', async () => {
      await emptyTables(t.db);
      await insertNoopJobs(t.db, 2);
      const [a, b] = await claimJobs(t.db, { workerId: 'w1', jobTypes: ['noop'], limit: 2, leaseSeconds: 60 });
      if (!a || !b) throw new Error('not claimed');
      const [one, two] = [await connect(), await connect()];
      // Two transactions lock the same two rows in opposite orders: PostgreSQL cancels one of them.
      const touch = (c: pg.Client, id: string) =>
        c.query(`update jobs_live set started_at = now() where job_id = $1`, [id]);
      await one.query('begin');
      await two.query('begin');
      await touch(one, a.job_id);
      await touch(two, b.job_id);
      const settled = await Promise.allSettled([touch(one, b.job_id), touch(two, a.job_id)]);
      await Promise.all([one.query('rollback'), two.query('rollback')]);
      const victims = settled.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
      expect(victims).toHaveLength(1);
      const err: unknown = victims[0]?.reason;
      expect(isDeadlockError(err)).toBe(true);
      let runs = 0;
      const kept = await retryConflict(async () => {
        runs++;
        if (runs === 1) throw err;
        return extendLeases(t.db, 'w1', [a.job_id, b.job_id], 60);
      });
      expect(runs).toBe(2);
      expect(kept).toEqual(new Set([a.job_id, b.job_id]));
    });

    it('extends leases without waiting for the rows its own completion holds, so the two cannot deadlock', async () => {
      await emptyTables(t.db);
      await insertNoopJobs(t.db, 3);
      const jobs = await claimJobs(t.db, { workerId: 'w1', jobTypes: ['noop'], limit: 3, leaseSeconds: 60 });
      const [a, b, c] = jobs.map((j) => j.job_id);
      if (!a || !b || !c) throw new Error('not claimed');
      const leases = async () => {
        const { rows } = await sql<{ job_id: string; left: number }>`
        select job_id, extract(epoch from lease_expires_at - now())::float8 as left from jobs_live
      `.execute(t.db);
        return new Map(rows.map((r) => [r.job_id, r.left]));
      };
      // The completion of A, as completeJob runs it: first the start of B (the buffered job taking
      // A's slot), then the delete of A, in one transaction still open.
      const completer = await connect();
      await completer.query('begin');
      await completer.query(`update jobs_live set started_at = now() where job_id = $1 and locked_by = 'w1'`, [b]);
      // The heartbeat meets B locked. Before, it locked A and waited for B; the completion's
      // delete of A then waited for the heartbeat: a deadlock.
      const heartbeat = extendLeases(t.db, 'w1', [a, b, c], 600);
      const outcome = await Promise.race([
        heartbeat.then((kept) => ({ kept })),
        new Promise<'waited'>((r) => setTimeout(() => r('waited'), 3000)),
      ]);
      expect(outcome).not.toBe('waited');
      if (outcome === 'waited') return;
      expect(outcome.kept).toEqual(new Set([a, b, c]));
      let left = await leases();
      expect(left.get(a)).toBeGreaterThan(500);
      expect(left.get(c)).toBeGreaterThan(500);
      expect(left.get(b)).toBeLessThan(61);
      await completer.query(`delete from jobs_live where job_id = $1 and locked_by = 'w1'`, [a]);
      await completer.query('commit');
      // The next heartbeat extends B, and no longer holds A.
      expect(await extendLeases(t.db, 'w1', [a, b, c], 600)).toEqual(new Set([b, c]));
      left = await leases();
      expect(left.get(b)).toBeGreaterThan(500);
    });
  },
);

describe('migration 0013 on a database holding jobs', () => {
  it('moves every job of 0012’s table into its partition, keeping ids, references and order', async () => {
    const pglite = await PGlite.create();
    const db = new Kysely<Database>({ dialect: new PGliteDialect(pglite) });
    try {
      const migrator = createMigrator(db);
      const before = await migrator.migrateTo('0012_pages_updated_trigger');
      expect(before.error).toBeUndefined();
      await sql`insert into domains (domain, sitemap_analysis_status) values ('a.example', 'submitted'), ('b.example', 'complete')`.execute(
        db,
      );
      await sql`
        insert into jobs (job_id, job_type, status, domain_id, created_at, finished_at) values
          ('00000000-0000-4000-8000-000000000001', 'sitemap', 'pending', 1, now() - interval '2 days', null),
          ('00000000-0000-4000-8000-000000000002', 'sitemap', 'complete', 2, now() - interval '3 days', now() - interval '1 day'),
          ('00000000-0000-4000-8000-000000000003', 'noop', 'failed', null, now(), now())`.execute(db);
      const after = await migrator.migrateToLatest();
      expect(after.error).toBeUndefined();
      const { rows } = await sql<{ part: string; job_id: string; domain_id: string | null }>`
        select tableoid::regclass::text as part, job_id::text, domain_id::text from jobs order by job_id`.execute(db);
      expect(rows).toEqual([
        { part: 'jobs_live', job_id: '00000000-0000-4000-8000-000000000001', domain_id: '1' },
        { part: 'jobs_done', job_id: '00000000-0000-4000-8000-000000000002', domain_id: '2' },
        { part: 'jobs_done', job_id: '00000000-0000-4000-8000-000000000003', domain_id: null },
      ]);
      // The constraints are the same, by name.
      await expect(sql`insert into jobs (job_type) values ('nope')`.execute(db)).rejects.toThrow(/jobs_job_type_check/);
      await expect(sql`insert into jobs (job_type) values ('sitemap')`.execute(db)).rejects.toThrow(
        /jobs_input_present/,
      );
    } finally {
      await db.destroy();
      await pglite.close();
    }
  }, 60_000);
});

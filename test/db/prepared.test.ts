import { Kysely, PostgresDialect, sql } from 'kysely';
import { afterAll, describe, expect, it } from 'vitest';
import { createPgPool } from '../../src/db/pg-pool.js';
import { prepared } from '../../src/db/prepared.js';
import type { Database } from '../../src/db/schema.js';
import { claimJobs } from '../../src/pipeline/queue/claim-jobs.js';
import { completeJob, completeJobs } from '../../src/pipeline/queue/complete-job.js';
import { extendLeases } from '../../src/pipeline/queue/extend-leases.js';
import { failJob } from '../../src/pipeline/queue/fail-job.js';
import { markJobsStarted } from '../../src/pipeline/queue/mark-jobs-started.js';
import { backends, useTestDatabase } from '../helpers/databases.js';

describe.each(backends)('prepared statements on $name', ({ name, skip }) => {
  describe.skipIf(skip)(name, () => {
    const t = useTestDatabase(name);
    let server: Kysely<Database> | undefined;
    /**
     * On the server, pipectl's own pool with one connection, so that pg_prepared_statements (one
     * session's statements) shows everything the test ran; on PGlite, the test database.
     */
    const db = (): Kysely<Database> => {
      if (name === 'pglite') return t.db;
      server ??= new Kysely<Database>({
        dialect: new PostgresDialect({ pool: createPgPool({ connectionString: t.url ?? '', max: 1 }) }),
      });
      return server;
    };
    afterAll(async () => {
      await server?.destroy();
    });
    const statementNames = async () =>
      (await sql<{ name: string }>`select name from pg_prepared_statements order by name`.execute(db())).rows.map(
        (r) => r.name,
      );

    it('runs a query under its name; the server prepares it once, PGlite runs it as usual', async () => {
      const query = (n: number) => prepared('prepared_test_add', sql<{ n: number }>`select ${n}::int + 1 as n`);
      expect((await query(1).execute(db())).rows).toEqual([{ n: 2 }]);
      expect((await query(41).execute(db())).rows).toEqual([{ n: 42 }]);
      await sql`select 1`.execute(db());
      if (name === 'postgres') expect(await statementNames()).toEqual(['prepared_test_add']);
      else expect(await statementNames()).not.toContain('prepared_test_add');
    });

    it('refuses a name that compiles to another text', async () => {
      await prepared('prepared_test_text', sql`select 1 as one`).execute(db());
      await expect(prepared('prepared_test_text', sql`select 2 as two`).execute(db())).rejects.toThrow(
        'prepared statement prepared_test_text compiled to a different SQL text',
      );
    });

    it('sends the queue’s hot statements as named prepared statements on the server', async () => {
      await sql`insert into jobs (job_type, payload) select 'noop', '{}'::jsonb from generate_series(1, 3)`.execute(
        db(),
      );
      const claim = () => claimJobs(db(), { workerId: 'w1', jobTypes: ['noop'], limit: 1, start: 0, leaseSeconds: 60 });
      const [first] = await claim();
      const [second] = await claim();
      const [third] = await claim();
      if (first === undefined || second === undefined || third === undefined) throw new Error('no jobs claimed');
      expect(await markJobsStarted(db(), 'w1', [first.job_id])).toEqual(new Set([first.job_id]));
      expect(await extendLeases(db(), 'w1', [first.job_id, second.job_id], 60)).toEqual(
        new Set([first.job_id, second.job_id]),
      );
      await completeJob(db(), first, 'w1');
      expect((await completeJobs(db(), 'w1', [third.job_id])).completed).toEqual(new Set([third.job_id]));
      expect(await failJob(db(), second, { workerId: 'w1', error: 'boom', permanent: true, retryDelayMs: 0 })).toBe(
        'failed',
      );
      const queue = ['claim_jobs', 'complete_job', 'complete_jobs', 'extend_leases', 'fail_job', 'mark_jobs_started'];
      const names = await statementNames();
      if (name === 'postgres') expect(names).toEqual(expect.arrayContaining(queue));
      else for (const q of queue) expect(names).not.toContain(q);
    });
  });
});

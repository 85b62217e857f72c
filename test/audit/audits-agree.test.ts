import { sql } from 'kysely';
import { beforeEach, describe, expect, it } from 'vitest';
import { domainVerdict } from '../../src/audit/domain-verdict.js';
import { findStuckWork } from '../../src/audit/find-stuck-work.js';
import { renderDomainAudit } from '../../src/audit/render-audit.js';
import { traceDomain } from '../../src/audit/trace-domain.js';
import { backends, useTestDatabase } from '../helpers/databases.js';
import { emptyTables } from '../helpers/rows.js';

// `audit domain` and `audit stuck` read the same rows: one must not say "fine" while the other
// says "stuck".
describe.each(backends)('audit domain and audit stuck agree on $name', ({ name, skip }) => {
  describe.skipIf(skip)(name, () => {
    const t = useTestDatabase(name);

    beforeEach(async () => {
      await emptyTables(t.db);
      await sql`
        insert into workers (worker_id, hostname, pid, version, started_at, heartbeat_at)
        values ('w:1', 'w', 1, 'test', now() - interval '1 day', now())
      `.execute(t.db);
    });

    /** A domain submitted an hour ago whose sitemap job is pending, runnable at `runAt` (SQL). */
    async function submittedWithJob(domain: string, runAt: string, attempts = 0): Promise<void> {
      await sql`
        with d as (
          insert into domains (domain, sitemap_analysis_status, created_at, updated_at)
          values (${domain}, 'submitted', now() - interval '1 hour', now() - interval '1 hour') returning id
        )
        insert into jobs (job_type, status, domain_id, attempts, created_at, run_at)
        select 'sitemap', 'pending', id, ${attempts}, now() - interval '1 hour', ${sql.raw(runAt)} from d
      `.execute(t.db);
    }

    it('a job scheduled 100 years ahead is broken in audit domain and listed as far ahead by audit stuck', async () => {
      await submittedWithJob('future.com', "now() + interval '100 years'");
      const verdict = domainVerdict(await traceDomain(t.db, 'future.com'));
      expect(verdict).toMatchObject({ state: 'broken', rule: 'wf4-scheduled-far-ahead' });
      expect(verdict.sentence).toMatch(/^WF4 `sitemap` job is scheduled 365\d\dd\S* ahead \(21\d\d-/);
      const stuck = await findStuckWork(t.db, { olderThanMs: 15 * 60_000 });
      expect(stuck.map((g) => [g.stage, g.what, g.count])).toEqual([
        ['WF4', 'domains submitted with no sitemap file', 1],
        ['WF4', 'sitemap jobs scheduled more than 1d ahead', 1],
      ]);
      expect(stuck[1]?.examples[0]).toMatch(/^future\.com [0-9a-f-]{36} at 21\d\d-/);
    });

    it('a retry due in ten minutes is waiting in audit domain and not stuck in audit stuck', async () => {
      await submittedWithJob('retry.com', "now() + interval '10 minutes'", 1);
      expect(domainVerdict(await traceDomain(t.db, 'retry.com'))).toMatchObject({
        state: 'waiting',
        rule: 'wf4-scheduled',
      });
      expect(await findStuckWork(t.db, { olderThanMs: 15 * 60_000 })).toEqual([]);
    });

    it('audit domain on a domain with a huge history lists its live job and the newest 200, and counts the rest', async () => {
      await submittedWithJob('busy.com', "now() - interval '20 minutes'");
      await sql`
        insert into jobs (job_type, status, domain_id, attempts, created_at, finished_at)
        select 'sitemap', 'failed', d.id, 1, now() - interval '2 hours' + make_interval(secs => g), now() - interval '2 hours' + make_interval(secs => g)
          from domains d, generate_series(1, 5000) as g where d.domain = 'busy.com'
      `.execute(t.db);
      const trace = await traceDomain(t.db, 'busy.com');
      expect(trace.jobsTotal).toBe(5001);
      expect(trace.jobs.length).toBeLessThanOrEqual(201);
      expect(trace.jobs.filter((j) => j.status === 'pending')).toHaveLength(1);
      expect(domainVerdict(trace).rule).toBe('wf4-pending-unclaimed');
    });

    it('audit domain says a timestamp after the database clock is in the future, not a negative age', async () => {
      await sql`
        insert into domains (domain, sitemap_analysis_status, created_at, updated_at)
        values ('skew.com', 'queued', now() + interval '30 days', now() + interval '30 days')
      `.execute(t.db);
      const trace = await traceDomain(t.db, 'skew.com');
      const text = renderDomainAudit(trace, domainVerdict(trace));
      expect(text.split('\n')[0], text).toMatch(
        /^skew\.com: queued since \S+ \S+ UTC \(\S+ in the future: clock skew\?\)$/,
      );
    });
  });
});

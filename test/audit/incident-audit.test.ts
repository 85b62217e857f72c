import { sql } from 'kysely';
import { pino } from 'pino';
import { beforeEach, describe, expect, it } from 'vitest';
import { assessImpact } from '../../src/audit/assess-impact.js';
import { domainVerdict } from '../../src/audit/domain-verdict.js';
import { findStuckWork } from '../../src/audit/find-stuck-work.js';
import { traceDomain } from '../../src/audit/trace-domain.js';
import type { Job } from '../../src/db/schema.js';
import { planRequeue, requeueDomains } from '../../src/domains/requeue-domains.js';
import { PipectlError } from '../../src/errors.js';
import type { StageHandler } from '../../src/pipeline/stage.js';
import { Worker } from '../../src/pipeline/worker/worker.js';
import { replay, seedIncident } from '../fixtures/incident-replay.js';
import { backends, useTestDatabase } from '../helpers/databases.js';
import { emptyTables } from '../helpers/rows.js';

/**
 * A stand-in WF4 handler that "finds" 8 sitemaps and 13 pages for every domain, so that the
 * recovery can be verified with the incident report's own end-to-end query without the network.
 */
const fakeSitemapStage: StageHandler<void> = {
  jobType: 'sitemap',
  async run() {},
  async commit(job: Job, _r, { trx }) {
    const files = await sql<{ id: number }>`
      insert into sitemap_files (domain_id, job_id, url, kind, http_status, url_count)
      select ${job.domain_id}, ${job.job_id}, 'https://d' || ${job.domain_id}::text || '/s' || i || '.xml', 'urlset', 200, 2
      from generate_series(1, 8) as i
      returning id
    `.execute(trx);
    await sql`
      insert into pages (domain_id, sitemap_file_id, url)
      select ${job.domain_id}, (${files.rows.map((r) => r.id)}::bigint[])[1 + (i % 8)], 'https://d/' || i from generate_series(1, 13) as i
    `.execute(trx);
    await sql`update domains set sitemap_analysis_status = 'complete' where id = ${job.domain_id}`.execute(trx);
  },
};

describe.each(backends)('the incident audit on $name', ({ name, skip }) => {
  describe.skipIf(skip)(name, () => {
    const t = useTestDatabase(name);

    beforeEach(async () => {
      await emptyTables(t.db);
      await seedIncident(t.db);
    });

    it('audit domain: pending, never claimed, no worker', async () => {
      const trace = await traceDomain(t.db, 'JenkinsEyeCare.com');
      expect(trace.jobs).toHaveLength(1);
      const verdict = domainVerdict(trace);
      expect(verdict.rule).toBe('wf4-pending-no-worker');
      expect(verdict.sentence).toMatch(
        /^WF4 `sitemap` job pending for 20m and never claimed; no worker heartbeat since \d{4}-\d\d-\d\d \d\d:\d\d UTC → no worker is running \(see `no-live-worker`\)$/,
      );
    });

    it('an unknown domain is exit 1 with the nearest names', async () => {
      const err = await traceDomain(t.db, 'jenkinseyecar.com').catch((e: unknown) => e);
      expect(err).toBeInstanceOf(PipectlError);
      expect((err as PipectlError).exitCode).toBe(1);
      expect((err as PipectlError).message).toContain('did you mean jenkinseyecare.com');
    });

    it('audit impact: per-day counts and the 70-day zero-output streak at every stage', async () => {
      const { rows } = await sql<{
        since: Date;
        until: Date;
      }>`select now() - interval '80 days' as since, now() as until`.execute(t.db);
      const { since, until } = rows[0] ?? { since: new Date(), until: new Date() };
      const impact = await assessImpact(t.db, since, new Date(until.getTime() + 1000));
      const outageDomains = replay.outageDays * replay.outageDomainsPerDay + replay.morningDomains;
      const normalDomains = replay.normalDays * replay.normalDomainsPerDay;
      expect(impact.totals).toEqual({
        domainsSubmitted: normalDomains + outageDomains,
        sitemapJobsCreated: normalDomains + outageDomains,
        sitemapJobsCompleted: normalDomains,
        sitemapJobsFailed: 0,
        sitemapFiles: normalDomains * 2,
        pages: normalDomains * 10,
        contacts: normalDomains * 2,
      });
      const pages = impact.streaks.find((s) => s.output === 'pages');
      expect(pages?.days).toBe(replay.outageDays + 1);
      expect(pages?.domainsSubmitted).toBe(outageDomains);
      expect(pages?.sentence).toMatch(
        new RegExp(
          `^WF5 pages: 0 created for 70 days \\(\\d{4}-\\d\\d-\\d\\d → \\d{4}-\\d\\d-\\d\\d, still going\\) while work waited at WF4; ${outageDomains} domains submitted meanwhile$`,
        ),
      );
      expect(impact.streaks.map((s) => [s.stage, s.days])).toEqual([
        ['WF4', 70],
        ['WF5', 70],
        ['WF7', 70],
      ]);
      // The backlog line: nothing waits before the work began, then it grows every day of the
      // outage to the jobs pending now.
      const waiting = impact.days.map((d) => d.waitingJobs);
      expect(waiting[0]).toBe(0);
      expect(waiting.at(-1)).toBe(outageDomains);
      const outage = waiting.slice(-replay.outageDays - 1);
      expect(outage.every((n, i) => i === 0 || n >= (outage[i - 1] ?? 0))).toBe(true);
      expect(impact.days.every((d) => d.queuedDomains === 0)).toBe(true);
      expect(impact.stuck.find((g) => g.what === 'sitemap jobs pending and runnable')?.count).toBe(
        replay.outageDays * replay.outageDomainsPerDay + replay.morningDomains,
      );
    });

    it('audit stuck: groups the stuck work by stage', async () => {
      const groups = await findStuckWork(t.db, { olderThanMs: 15 * 60_000 });
      expect(groups.map((g) => [g.stage, g.what])).toEqual([
        ['WF4', 'domains submitted with no sitemap file'],
        ['WF4', 'sitemap jobs pending and runnable'],
      ]);
      expect(await findStuckWork(t.db, { olderThanMs: 15 * 60_000, stage: 'WF7' })).toEqual([]);
    });

    it('requeue: dry run changes nothing; over 100 needs --yes; then recovery end to end', async () => {
      const since = (await sql<{ t: Date }>`select now() - interval '1 hour' as t`.execute(t.db)).rows[0]?.t;
      const filter = { status: ['submitted' as const], since };
      expect(await requeueDomains(t.db, filter, { dryRun: true, yes: false })).toMatchObject({
        domains: 18,
        jobsToCancel: 18,
        requeued: 0,
      });
      expect(
        await sql`select 1 from domains where sitemap_analysis_status = 'queued'`
          .execute(t.db)
          .then((r) => r.rows.length),
      ).toBe(0);

      const all = { status: ['submitted' as const] };
      const refused = await requeueDomains(t.db, all, { dryRun: false, yes: false }).catch((e: unknown) => e);
      expect((refused as PipectlError).exitCode).toBe(1);
      expect((await planRequeue(t.db, all)).jobsToCancel).toBe(replay.outageDays * replay.outageDomainsPerDay + 18);

      const done = await requeueDomains(t.db, filter, { dryRun: false, yes: false });
      expect(done).toMatchObject({ requeued: 18, cancelled: 18 });
      // Twice is harmless.
      expect(await requeueDomains(t.db, filter, { dryRun: false, yes: false })).toMatchObject({
        requeued: 0,
        cancelled: 0,
      });

      const worker = new Worker({
        db: t.db,
        stages: new Map([['sitemap', fakeSitemapStage as StageHandler]]),
        logger: pino({ level: 'silent' }),
        untilIdle: true,
        pollIntervalMs: 50,
      });
      // A worker drains the whole backlog, the requeued 18 among it; wait for those.
      const running = worker.run();
      const deadline = Date.now() + 20_000;
      while (Date.now() < deadline) {
        const { rows } = await sql<{
          n: number;
        }>`select count(*)::int as n from domains where sitemap_analysis_status = 'complete' and (domain like 'clinic-%' or domain = 'jenkinseyecare.com')`.execute(
          t.db,
        );
        if (rows[0]?.n === 18) break;
        await new Promise((r) => setTimeout(r, 100));
      }
      worker.stop();
      await running;

      const e2e = await sql
        .raw(
          `SELECT d.domain, COUNT(DISTINCT sf.id) AS sitemap_count, COUNT(DISTINCT p.id) AS page_count FROM domains d LEFT JOIN sitemap_files sf ON d.id = sf.domain_id LEFT JOIN pages p ON sf.id = p.sitemap_file_id WHERE d.domain = 'jenkinseyecare.com' GROUP BY d.domain`,
        )
        .execute(t.db);
      expect(e2e.rows).toEqual([{ domain: 'jenkinseyecare.com', sitemap_count: 8, page_count: 13 }]);
      expect(domainVerdict(await traceDomain(t.db, 'jenkinseyecare.com')).rule).not.toBe('wf4-pending-no-worker');
      // The cancelled jobs and their replacements: one live job per domain at most, ever.
      const { rows } = await sql<{ story: string }>`
        select string_agg(j.status, ',' order by j.created_at) as story from jobs j join domains d on d.id = j.domain_id
        where d.domain = 'jenkinseyecare.com' group by d.id`.execute(t.db);
      expect(rows[0]?.story).toBe('cancelled,complete');
    });

    it('concurrent requeue and worker intake never leave two live jobs for one domain', async () => {
      const worker = new Worker({
        db: t.db,
        stages: new Map([['sitemap', { ...fakeSitemapStage, commit: async () => {} } as StageHandler]]),
        logger: pino({ level: 'silent' }),
        pollIntervalMs: 5,
        concurrency: 4,
      });
      const running = worker.run();
      for (let i = 0; i < 5; i++)
        await requeueDomains(
          t.db,
          { domains: ['jenkinseyecare.com', 'clinic-3.example'] },
          { dryRun: false, yes: false },
        );
      worker.stop();
      await running;
      const { rows } = await sql<{ n: number }>`
        select count(*)::int as n from (
          select domain_id from jobs where status in ('pending', 'running') and job_type = 'sitemap' group by domain_id having count(*) > 1
        ) dupes`.execute(t.db);
      expect(rows[0]?.n).toBe(0);
    });
  });
});

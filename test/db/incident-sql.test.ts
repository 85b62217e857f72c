import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { backends, useTestDatabase } from '../helpers/databases.js';

// The incident report's own investigation and verification SQL, verbatim. The schema contract
// (design §4) is that these run unchanged.
const incidentSql = {
  domainStatus: `SELECT domain, sitemap_analysis_status FROM domains WHERE domain = 'jenkinseyecare.com'`,
  sitemapFiles: `SELECT * FROM sitemap_files WHERE domain_id = (SELECT id FROM domains WHERE domain = 'jenkinseyecare.com')`,
  recentSitemapJobs: `SELECT * FROM jobs WHERE job_type = 'sitemap' AND created_at > '2025-11-17 09:00:00' ORDER BY created_at DESC`,
  requeue: `UPDATE domains SET sitemap_analysis_status = 'queued', sitemap_analysis_error = NULL WHERE sitemap_analysis_status = 'submitted' AND updated_at > '2025-11-17 09:00:00'`,
  processedJobs: `SELECT job_id, status, created_at FROM jobs WHERE job_type = 'sitemap' AND created_at > '2025-11-17 09:27:00' ORDER BY created_at DESC`,
  newPages: `SELECT COUNT(*) FROM pages WHERE created_at > '2025-11-17 09:40:00'`,
  endToEnd: `SELECT d.domain, COUNT(DISTINCT sf.id) AS sitemap_count, COUNT(DISTINCT p.id) AS page_count FROM domains d LEFT JOIN sitemap_files sf ON d.id = sf.domain_id LEFT JOIN pages p ON sf.id = p.sitemap_file_id WHERE d.domain = 'jenkinseyecare.com' GROUP BY d.domain`,
};

describe.each(backends)('the incident SQL on $name', ({ name, skip }) => {
  describe.skipIf(skip)(name, () => {
    const t = useTestDatabase(name);
    const run = async <R = Record<string, unknown>>(text: string) => (await sql.raw<R>(text).execute(t.db)).rows;

    it('finds the stuck state: submitted domain, zero sitemaps, 20 pending jobs', async () => {
      // The incident's morning: 18 submitted domains plus 2 others, 20 sitemap jobs created over
      // 13 minutes, all still pending, and not one sitemap file.
      await sql`set timezone = 'UTC'`.execute(t.db);
      const domains = await t.db
        .insertInto('domains')
        .values(
          Array.from({ length: 20 }, (_, i) => ({
            domain: i === 0 ? 'jenkinseyecare.com' : `clinic-${i}.example`,
            sitemap_analysis_status: i < 18 ? ('submitted' as const) : ('complete' as const),
            created_at: '2025-11-17 09:05:00+00',
            updated_at: '2025-11-17 09:10:00+00',
          })),
        )
        .returning(['id'])
        .execute();
      await t.db
        .insertInto('jobs')
        .values(
          domains.map((d, i) => ({
            job_type: 'sitemap' as const,
            domain_id: d.id,
            created_at: new Date(Date.UTC(2025, 10, 17, 9, 5 + (i * 13) / 19)),
          })),
        )
        .execute();

      expect(await run(incidentSql.domainStatus)).toEqual([
        { domain: 'jenkinseyecare.com', sitemap_analysis_status: 'submitted' },
      ]);
      expect(await run(incidentSql.sitemapFiles)).toEqual([]);
      const jobs = await run<{ status: string; created_at: Date }>(incidentSql.recentSitemapJobs);
      expect(jobs).toHaveLength(20);
      expect(new Set(jobs.map((j) => j.status))).toEqual(new Set(['pending']));
      expect(jobs[0]?.created_at.getTime()).toBeGreaterThan(jobs[19]?.created_at.getTime() ?? Infinity);
    });

    it('requeues exactly the 18 submitted domains', async () => {
      const result = await sql.raw(incidentSql.requeue).execute(t.db);
      expect(result.numAffectedRows).toBe(18n);
      const statuses = await t.db
        .selectFrom('domains')
        .select(['sitemap_analysis_status as status', (eb) => eb.fn.countAll<number>().as('n')])
        .groupBy('sitemap_analysis_status')
        .orderBy('sitemap_analysis_status')
        .execute();
      expect(statuses).toEqual([
        { status: 'complete', n: 2 },
        { status: 'queued', n: 18 },
      ]);
    });

    it('verifies recovery: processed jobs, new pages and the end-to-end join', async () => {
      const domain = await t.db
        .selectFrom('domains')
        .select('id')
        .where('domain', '=', 'jenkinseyecare.com')
        .executeTakeFirstOrThrow();
      const job = await t.db
        .insertInto('jobs')
        .values({ job_type: 'sitemap', domain_id: domain.id, status: 'complete', created_at: '2025-11-17 09:28:00+00' })
        .returning('job_id')
        .executeTakeFirstOrThrow();
      const files = await t.db
        .insertInto('sitemap_files')
        .values(
          Array.from({ length: 8 }, (_, i) => ({
            domain_id: domain.id,
            job_id: job.job_id,
            url: `https://jenkinseyecare.com/sitemap-${i}.xml`,
            kind: 'urlset' as const,
            created_at: '2025-11-17 09:30:00+00',
          })),
        )
        .returning('id')
        .execute();
      await t.db
        .insertInto('pages')
        .values(
          Array.from({ length: 13 }, (_, i) => ({
            domain_id: domain.id,
            sitemap_file_id: files[i % 8]?.id ?? null,
            url: `https://jenkinseyecare.com/page-${i}`,
            created_at: '2025-11-17 09:45:00+00',
          })),
        )
        .execute();

      const processed = await run<{ job_id: string; status: string }>(incidentSql.processedJobs);
      expect(processed).toEqual([expect.objectContaining({ job_id: job.job_id, status: 'complete' })]);
      expect(await run(incidentSql.newPages)).toEqual([{ count: 13 }]);
      expect(await run(incidentSql.endToEnd)).toEqual([
        { domain: 'jenkinseyecare.com', sitemap_count: 8, page_count: 13 },
      ]);
    });
  });
});

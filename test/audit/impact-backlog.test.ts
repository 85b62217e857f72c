import { sql } from 'kysely';
import { beforeAll, describe, expect, it } from 'vitest';
import { assessImpact } from '../../src/audit/assess-impact.js';
import { backends, useTestDatabase } from '../helpers/databases.js';

// The work waiting at each day's end (the HTML chart's backlog line), reconstructed from
// timestamps: live jobs by when they were created, finished ones by the midnights they crossed.
describe.each(backends)('audit impact: the work waiting at each day end on $name', ({ name, skip }) => {
  describe.skipIf(skip)(name, () => {
    const t = useTestDatabase(name);
    let midnight = new Date();

    beforeAll(async () => {
      const { rows } = await sql<{ t: Date }>`
        select date_trunc('day', now() at time zone 'UTC') at time zone 'UTC' as t`.execute(t.db);
      midnight = rows[0]?.t ?? new Date();
      const at = (days: number, hours: number) => new Date(midnight.getTime() + (days * 24 + hours) * 3_600_000);
      const ids = await t.db
        .insertInto('domains')
        .values([
          { domain: 'a.example', sitemap_analysis_status: 'complete' },
          { domain: 'b.example', sitemap_analysis_status: 'submitted' },
          { domain: 'c.example', sitemap_analysis_status: 'complete' },
          { domain: 'q.example', sitemap_analysis_status: 'queued' },
        ])
        .returning('id')
        .execute();
      const [a, b, c] = ids.map((r) => r.id);
      await t.db
        .insertInto('jobs')
        .values([
          // A: waited across two midnights, then finished.
          { job_type: 'sitemap', status: 'complete', domain_id: a, created_at: at(-3, 10), finished_at: at(-1, 10) },
          // B: pending since two days ago.
          { job_type: 'sitemap', status: 'pending', domain_id: b, created_at: at(-2, 12), run_at: at(-2, 12) },
          // C: created and finished on one day: never waiting at a day's end.
          { job_type: 'sitemap', status: 'complete', domain_id: c, created_at: at(-2, 1), finished_at: at(-2, 2) },
        ])
        .execute();
      await sql`update domains set updated_at = ${at(-1, 6)} where domain = 'q.example'`.execute(t.db);
    });

    it('counts live jobs from the day they were created and finished ones until the day they finished', async () => {
      const since = new Date(midnight.getTime() - 4 * 86_400_000);
      const impact = await assessImpact(t.db, since, new Date());
      expect(impact.days.map((d) => [d.waitingJobs, d.queuedDomains])).toEqual([
        [0, 0],
        [1, 0],
        [2, 0],
        [1, 1],
        [1, 1],
      ]);
    });

    it('ends a window in the past where it ends: the last day counts the jobs alive then', async () => {
      const until = new Date(midnight.getTime() - 2 * 86_400_000 + 13 * 3_600_000);
      const impact = await assessImpact(t.db, new Date(midnight.getTime() - 4 * 86_400_000), until);
      expect(impact.days.map((d) => d.waitingJobs)).toEqual([0, 1, 2]);
    });
  });
});

import { type Kysely, sql } from 'kysely';
import { beforeEach, describe, expect, it } from 'vitest';
import { assessImpact } from '../../src/audit/assess-impact.js';
import type { Database } from '../../src/db/schema.js';
import { runCli } from '../helpers/cli.js';
import { backends, useTestDatabase } from '../helpers/databases.js';
import { emptyTables } from '../helpers/rows.js';
import { serverUrl } from '../helpers/test-env.js';

/**
 * The post-mortem's own question, replayed: three domains submitted 69 days ago, their sitemap
 * jobs pending, and nothing since — no new domain on any later day.
 */
async function seedThreeStuckDomains(db: Kysely<Database>): Promise<void> {
  await sql`
    with d as (
      insert into domains (domain, sitemap_analysis_status, created_at, updated_at)
      select 'stuck-' || n || '.example', 'submitted', now() - interval '69 days', now() - interval '69 days'
      from generate_series(1, 3) as n
      returning id, created_at
    )
    insert into jobs (job_type, status, domain_id, created_at, run_at, updated_at)
    select 'sitemap', 'pending', id, created_at, created_at, created_at from d
  `.execute(db);
}

/** The impact over the last `days` days (until a second from now), on the database's clock. */
async function impactOfLast(db: Kysely<Database>, days: number): ReturnType<typeof assessImpact> {
  const { rows } = await sql<{ since: Date; until: Date }>`
    select now() - make_interval(days => ${days}) as since, now() + interval '1 second' as until
  `.execute(db);
  const r = rows[0];
  if (!r) throw new Error('no clock');
  return assessImpact(db, r.since, r.until);
}

describe.each(backends)('audit impact zero-output streaks on $name', ({ name, skip }) => {
  describe.skipIf(skip)(name, () => {
    const t = useTestDatabase(name);

    beforeEach(async () => {
      await emptyTables(t.db);
    });

    it('three domains submitted 69 days ago and nothing since: a 70-day streak at every stage, still going', async () => {
      await seedThreeStuckDomains(t.db);
      const impact = await impactOfLast(t.db, 75);
      expect(impact.streaks.map((s) => [s.stage, s.days, s.ongoing, s.waitedAt, s.domainsSubmitted])).toEqual([
        ['WF4', 70, true, ['WF4'], 3],
        ['WF5', 70, true, ['WF4'], 3],
        ['WF7', 70, true, ['WF4'], 3],
      ]);
      expect(impact.streaks[0]?.to).toBe(impact.days.at(-1)?.day);
      expect(impact.summary).toMatch(
        /^longest zero-output streak: 70 days \(\d{4}-\d\d-\d\d → \d{4}-\d\d-\d\d, still going\) with no sitemap files, pages or contacts while work waited at WF4$/,
      );
    });

    it('a domain that waited from day 60 to day 40 and then completed counts on those days only, from its history', async () => {
      // It is complete now: today's statuses show nothing waiting.
      await sql`
        with d as (
          insert into domains (domain, sitemap_analysis_status, created_at, updated_at)
          values ('late.example', 'complete', now() - interval '60 days', now() - interval '40 days')
          returning id
        ), j as (
          insert into jobs (job_type, status, domain_id, attempts, created_at, run_at, started_at, finished_at, updated_at)
          select 'sitemap', 'complete', id, 1, now() - interval '60 days', now() - interval '60 days',
                 now() - interval '40 days', now() - interval '40 days', now() - interval '40 days' from d
          returning job_id, domain_id
        )
        insert into sitemap_files (domain_id, job_id, url, kind, http_status, url_count, created_at)
        select domain_id, job_id, 'https://late.example/sitemap.xml', 'urlset', 200, 0, now() - interval '40 days' from j
      `.execute(t.db);
      const impact = await impactOfLast(t.db, 75);
      const wf4 = impact.streaks.find((s) => s.stage === 'WF4');
      // Days 60…41 ago; day 40 produced its sitemap file, and nothing waited after it.
      expect(wf4).toMatchObject({ days: 20, ongoing: false, waitedAt: ['WF4'], domainsSubmitted: 1 });
      expect(impact.summary).toMatch(/^longest zero-output streak: 20 days /);
    });

    it('no streak while nothing waited: an idle pipeline is not an outage', async () => {
      // Work arrived and was done 30 days ago; nothing has been outstanding since.
      await sql`
        with d as (
          insert into domains (domain, sitemap_analysis_status, created_at, updated_at)
          values ('done.example', 'complete', now() - interval '30 days', now() - interval '30 days')
          returning id
        )
        insert into jobs (job_type, status, domain_id, attempts, created_at, run_at, finished_at, updated_at)
        select 'sitemap', 'complete', id, 1, now() - interval '30 days', now() - interval '30 days',
               now() - interval '30 days' + interval '1 minute', now() - interval '30 days' from d
      `.execute(t.db);
      const impact = await impactOfLast(t.db, 75);
      expect(impact.streaks).toEqual([]);
      expect(impact.summary).toBe(
        'no zero-output streak: every day on which work waited, the stages it waited for produced output',
      );
    });
  });
});

// Every format carries the streak in its summary line.
describe.skipIf(!serverUrl)('audit impact from the command line: the incident replay', () => {
  const t = useTestDatabase('postgres');
  const cli = (...args: string[]) => runCli(args, { env: { DATABASE_URL: t.url } });
  const streak = /longest zero-output streak: 70 days \(\d{4}-\d\d-\d\d → \d{4}-\d\d-\d\d, still going\)/;

  it('reports the 70-day streak in the summary line of the table, markdown and JSON', async () => {
    await seedThreeStuckDomains(t.db);
    const table = await cli('audit', 'impact', '--since', '75d');
    expect(table.code).toBe(0);
    expect(table.stdout.split('\n')[0]).toMatch(streak);
    const md = await cli('audit', 'impact', '--since', '75d', '--format', 'markdown');
    const summary = md.stdout.split('\n').find((l) => l.startsWith('**Summary:**'));
    expect(summary).toMatch(streak);
    const json = JSON.parse((await cli('audit', 'impact', '--since', '75d', '--json')).stdout);
    expect(json.summary).toMatch(streak);
    expect(json.streaks[0]).toMatchObject({ stage: 'WF4', days: 70, ongoing: true });
  }, 120_000);
});

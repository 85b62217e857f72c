import { type Kysely, sql } from 'kysely';
import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { applyParamOverrides } from '../../src/checks/apply-param-overrides.js';
import type { ChecksFile } from '../../src/checks/check-definition.js';
import type { CheckResult } from '../../src/checks/check-result.js';
import { loadChecksFile } from '../../src/checks/load-checks-file.js';
import { shippedChecksPath } from '../../src/checks/resolve-checks-path.js';
import { runChecks } from '../../src/checks/run-checks.js';
import { selectChecks } from '../../src/checks/select-checks.js';
import type { Database } from '../../src/db/schema.js';
import { backends, useTestDatabase } from '../helpers/databases.js';
import { addDomain, emptyTables } from '../helpers/rows.js';

// The three trend checks of issue 17 (page-rate-drop, contact-rate-drop, sitemap-rate-drop):
// the last hour against the median of the same hour on each of the previous 7 days.

type Output = 'pages' | 'contacts' | 'sitemap_files';

/**
 * `perHour` rows in each of the `hours` hours before the last one, and `lastHour` rows in the
 * last hour. Each hour's rows are stamped at its middle, so that the check's windows, which end
 * at the check's own now(), a few seconds later, hold exactly one hour's rows each.
 */
async function output(
  db: Kysely<Database>,
  table: Output,
  { hours, perHour, lastHour }: { hours: number; perHour: number; lastHour: number },
): Promise<void> {
  const domain = await addDomain(db, 'complete');
  const rows = sql`select h, i, now() - (h + 0.5) * interval '1 hour' as at
      from generate_series(0, ${hours}) as h, generate_series(1, ${perHour}) as i
     where h > 0 or i <= ${lastHour}`;
  if (table === 'pages') {
    await sql`insert into pages (domain_id, url, contact_scan_status, created_at)
      select ${domain}, 'https://site.example/' || h || '/' || i, 'complete', at from (${rows}) as r`.execute(db);
  } else if (table === 'contacts') {
    await sql`insert into contacts (domain_id, kind, value, created_at)
      select ${domain}, 'email', h || '.' || i || '@site.example', at from (${rows}) as r`.execute(db);
  } else {
    await sql`insert into sitemap_files (domain_id, url, kind, url_count, created_at)
      select ${domain}, 'https://site.example/sitemap-' || h || '-' || i || '.xml', 'urlset', 0, at from (${rows}) as r`.execute(
      db,
    );
  }
}

const eightDays = 8 * 24;

describe.each(backends)('the trend checks on $name', ({ name, skip }) => {
  describe.skipIf(skip)(name, () => {
    const t = useTestDatabase(name);
    let file: ChecksFile;
    beforeAll(async () => {
      file = await loadChecksFile(shippedChecksPath, process.cwd());
    });
    beforeEach(async () => {
      await emptyTables(t.db);
    });

    const run = async (check: string, params: string[] = []): Promise<CheckResult> => {
      const checks = selectChecks({ ...file, checks: applyParamOverrides(file, params) }, [check]);
      const [result] = await runChecks(t.db, checks, { concurrency: 1, enforcesTimeout: name === 'postgres' });
      if (result === undefined) throw new Error(`no result for ${check}`);
      if (result.error !== null) throw new Error(`${check} errored: ${result.error}`);
      return result;
    };

    it('page-rate-drop fails when the last hour falls to 5 % of eight steady days', async () => {
      await output(t.db, 'pages', { hours: eightDays, perHour: 100, lastHour: 5 });
      const result = await run('page-rate-drop');
      expect(result).toMatchObject({ status: 'fail', value: 5, baseline: 100, note: null });
      expect(result.threshold).toBe('fail < 20% of baseline, min_baseline 50');
      expect(result.sampleRows[0]).toMatchObject({ previous_days: [100, 100, 100, 100, 100, 100, 100] });
    });

    it('page-rate-drop passes at 90 %', async () => {
      await output(t.db, 'pages', { hours: eightDays, perHour: 100, lastHour: 90 });
      expect(await run('page-rate-drop')).toMatchObject({ status: 'pass', value: 90, baseline: 100, note: null });
    });

    it('page-rate-drop passes with one day of history, and says the history is insufficient', async () => {
      await output(t.db, 'pages', { hours: 24, perHour: 100, lastHour: 5 });
      const result = await run('page-rate-drop');
      expect(result).toMatchObject({ status: 'pass', value: 5, baseline: 0 });
      expect(result.note).toBe('insufficient history: baseline 0 is below min_baseline 50');
    });

    it('page-rate-drop takes the median: one quiet day in seven does not lower the baseline', async () => {
      await output(t.db, 'pages', { hours: eightDays, perHour: 100, lastHour: 10 });
      // Day 3 back had an outage: its hour produced nothing.
      await sql`delete from pages where created_at < now() - interval '3 days'
                  and created_at >= now() - interval '3 days 1 hour'`.execute(t.db);
      const result = await run('page-rate-drop');
      expect(result).toMatchObject({ status: 'fail', baseline: 100 });
      expect(result.sampleRows[0]).toMatchObject({ previous_days: [100, 100, 0, 100, 100, 100, 100] });
    });

    it('page-rate-drop passes below min_baseline pages, and --param can change the window', async () => {
      await output(t.db, 'pages', { hours: eightDays, perHour: 40, lastHour: 1 });
      expect(await run('page-rate-drop')).toMatchObject({ status: 'pass', baseline: 40 });
      // Two hours hold 80 pages on each earlier day: enough history, and 41 is not a drop.
      expect(await run('page-rate-drop', ['page-rate-drop.window=2h'])).toMatchObject({
        status: 'pass',
        value: 41,
        baseline: 80,
        note: null,
      });
    });

    it.each([
      ['contact-rate-drop', 'contacts'],
      ['sitemap-rate-drop', 'sitemap_files'],
    ] as const)('%s warns at a twentieth of its baseline, and passes under min_baseline 10', async (check, table) => {
      await output(t.db, table, { hours: eightDays, perHour: 20, lastHour: 1 });
      expect(await run(check)).toMatchObject({ status: 'warn', value: 1, baseline: 20 });
      await emptyTables(t.db);
      await output(t.db, table, { hours: eightDays, perHour: 9, lastHour: 0 });
      expect(await run(check)).toMatchObject({
        status: 'pass',
        baseline: 9,
        note: 'insufficient history: baseline 9 is below min_baseline 10',
      });
    });

    it('all three pass on an empty database, with the note', async () => {
      const checks = selectChecks(file, ['page-rate-drop', 'contact-rate-drop', 'sitemap-rate-drop']);
      const results = await runChecks(t.db, checks, { concurrency: 1, enforcesTimeout: name === 'postgres' });
      expect(results.map((r) => [r.name, r.status, r.value, r.baseline])).toEqual([
        ['page-rate-drop', 'pass', 0, 0],
        ['contact-rate-drop', 'pass', 0, 0],
        ['sitemap-rate-drop', 'pass', 0, 0],
      ]);
      for (const r of results) expect(r.note).toMatch(/^insufficient history: /);
    });
  });
});

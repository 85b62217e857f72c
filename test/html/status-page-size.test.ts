import { sql } from 'kysely';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadChecksFile } from '../../src/checks/load-checks-file.js';
import { shippedChecksPath } from '../../src/checks/resolve-checks-path.js';
import { bucketSecondsFor, gatherStatus, maxStripCells } from '../../src/html/gather-status.js';
import { renderStatusPage } from '../../src/html/render-status-page.js';
import { backends, useTestDatabase } from '../helpers/databases.js';

describe('strip buckets', () => {
  it('keep any window within maxStripCells cells: 1 day of 5-minute cells, 7 days of 1 h, 30 of 3 h', () => {
    expect(bucketSecondsFor(86_400)).toBe(300);
    expect(bucketSecondsFor(7 * 86_400)).toBe(3600);
    expect(bucketSecondsFor(30 * 86_400)).toBe(10_800);
    for (const days of [1, 2, 7, 13, 30, 90, 366])
      expect((days * 86_400) / bucketSecondsFor(days * 86_400)).toBeLessThanOrEqual(maxStripCells);
  });
});

describe.each(backends)('the status page of 30 days of 5-minute check runs on $name', ({ name, skip }) => {
  describe.skipIf(skip)(name, () => {
    const t = useTestDatabase(name);
    let names: string[] = [];

    beforeAll(async () => {
      names = (await loadChecksFile(shippedChecksPath, process.cwd())).checks.map((c) => c.name);
      // The worst case for the page's size: every run has a value and the status changes with
      // every 3-hour cell (pass, warn, fail, error in turn), so no two neighbouring cells merge.
      await sql`
        insert into check_runs (run_id, check_name, status, value, violations, duration_ms, at)
        select gen_random_uuid(), n, (array['pass', 'warn', 'fail', 'error'])[1 + (k / 36) % 4], random() * 1000, k % 7, 3,
               now() - make_interval(mins => 5 * k)
          from unnest(${names}::text[]) as n, generate_series(0, 30 * 288 - 1) as k
      `.execute(t.db);
    }, 120_000);

    it('stays under 1 MB', async () => {
      const checks = await loadChecksFile(shippedChecksPath, process.cwd());
      const started = performance.now();
      const data = await gatherStatus(t.db, { checks, days: 30, now: new Date(), envName: 'prod', backend: name });
      const html = renderStatusPage(data);
      const ms = performance.now() - started;
      const bytes = Buffer.byteLength(html);
      process.stderr.write(
        `  ${name}: 30 days × 288 runs × ${names.length} checks → ${bytes} bytes in ${ms.toFixed(0)} ms\n`,
      );
      expect(data.axis.cells).toBeLessThanOrEqual(maxStripCells);
      expect(data.checks.every((c) => c.buckets.length >= 239)).toBe(true);
      expect(bytes).toBeLessThan(1_000_000);
    });
  });
});

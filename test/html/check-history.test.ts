import { sql } from 'kysely';
import { beforeEach, describe, expect, it } from 'vitest';
import { readCheckHistory, readChecksNow } from '../../src/checks/read-check-history.js';
import { renderStrip } from '../../src/html/check-strip.js';
import { backends, useTestDatabase } from '../helpers/databases.js';

describe.each(backends)('check history for the status page on $name', ({ name, skip }) => {
  describe.skipIf(skip)(name, () => {
    const t = useTestDatabase(name);
    let now = new Date();

    beforeEach(async () => {
      await sql`delete from check_runs`.execute(t.db);
      now = (await sql<{ now: Date }>`select now() as now`.execute(t.db)).rows[0]?.now ?? new Date();
      // red-for-long: failed 40 days ago, passed 35 days ago, failing again since 10 days ago.
      // flapping: pass, warn, pass within the last hour. never-passed: errors since 3 days ago.
      await sql`
        insert into check_runs (run_id, check_name, status, value, violations, duration_ms, at)
        values (gen_random_uuid(), 'red-for-long', 'fail', null, 3, 1, now() - interval '40 days'),
               (gen_random_uuid(), 'red-for-long', 'pass', null, 0, 1, now() - interval '35 days'),
               (gen_random_uuid(), 'red-for-long', 'fail', null, 2, 1, now() - interval '10 days'),
               (gen_random_uuid(), 'red-for-long', 'fail', null, 5, 1, now() - interval '1 minute'),
               (gen_random_uuid(), 'flapping', 'pass', 1, null, 1, now() - interval '50 minutes'),
               (gen_random_uuid(), 'flapping', 'warn', 120, null, 1, now() - interval '45 minutes'),
               (gen_random_uuid(), 'flapping', 'pass', 3, null, 1, now() - interval '2 minutes'),
               (gen_random_uuid(), 'never-passed', 'error', null, null, 1, now() - interval '3 days'),
               (gen_random_uuid(), 'never-passed', 'error', null, null, 1, now() - interval '1 day')
      `.execute(t.db);
    });

    it('the latest run of each check, and since when it has not passed, beyond any window', async () => {
      const rows = await readChecksNow(t.db, ['red-for-long', 'flapping', 'never-passed', 'never-run']);
      const byName = new Map(rows.map((r) => [r.name, r]));
      expect(byName.has('never-run')).toBe(false);
      const red = byName.get('red-for-long');
      expect(red).toMatchObject({ status: 'fail', violations: 5 });
      expect(Math.round((now.getTime() - (red?.notPassingSince?.getTime() ?? 0)) / 86_400_000)).toBe(10);
      expect(byName.get('flapping')).toMatchObject({ status: 'pass', value: 3, notPassingSince: null });
      const never = byName.get('never-passed');
      expect(Math.round((now.getTime() - (never?.notPassingSince?.getTime() ?? 0)) / 86_400_000)).toBe(3);
    });

    it('buckets the window: the worst status wins a bucket, with the counts and the last value', async () => {
      const since = new Date(now.getTime() - 7 * 86_400_000);
      const history = await readCheckHistory(t.db, since, new Date(now.getTime() + 1000), 3600);
      expect([...history.keys()].sort()).toEqual(['flapping', 'never-passed', 'red-for-long']);
      const flapping = history.get('flapping') ?? [];
      const all = flapping.reduce((n, b) => n + b.counts.pass + b.counts.warn, 0);
      expect(all).toBe(3);
      expect(flapping.some((b) => b.status === 'warn' && b.counts.warn === 1)).toBe(true);
      expect(flapping.at(-1)?.value).toBe(3);
      expect(Math.max(...flapping.map((b) => b.maxValue ?? 0))).toBe(120);
      // The fail of 10 days ago is outside the 7-day window; only today's run is in it.
      expect(history.get('red-for-long')?.map((b) => b.status)).toEqual(['fail']);
    });
  });
});

describe('renderStrip', () => {
  const axis = { since: new Date('2026-12-01T00:00:00Z'), bucketSeconds: 3600, cells: 24 };
  const bucket = (index: number, status: 'pass' | 'warn' | 'fail' | 'error') => ({
    index,
    status,
    counts: { pass: 0, warn: 0, fail: 0, error: 0, [status]: 2 },
    value: null,
    minValue: null,
    maxValue: null,
  });

  it('draws neighbouring cells of one status as one rectangle, and leaves a gap where no check ran', () => {
    const svg = renderStrip([bucket(0, 'pass'), bucket(1, 'pass'), bucket(3, 'pass'), bucket(4, 'fail')], axis, 'x');
    const titles = [...svg.matchAll(/<title>([^<]*)<\/title>/g)].map((m) => m[1]);
    expect(titles).toEqual([
      '2026-12-01 00:00 UTC → 2026-12-01 02:00 UTC: pass: 4 runs (4 pass)',
      '2026-12-01 03:00 UTC → 2026-12-01 04:00 UTC: pass: 2 runs (2 pass)',
      '2026-12-01 04:00 UTC → 2026-12-01 05:00 UTC: fail: 2 runs (2 fail)',
    ]);
    expect(svg).toContain('<rect x="0" y="6" width="2" height="4"');
    expect(svg).toContain('<rect x="4" y="0" width="1" height="10"');
  });
});

import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { CheckRun } from '../../src/checks/check-result.js';
import { runCheckSuite } from '../../src/checks/run-check-suite.js';
import { renderReport } from '../../src/report/render-report.js';
import { backends, useTestDatabase } from '../helpers/databases.js';

/** What differs between two runs of the same checks on the same data: masked to fixed values. */
function mask(run: CheckRun): CheckRun {
  return {
    ...run,
    runId: '00000000-0000-4000-8000-000000000000',
    startedAt: '2025-11-17T09:30:00.000Z',
    backend: '<backend>',
    checks: run.checks.map((c) => ({ ...c, durationMs: 12.5 })),
  };
}

// The same golden files for both backends: the reports must not depend on where the checks ran.
describe.each(backends)('the reports of one fixed run on $name', ({ name, skip }) => {
  describe.skipIf(skip)(name, () => {
    const t = useTestDatabase(name);
    let run: CheckRun | undefined;
    const fixedRun = async (): Promise<CheckRun> => {
      run ??= mask(
        await runCheckSuite({
          config: path.resolve('test/report/fixed-run.yml'),
          cwd: process.cwd(),
          openDatabase: async () => ({ db: t.db, backend: name, location: name, migrated: [], close: async () => {} }),
        }),
      );
      return run;
    };

    it('has one result of each kind', async () => {
      const r = await fixedRun();
      expect(r.checks.map((c) => [c.name, c.status])).toEqual([
        ['stuck-jobs', 'fail'],
        ['quiet', 'pass'],
        ['queue-depth', 'warn'],
        ['ratio', 'pass'],
        ['awkward-text', 'warn'],
        ['broken', 'error'],
        ['rate-drop', 'fail'],
        ['new-rate', 'pass'],
      ]);
      expect(r.checks.map((c) => c.explainedBy)).toEqual([
        null,
        null,
        null,
        null,
        'stuck-jobs',
        null,
        'stuck-jobs',
        null,
      ]);
      expect(r.exitCode).toBe(2);
    });

    it.each([
      ['table', 'run.table.txt'],
      ['json', 'run.json'],
      ['junit', 'run.junit.xml'],
      ['prometheus', 'run.prom'],
      ['markdown', 'run.md'],
    ] as const)('renders %s as golden/%s', async (format, golden) => {
      const text = await renderReport(await fixedRun(), format, { color: false, width: 100 });
      await expect(text).toMatchFileSnapshot(`golden/${golden}`);
    });
  });
});

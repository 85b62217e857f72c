import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { sql } from 'kysely';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { assessImpact } from '../../src/audit/assess-impact.js';
import type { CheckRun } from '../../src/checks/check-result.js';
import { loadChecksFile } from '../../src/checks/load-checks-file.js';
import { shippedChecksPath } from '../../src/checks/resolve-checks-path.js';
import { runCheckSuite } from '../../src/checks/run-check-suite.js';
import type { OpenedDatabase } from '../../src/db/open-database.js';
import { gatherStatus } from '../../src/html/gather-status.js';
import { renderImpactPage } from '../../src/html/render-impact-page.js';
import { renderStatusPage } from '../../src/html/render-status-page.js';
import { replay, seedIncident } from '../fixtures/incident-replay.js';
import {
  browserMissing,
  browserRequired,
  chromiumPath,
  horizontalOverflow,
  launchChromium,
  openFile,
  saveScreenshot,
} from '../helpers/browser.js';
import { backends, useTestDatabase } from '../helpers/databases.js';
import { emptyTables } from '../helpers/rows.js';

const widths = [1280, 390] as const;
const outDir = mkdtempSync(path.join(os.tmpdir(), 'pipectl-html-'));

/** The hostile check of the escaping test: prose that would be markup, or end the SVG, if pasted in. */
const hostile = {
  description: `<script>alert('description')</script> & </svg> <b>bold</b>`,
  owner: `<img src=x onerror=alert(1)> & </svg> ops`,
  runbook: `Run </svg><script>alert(2)</script> & see https://runbooks.example/a?b=1&c=2`,
  domain: `<script>alert(3)</script>&</svg>.example`,
};
const hostileChecks = `checks:
  - name: hostile-prose
    description: ${JSON.stringify(hostile.description)}
    owner: ${JSON.stringify(hostile.owner)}
    runbook: ${JSON.stringify(hostile.runbook)}
    severity: fail
    sql: select domain from domains where domain like '%script%'
`;

describe.skipIf(!chromiumPath && !browserRequired)('the HTML pages in a real browser (chromium)', () => {
  let browser: Browser;
  beforeAll(async () => {
    browser = await launchChromium();
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
  });

  it('the harness sees what it must catch: a request, a console error, a script', async () => {
    const file = path.join(outDir, 'leaky.html');
    writeFileSync(
      file,
      '<!doctype html><title>leaky</title><img src="http://127.0.0.1:9/pixel.png"><script>console.error("boom")</script>',
    );
    const o = await openFile(browser, file, 390);
    try {
      expect(o.requests).toEqual(['http://127.0.0.1:9/pixel.png']);
      expect(o.errors.some((e) => e.includes('boom'))).toBe(true);
    } finally {
      await o.close();
    }
  });

  describe.each(backends)('on $name', ({ name, skip }) => {
    describe.skipIf(skip)(name, () => {
      const t = useTestDatabase(name);
      const opened = (): OpenedDatabase => ({
        db: t.db,
        backend: name,
        location: name,
        migrated: [],
        close: async () => {},
      });
      beforeEach(async () => {
        await emptyTables(t.db);
        await sql`delete from check_runs`.execute(t.db);
      });

      const runChecks = (config = shippedChecksPath): Promise<CheckRun> =>
        runCheckSuite({ config, cwd: process.cwd(), openDatabase: async () => opened() });

      /** Writes the status page of this database, as `pipectl report` does. */
      async function writeStatusPage(file: string, config = shippedChecksPath, days = 7): Promise<string> {
        const checks = await loadChecksFile(config, process.cwd());
        const data = await gatherStatus(t.db, { checks, days, now: new Date(), envName: 'prod', backend: name });
        const target = path.join(outDir, `${name}-${file}`);
        writeFileSync(target, renderStatusPage(data));
        return target;
      }

      /** Opens the file at both widths: nothing fetched, no error, no sideways scrolling; a screenshot of each. */
      async function eachWidth(
        file: string,
        shot: string,
        assert: (o: Awaited<ReturnType<typeof openFile>>) => Promise<void>,
      ) {
        for (const width of widths) {
          const o = await openFile(browser, file, width);
          try {
            await assert(o);
            expect(o.errors, `${width}px`).toEqual([]);
            expect(o.requests, `${width}px`).toEqual([]);
            expect(await horizontalOverflow(o.page), `horizontal overflow at ${width}px`).toBe(0);
            await saveScreenshot(o.page, `${shot}-${name}-${width}`);
          } finally {
            await o.close();
          }
        }
      }

      it('after the incident replay: every check with its status in words, the failing ones with since when, the backlog chart', async () => {
        await seedIncident(t.db);
        const run = await runChecks();
        const file = await writeStatusPage('incident.html', shippedChecksPath, 30);
        await eachWidth(file, 'status-incident', async ({ page }) => {
          expect(await page.locator('section.check').count()).toBe(run.checks.length);
          for (const c of run.checks) {
            const section = page.locator(`[id="check-${c.name}"]`);
            expect(await section.getAttribute('data-status')).toBe(c.status);
            expect(await section.locator('.badge').textContent()).toBe(c.status);
            expect(await section.locator('svg.strip').count()).toBe(1);
          }
          expect(run.checks.find((c) => c.name === 'pending-job-age')?.status).toBe('fail');
          const pending = await page.locator('[id="check-pending-job-age"]').textContent();
          expect(pending).toMatch(/fail since \d{4}-\d\d-\d\d \d\d:\d\d UTC/);
          expect(pending).toContain('owner: pipeline-oncall');
          // One cause, as in every report (checks.yml inhibits:): the others say what explains them.
          expect(pending).toContain('explained by no-live-worker');
          expect(await page.locator('[id="check-no-live-worker"] .explained-by').count()).toBe(0);
          expect(await page.locator('#overall').textContent()).toMatch(
            /^overall: fail \(\d+ fail, 0 error, \d+ warn, \d+ pass\)$/,
          );
          expect(await page.locator('#facts').textContent()).toContain('database: ');
          expect(await page.locator('#facts').textContent()).toContain('environment prod');
          // The chart: the outputs' lines over the backlog, which ends at the jobs pending now.
          const chart = page.locator('#output-chart');
          expect(await chart.count()).toBe(1);
          const outage = replay.outageDays * replay.outageDomainsPerDay + replay.morningDomains;
          expect(await chart.getAttribute('aria-label')).toContain(`(at most ${outage})`);
          expect(await page.locator('#output-chart polyline').count()).toBe(5);
          expect(await page.locator('#output').textContent()).toContain('Output per day');
          expect(await page.locator('main').textContent()).toContain('sitemap jobs pending and runnable');
          expect(await page.locator('#no-history').count()).toBe(0);
        });
        // The README's screenshot (docs/img/status.png) is this page, when asked for.
        if (process.env.PIPECTL_UPDATE_SCREENSHOT === '1' && name === 'pglite') {
          const o = await openFile(browser, file, 1280);
          await saveScreenshot(o.page, 'readme', path.resolve('docs/img/status.png'));
          await o.close();
        }
      });

      it('escapes a description, owner, runbook and domain holding <script>, </svg> and &: they read as text', async () => {
        const config = path.join(outDir, `${name}-hostile.yml`);
        writeFileSync(config, hostileChecks);
        await sql`insert into domains (domain, sitemap_analysis_status, updated_at)
                  values (${hostile.domain}, 'queued', now() - interval '1 hour')`.execute(t.db);
        expect((await runChecks(config)).checks[0]?.status).toBe('fail');
        const file = await writeStatusPage('hostile.html', config);
        await eachWidth(file, 'status-escaping', async ({ page }) => {
          expect(await page.locator('script').count()).toBe(0);
          expect(await page.locator('img').count()).toBe(0);
          expect(await page.locator('main b').count()).toBe(0);
          const section = page.locator('[id="check-hostile-prose"]');
          expect(await section.locator('.desc').textContent()).toBe(hostile.description);
          expect(await section.locator('.owner').textContent()).toBe(hostile.owner);
          expect(await section.locator('.runbook pre').textContent()).toBe(hostile.runbook);
          expect(await section.locator('.runbook a').getAttribute('href')).toBe('https://runbooks.example/a?b=1&c=2');
          // Every SVG still closes where it should: the strip and the chart are whole.
          expect(await section.locator('svg.strip rect').count()).toBeGreaterThan(1);
          expect(await page.locator('#output-chart polyline').count()).toBe(5);
          expect(await page.locator('main').textContent()).toContain(hostile.domain);
        });
      });

      it('an empty database: a page that says there is no history yet', async () => {
        const file = await writeStatusPage('empty.html');
        await eachWidth(file, 'status-empty', async ({ page }) => {
          expect(await page.locator('#no-history').textContent()).toContain('No history yet.');
          expect(await page.locator('#overall').textContent()).toBe('overall: no history yet');
          const sections = page.locator('section.check');
          expect(await sections.count()).toBe(12);
          for (const status of await sections.evaluateAll((all) => all.map((s) => s.getAttribute('data-status'))))
            expect(status).toBe('no runs');
          expect(await page.locator('main').textContent()).toContain('No worker has run in the last 7 days.');
          expect(await page.locator('main').textContent()).toContain('Nothing stuck for longer than 15 minutes.');
        });
      });

      it('audit impact --format html: the summary, the streaks, the chart and the per-day table of the incident', async () => {
        await seedIncident(t.db);
        const { rows } = await sql<{ now: Date }>`select now() as now`.execute(t.db);
        const now = rows[0]?.now ?? new Date();
        const impact = await assessImpact(
          t.db,
          new Date(now.getTime() - 80 * 86_400_000),
          new Date(now.getTime() + 1000),
        );
        const file = path.join(outDir, `${name}-impact.html`);
        writeFileSync(file, renderImpactPage(impact, now));
        await eachWidth(file, 'impact-incident', async ({ page }) => {
          expect(await page.locator('#impact-summary').textContent()).toContain('longest zero-output streak: 70 days');
          expect(await page.locator('ul.sentences li').count()).toBe(3);
          expect(await page.locator('#output-chart').count()).toBe(1);
          expect(await page.locator('table').first().locator('tbody tr').count()).toBe(impact.days.length);
          expect(await page.locator('main').textContent()).toContain('sitemap jobs pending and runnable');
        });
      });
    });
  });
});

describe.runIf(!chromiumPath && browserRequired)('the browser tests in CI', () => {
  it('need chromium', () => {
    expect.fail(`PIPECTL_REQUIRE_BROWSER=1 but ${browserMissing}`);
  });
});

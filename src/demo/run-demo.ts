import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { sql } from 'kysely';
import { pino } from 'pino';
import { checkAndAlert } from '../alerts/check-and-alert.js';
import { domainVerdict } from '../audit/domain-verdict.js';
import { renderDomainAudit } from '../audit/render-audit.js';
import { traceDomain } from '../audit/trace-domain.js';
import type { CheckRun } from '../checks/check-result.js';
import { shippedChecksPath } from '../checks/resolve-checks-path.js';
import { renderTable } from '../cli/table.js';
import { resolveConfig } from '../config.js';
import { type OpenedDatabase, openDatabase } from '../db/open-database.js';
import { userJobTypes } from '../db/schema.js';
import { addDomains } from '../domains/add-domains.js';
import { requeueDomains } from '../domains/requeue-domains.js';
import { parseConnectToList } from '../fetch/connect-to.js';
import { HttpClient } from '../fetch/http-client.js';
import { createStageRegistry } from '../pipeline/stages/registry.js';
import { ProgressDisplay } from '../pipeline/worker/progress-display.js';
import { Worker, type WorkerSummary } from '../pipeline/worker/worker.js';
import { renderReport } from '../report/render-report.js';
import { healthySites, replaySites } from './demo-sites.js';
import { endToEndReport } from './end-to-end-report.js';
import { markDemoDir, prepareDemoDir } from './prepare-demo-dir.js';
import { shiftClock } from './shift-clock.js';
import { startSiteServer } from './site-server.js';
import { writeDemoPages } from './write-demo-pages.js';

export interface DemoOptions {
  /** Embedded data directory; default a new temporary one. */
  dataDir?: string;
  /** Where the demo prints. */
  out: (line: string) => void;
  /** Live progress while processing (a terminal). */
  progress: boolean;
  version: string;
}

export interface DemoResult {
  dataDir: string;
  seconds: number;
  /** Exit codes of the three check runs: healthy, during the incident, after recovery. */
  checkExitCodes: [number, number, number];
  ok: boolean;
}

/** How far the demo moves its clock: past every threshold of the default checks (30 min the longest). */
const simulatedMinutes = 45;

/**
 * `pipectl demo`: the whole product on the embedded database, offline. It serves fixture sites
 * from 127.0.0.1, runs the pipeline until idle, runs the default checks (all pass), then replays
 * the incident — work submitted by a service that never started it, no worker, the clock moved
 * forward — and shows the checks that fire, the Slack message (dry run), the audit's verdict,
 * and the recovery with `requeue` and `process`.
 */
export async function runDemo(o: DemoOptions): Promise<DemoResult> {
  const started = performance.now();
  const dataDir = o.dataDir ?? path.join(mkdtempSync(path.join(os.tmpdir(), 'pipectl-demo-')), 'data');
  const reset = prepareDemoDir(dataDir);
  const sites = await startSiteServer({ ...healthySites, ...replaySites });
  const client = new HttpClient({
    userAgent: `pipectl/${o.version} (demo)`,
    connectTo: parseConnectToList(sites.connectTo),
    perHostDelayMs: 0,
    perHostConcurrency: 4,
  });
  let opened: OpenedDatabase | undefined;
  const out = o.out;
  const step = (n: number, title: string) => out(`\n━━ ${n}. ${title}`);
  try {
    opened = await openDatabase(resolveConfig({ 'data-dir': dataDir }, {}));
    markDemoDir(dataDir);
    const db = opened.db;
    out(`pipectl demo: the whole product on the embedded database, offline.`);
    out(
      `data: ${dataDir} (PGlite${reset ? ', emptied: it held an earlier demo' : ''}) · ${sites.domains.length} fixture sites served from ${sites.origin}`,
    );

    const processUntilIdle = async (): Promise<WorkerSummary> => {
      const display = o.progress ? new ProgressDisplay() : undefined;
      const worker = new Worker({
        db,
        stages: createStageRegistry(userJobTypes, { client, scheme: 'http' }),
        logger: pino({ level: 'silent' }),
        concurrency: 8,
        pollIntervalMs: 100,
        untilIdle: true,
        backoff: { baseMs: 200, maxMs: 1000 },
        version: o.version,
        onEvent: display?.onEvent,
      });
      display?.start();
      const summary = await worker.run();
      display?.stop();
      return summary;
    };
    const check = async (): Promise<CheckRun> => {
      const run = await checkAndAlert({
        config: shippedChecksPath,
        cwd: process.cwd(),
        openDatabase: async () => opened as OpenedDatabase,
      });
      out(await renderReport(run, 'table', { color: false }));
      return run;
    };
    const healthy = Object.keys(healthySites);
    const replay = Object.keys(replaySites);

    step(
      1,
      `Queue ${healthy.length} domains and process them   $ pipectl domains add … && pipectl process --until-idle`,
    );
    await addDomains(db, healthy);
    const first = await processUntilIdle();
    out(
      `processed ${first.completed} jobs (${first.failed} failed, ${first.retried} retried) in ${(first.durationMs / 1000).toFixed(1)}s`,
    );

    step(2, "What came out, per domain (the incident report's end-to-end query, plus contacts)");
    const table = (rows: Awaited<ReturnType<typeof endToEndReport>>) =>
      renderTable(
        ['domain', 'status', 'sitemaps', 'pages', 'contacts', 'note'],
        rows.map((r) => [r.domain, r.status, r.sitemaps, r.pages, r.contacts, r.note?.slice(0, 70) ?? '']),
      );
    out(table(await endToEndReport(db, healthy)));
    const contacts = await db
      .selectFrom('contacts as c')
      .innerJoin('domains as d', 'd.id', 'c.domain_id')
      .select(['d.domain', 'c.kind', 'c.value'])
      .orderBy('d.domain')
      .orderBy('c.kind')
      .orderBy('c.value')
      .execute();
    out(`contacts found: ${contacts.map((c) => c.value).join(', ')}`);

    step(3, 'Health checks   $ pipectl check');
    const green = await check();
    out(`exit code ${green.exitCode}: every check passes on a healthy pipeline.`);

    step(4, 'Replaying the incident');
    out(`A service marks ${replay.length} domains "submitted" and creates their sitemap jobs as "pending"`);
    out('— and never starts them: its background trigger is missing, and no worker is running.');
    await db.transaction().execute(async (trx) => {
      const ids = await trx
        .insertInto('domains')
        .values(replay.map((domain) => ({ domain, sitemap_analysis_status: 'submitted' as const })))
        .returning('id')
        .execute();
      await trx
        .insertInto('jobs')
        .values(ids.map(({ id }) => ({ job_type: 'sitemap' as const, domain_id: id })))
        .execute();
    });
    out(
      `SIMULATED TIME: moving the clock ${simulatedMinutes} minutes forward (every timestamp in the demo database shifted back).`,
    );
    await shiftClock(db, simulatedMinutes);

    step(5, 'The checks fire   $ pipectl check');
    const red = await check();
    const failing = red.checks.filter((c) => c.status === 'fail' || c.status === 'error').map((c) => c.name);
    out(`exit code ${red.exitCode}: ${failing.join(', ')} — cron or CI would page on-call now, not 69 days later.`);

    step(6, 'The Slack message on-call receives: one page, cause first   $ pipectl check --slack --slack-dry-run');
    const alerted = await checkAndAlert({
      cwd: '/',
      record: false,
      openDatabase: async () => opened as OpenedDatabase,
      slack: { dryRun: true, webhookUrl: undefined, envName: 'demo' },
    });
    const payload = alerted.slack?.payload;
    if (payload) {
      // The header, then each check's first lines and the checks folded under a cause: the full
      // message carries the sample rows and runbooks.
      for (const block of payload.blocks ?? []) {
        const b = block as { type: string; text?: { text?: string } };
        if (b.type !== 'header' && b.type !== 'section') continue;
        const lines = (b.text?.text ?? '').split('\n');
        const folded = lines.filter((line) => line.startsWith('Also failing because of it:'));
        out(`  ${[...lines.slice(0, 2), ...folded].join('\n  ')}`);
      }
      out('(the full Block Kit JSON: pipectl check --slack-dry-run)');
    }

    step(7, 'Why? One command instead of two hours of SQL   $ pipectl audit domain jenkinseyecare.com');
    const trace = await traceDomain(db, 'jenkinseyecare.com');
    const verdict = domainVerdict(trace);
    out(renderDomainAudit(trace, verdict));

    step(8, 'Recovery   $ pipectl requeue --status submitted && pipectl process --until-idle');
    const requeued = await requeueDomains(db, { status: ['submitted'] }, { dryRun: false, yes: false });
    out(`requeued ${requeued.requeued} domains, cancelled ${requeued.cancelled} stale jobs`);
    const second = await processUntilIdle();
    out(`processed ${second.completed} jobs in ${(second.durationMs / 1000).toFixed(1)}s`);
    out(table(await endToEndReport(db, replay)));

    step(9, 'Green again   $ pipectl check');
    const after = await check();
    out(`exit code ${after.exitCode}.`);

    step(10, 'See it at a glance   $ pipectl report --output status.html && pipectl audit impact --format html');
    const pages = await writeDemoPages(db, dataDir);
    out(`status page: ${pages.status}`);
    out(`impact report: ${pages.impact}`);

    const { rows } = await sql<{
      n: number;
    }>`select count(*)::int as n from domains where sitemap_analysis_status <> 'complete'`.execute(db);
    const ok =
      green.exitCode === 0 && red.exitCode === 1 && after.exitCode === 0 && verdict.rule === 'wf4-pending-no-worker';
    const seconds = (performance.now() - started) / 1000;
    out(
      `\n${ok ? '✓' : '✗'} demo ${ok ? 'complete' : 'did not go as expected'} in ${seconds.toFixed(1)}s (${rows[0]?.n ?? 0} domains not complete). Data kept in ${dataDir}.`,
    );
    return { dataDir, seconds, checkExitCodes: [green.exitCode, red.exitCode, after.exitCode], ok };
  } finally {
    await opened?.close();
    await client.close();
    await sites.close();
  }
}

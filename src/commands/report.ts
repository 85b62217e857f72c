import { Flags } from '@oclif/core';
import { BaseCommand } from '../base-command.js';
import { loadConfiguredChecks } from '../checks/load-checks-file.js';
import type { CheckStatus } from '../db/schema.js';
import { gatherStatus, overallStatus } from '../html/gather-status.js';
import { renderStatusPage } from '../html/render-status-page.js';
import { assertReportTarget, writeReportFile } from '../report/write-report-file.js';

/** `report --json`: where the page went, how big it is, and the overall status it shows. */
export interface ReportResult {
  output: string;
  bytes: number;
  /** The worst latest status of the checks; null when no check has run yet. */
  overall: CheckStatus | null;
  days: number;
}

export default class Report extends BaseCommand<typeof Report> {
  static override summary = 'Write the status page: one self-contained HTML file of checks, output, queue and workers.';
  static override description =
    `Reads what pipectl keeps (check_runs, jobs, workers and the pipeline tables) and writes one HTML file with inline CSS and SVG, no script and nothing fetched: it opens from disk, from a CI artifact or from a web root that cron writes to.

It shows the overall status; each check's latest status, its history over --days as a strip of cells, the value over time for metric checks, since when it has not passed, its owner and runbook; output per day (domains submitted, sitemap files, pages, contacts) over the work waiting at each day's end; the queue per stage, the workers and stuck work now.

It reads the results that \`pipectl check\` recorded and runs no check itself: run it after \`pipectl check\` in the same cron line. The checks file (for descriptions, owners and runbooks) is found as \`pipectl check\` finds it. The file is replaced atomically.`;
  static override examples = [
    '<%= config.bin %> <%= command.id %> --output status.html',
    '<%= config.bin %> <%= command.id %> --output /var/www/pipectl/index.html --days 30 --env-name prod',
  ];
  static override enableJsonFlag = true;
  static override flags = {
    output: Flags.string({ char: 'o', description: 'The HTML file to write (replaced atomically).', required: true }),
    days: Flags.integer({ description: 'How many days of history to show.', default: 7, min: 1, max: 366 }),
    config: Flags.string({
      char: 'c',
      description: 'Checks file. [default: ./checks.yml if present, else the checks shipped with pipectl]',
    }),
    'env-name': Flags.string({ description: 'Environment named in the page, such as prod. [env: PIPECTL_ENV]' }),
  };

  async run(): Promise<ReportResult> {
    const { flags } = this;
    await assertReportTarget(flags.output);
    const checks = await loadConfiguredChecks(flags.config, process.cwd());
    const opened = await this.openDatabase();
    const data = await gatherStatus(opened.db, {
      checks,
      days: flags.days,
      now: new Date(),
      envName: this.settings.envName,
      backend: opened.backend,
    });
    const html = renderStatusPage(data);
    await writeReportFile(flags.output, html);
    const overall = overallStatus(data) ?? null;
    const bytes = Buffer.byteLength(html);
    if (!this.jsonEnabled())
      this.log(
        `pipectl report: ${overall ?? 'no history yet'}; status page written to ${flags.output} (${Math.ceil(bytes / 1024)} KiB, ${flags.days} days)`,
      );
    return { output: flags.output, bytes, overall, days: flags.days };
  }
}

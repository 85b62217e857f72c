import { Flags } from '@oclif/core';
import { type AlertedCheckRun, checkAndAlert } from '../alerts/check-and-alert.js';
import { deliveryPolicy } from '../alerts/deliver-slack-message.js';
import { describeSlackOutcome } from '../alerts/describe-slack-outcome.js';
import { BaseCommand } from '../base-command.js';
import { parseDuration } from '../duration.js';
import { PipectlError } from '../errors.js';
import { renderReport, reportFormats } from '../report/render-report.js';
import { assertReportTarget, writeReportFile } from '../report/write-report-file.js';

/** `check --json`: the run's results, and what was posted to Slack. */
export type CheckRunResult = AlertedCheckRun;

export default class Check extends BaseCommand<typeof Check> {
  static override summary = 'Run the SQL health checks in checks.yml against the pipeline database.';
  static override description =
    `Validates the checks file, runs every check in its own read-only transaction with a statement timeout (concurrently on a PostgreSQL server), records the results in check_runs and reports them.

The checks file is --config, else ./checks.yml in the working directory, else the default checks shipped with pipectl.

With --slack it posts to Slack when a check starts failing or erroring, again every repeat_interval (default 4h) while it keeps failing, and once when it resolves; the alert state lives in the database (alert_state), kept per checks file (its namespace: or its path), so runs from cron de-duplicate without a daemon, overlapping runs post once, and a check removed from the file is resolved once. A warning posts only for checks with notify_on_warn.

Exit codes: 0 every check passed (warnings allowed unless --fail-on warn); 1 a check failed; 2 a check could not run, the checks file is invalid, the database is unreachable, or the Slack message could not be delivered (the results are still printed, and the next run sends it again). An error outranks a failure, which outranks a warning.`;
  static override examples = [
    '<%= config.bin %> <%= command.id %>',
    '<%= config.bin %> <%= command.id %> --only pending-job-age,no-live-worker --param older_than=30m',
    '<%= config.bin %> <%= command.id %> --format junit --output reports/checks.xml',
    '<%= config.bin %> <%= command.id %> --format prometheus --output /var/lib/node_exporter/textfile/pipectl.prom',
    '<%= config.bin %> <%= command.id %> --config ops/checks.yml --fail-on warn --json',
    'SLACK_WEBHOOK_URL=https://hooks.slack.com/services/… <%= config.bin %> <%= command.id %> --slack --env-name prod',
    '<%= config.bin %> <%= command.id %> --slack-dry-run --env-name staging > payload.json',
  ];
  static override enableJsonFlag = true;
  static override flags = {
    config: Flags.string({
      char: 'c',
      description: 'Checks file. [default: ./checks.yml if present, else the checks shipped with pipectl]',
    }),
    only: Flags.string({
      description: 'Run only these checks (comma-separated or repeated).',
      multiple: true,
      delimiter: ',',
    }),
    exclude: Flags.string({
      description: 'Skip these checks (comma-separated or repeated).',
      multiple: true,
      delimiter: ',',
    }),
    param: Flags.string({
      char: 'p',
      description:
        'Override a parameter: name=value for every check that declares it, or check-name.name=value (repeatable).',
      multiple: true,
    }),
    format: Flags.option({
      char: 'f',
      description: 'Report format. [default: table]',
      options: reportFormats,
    })(),
    'fail-on': Flags.option({
      description: 'Lowest status that makes the run exit 1.',
      options: ['warn', 'fail'] as const,
      default: 'fail' as const,
    })(),
    output: Flags.string({
      char: 'o',
      description: 'Write the report to this file (replaced atomically) and print a one-line summary instead.',
    }),
    record: Flags.boolean({
      description: 'Record the results in check_runs; --no-record on a read-only replica.',
      default: true,
      allowNo: true,
    }),
    slack: Flags.boolean({
      description: 'Post what changed (firing, still firing after repeat_interval, resolved) to Slack in one message.',
      helpGroup: 'SLACK',
    }),
    'slack-webhook': Flags.string({
      description:
        'Slack incoming-webhook URL; a secret, never printed. Prefer the environment variable, which other users cannot see in ps. [env: SLACK_WEBHOOK_URL]',
      helpGroup: 'SLACK',
    }),
    'slack-dry-run': Flags.boolean({
      description:
        'Print the Slack payload (JSON, on stdout; the report goes to stderr) instead of posting it; the alert state is not changed.',
      helpGroup: 'SLACK',
    }),
    'slack-timeout': Flags.string({
      description:
        'How long one delivery attempt may take; with retries delivery gives up after 3 times this. [default: 10s]',
      helpGroup: 'SLACK',
    }),
    'env-name': Flags.string({
      description: 'Environment named in Slack messages, such as prod. [env: PIPECTL_ENV]',
      helpGroup: 'SLACK',
    }),
  };

  async run(): Promise<CheckRunResult> {
    const { flags } = this;
    const dryRun = flags['slack-dry-run'];
    // Flags override the environment: an empty --slack-webhook (an unset variable in a cron
    // line) must not quietly post to SLACK_WEBHOOK_URL instead.
    if (flags['slack-webhook'] === '') {
      throw new PipectlError(
        'usage',
        '--slack-webhook is empty: give the incoming-webhook URL, or leave the flag out to use SLACK_WEBHOOK_URL',
      );
    }
    if (flags.output !== undefined) await assertReportTarget(flags.output);
    const run = await checkAndAlert({
      config: flags.config,
      cwd: process.cwd(),
      only: flags.only,
      exclude: flags.exclude,
      params: flags.param,
      failOn: flags['fail-on'],
      record: flags.record,
      concurrency: this.settings.poolSize,
      // The schema is checked by runCheckSuite, which says so when it was never migrated.
      openDatabase: () => this.openDatabase({ schema: 'skip' }),
      slack:
        flags.slack || dryRun
          ? {
              webhookUrl: this.settings.slackWebhookUrl,
              dryRun,
              envName: this.settings.envName,
              delivery: deliveryPolicy(slackTimeoutMs(flags['slack-timeout'])),
            }
          : undefined,
    });
    const json = this.jsonEnabled();
    // A dry run's stdout is the payload alone, ready for Block Kit Builder or jq.
    const out = dryRun ? process.stderr : process.stdout;
    const format = flags.format ?? 'table';
    if (flags.output !== undefined) {
      await writeReportFile(flags.output, await renderReport(run, format));
      if (!json) {
        const counts = (['pass', 'warn', 'fail', 'error'] as const).map((s) => `${run.counts[s]} ${s}`).join(', ');
        out.write(`pipectl check: ${run.status} (${counts}); ${format} report written to ${flags.output}\n`);
      }
    } else if (!json) {
      out.write(await renderReport(run, format, { color: Boolean(out.isTTY), width: out.columns }));
    }
    if (run.slack && !json) {
      if (run.slack.payload) process.stdout.write(`${JSON.stringify(run.slack.payload, null, 2)}\n`);
      if (run.slack.error) process.stderr.write(`pipectl: ${describeSlackOutcome(run.slack)}\n`);
      else out.write(`${describeSlackOutcome(run.slack)}\n`);
    }
    this.setExitCode(run.exitCode);
    return run;
  }
}

/** `--slack-timeout` in ms (default 10 s). */
function slackTimeoutMs(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  try {
    const { ms } = parseDuration(text);
    if (ms !== undefined && ms >= 100) return ms;
  } catch {
    // Reported below, in the words of this flag.
  }
  throw new PipectlError('usage', `--slack-timeout ${text}: write a duration of at least 100ms, such as 10s`);
}

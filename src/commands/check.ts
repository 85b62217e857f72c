import { Flags } from '@oclif/core';
import { BaseCommand } from '../base-command.js';
import type { CheckRun } from '../checks/check-result.js';
import { runCheckSuite } from '../checks/run-check-suite.js';
import { renderReport, reportFormats } from '../report/render-report.js';
import { writeReportFile } from '../report/write-report-file.js';

export default class Check extends BaseCommand<typeof Check> {
  static override summary = 'Run the SQL health checks in checks.yml against the pipeline database.';
  static override description =
    `Validates the checks file, runs every check in its own read-only transaction with a statement timeout (concurrently on a PostgreSQL server), records the results in check_runs and reports them.

The checks file is --config, else ./checks.yml in the working directory, else the default checks shipped with pipectl.

Exit codes: 0 every check passed (warnings allowed unless --fail-on warn); 1 a check failed; 2 a check could not run, the checks file is invalid, or the database is unreachable. An error outranks a failure, which outranks a warning.`;
  static override examples = [
    '<%= config.bin %> <%= command.id %>',
    '<%= config.bin %> <%= command.id %> --only pending-job-age,no-live-worker --param older_than=30m',
    '<%= config.bin %> <%= command.id %> --format junit --output reports/checks.xml',
    '<%= config.bin %> <%= command.id %> --format prometheus --output /var/lib/node_exporter/textfile/pipectl.prom',
    '<%= config.bin %> <%= command.id %> --config ops/checks.yml --fail-on warn --json',
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
  };

  async run(): Promise<CheckRun> {
    const { flags } = this;
    const run = await runCheckSuite({
      config: flags.config,
      cwd: process.cwd(),
      only: flags.only,
      exclude: flags.exclude,
      params: flags.param,
      failOn: flags['fail-on'],
      record: flags.record,
      concurrency: this.settings.poolSize,
      openDatabase: () => this.openDatabase(),
    });
    const format = flags.format ?? 'table';
    if (flags.output !== undefined) {
      await writeReportFile(flags.output, await renderReport(run, format));
      if (!this.jsonEnabled()) {
        const counts = (['pass', 'warn', 'fail', 'error'] as const).map((s) => `${run.counts[s]} ${s}`).join(', ');
        this.log(`pipectl check: ${run.status} (${counts}); ${format} report written to ${flags.output}`);
      }
    } else if (!this.jsonEnabled()) {
      const tty = Boolean(process.stdout.isTTY);
      process.stdout.write(await renderReport(run, format, { color: tty, width: process.stdout.columns }));
    }
    this.setExitCode(run.exitCode);
    return run;
  }
}

import { Flags } from '@oclif/core';
import { BaseCommand } from '../../base-command.js';
import { jobStatusFlag, stagesFlag } from '../../cli/flags.js';
import { renderTable } from '../../cli/table.js';
import { formatShort } from '../../duration.js';
import { type JobRow, listJobs, maxListLimit } from '../../jobs/list-jobs.js';
import { resolveDomainFilter } from '../../jobs/resolve-domain-filter.js';

/** `jobs list --json`: the jobs, newest first, each with its domain. */
export type JobsListResult = JobRow[];

export default class JobsList extends BaseCommand<typeof JobsList> {
  static override summary = 'List jobs, newest first.';
  static override examples = [
    '<%= config.bin %> <%= command.id %> --status pending --stage sitemap',
    '<%= config.bin %> <%= command.id %> --domain example.com --json',
  ];
  static override enableJsonFlag = true;
  static override flags = {
    status: jobStatusFlag('Only jobs in this status (repeatable).'),
    stage: stagesFlag('Only jobs of this stage (repeatable).'),
    domain: Flags.string({ description: "Only this domain's jobs." }),
    limit: Flags.integer({
      description: `At most this many rows (at most ${maxListLimit}).`,
      default: 50,
      min: 1,
      max: maxListLimit,
    }),
  };

  async run(): Promise<JobsListResult> {
    const opened = await this.openDatabase();
    const rows = await listJobs(opened.db, {
      status: this.flags.status,
      stage: this.flags.stage,
      domainIds: await resolveDomainFilter(opened.db, this.flags.domain),
      limit: this.flags.limit,
    });
    if (!this.jsonEnabled()) {
      const now = Date.now();
      this.log(
        renderTable(
          ['job', 'stage', 'status', 'attempts', 'domain', 'age', 'last error'],
          rows.map((j) => [
            j.job_id,
            j.job_type,
            j.status,
            `${j.attempts}/${j.max_attempts}`,
            j.domain,
            formatShort(now - j.created_at.getTime()),
            j.last_error?.slice(0, 60),
          ]),
        ),
      );
    }
    return rows;
  }
}

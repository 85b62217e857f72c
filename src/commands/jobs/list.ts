import { Flags } from '@oclif/core';
import { BaseCommand } from '../../base-command.js';
import { renderTable } from '../../cli/table.js';
import type { JobStatus, JobType } from '../../db/schema.js';
import { formatShort } from '../../duration.js';
import { type JobRow, listJobs, maxListLimit } from '../../jobs/list-jobs.js';
import { resolveDomainFilter } from '../../jobs/resolve-domain-filter.js';

export default class JobsList extends BaseCommand<typeof JobsList> {
  static override summary = 'List jobs, newest first.';
  static override examples = [
    '<%= config.bin %> <%= command.id %> --status pending --stage sitemap',
    '<%= config.bin %> <%= command.id %> --domain example.com --json',
  ];
  static override enableJsonFlag = true;
  static override flags = {
    status: Flags.string({
      description: 'Only jobs in this status (repeatable).',
      options: ['pending', 'running', 'complete', 'failed', 'cancelled'],
      multiple: true,
    }),
    stage: Flags.string({
      description: 'Only jobs of this stage (repeatable).',
      options: ['sitemap', 'page_import', 'contact_scan'],
      multiple: true,
    }),
    domain: Flags.string({ description: "Only this domain's jobs." }),
    limit: Flags.integer({
      description: `At most this many rows (at most ${maxListLimit}).`,
      default: 50,
      min: 1,
      max: maxListLimit,
    }),
  };

  async run(): Promise<JobRow[]> {
    const opened = await this.openDatabase();
    const rows = await listJobs(opened.db, {
      status: this.flags.status as JobStatus[] | undefined,
      stage: this.flags.stage as JobType[] | undefined,
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

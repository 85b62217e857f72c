import { Args } from '@oclif/core';
import { BaseCommand } from '../../base-command.js';
import { renderTable } from '../../cli/table.js';
import { type JobDetail, showJob } from '../../jobs/show-job.js';

/** `jobs show --json`: the job, its domain and its event timeline. */
export type JobsShowResult = JobDetail;

export default class JobsShow extends BaseCommand<typeof JobsShow> {
  static override summary = 'Show one job and its event timeline.';
  static override examples = [
    '<%= config.bin %> <%= command.id %> 7f3c…',
    '<%= config.bin %> <%= command.id %> 7f3c… --json',
  ];
  static override enableJsonFlag = true;
  static override args = { id: Args.string({ description: 'The job id.', required: true }) };

  async run(): Promise<JobsShowResult> {
    const opened = await this.openDatabase();
    const detail = await showJob(opened.db, this.args.id);
    if (!this.jsonEnabled()) {
      const j = detail.job;
      this.log(
        `job ${j.job_id}: ${j.job_type} for ${j.domain ?? '—'}, ${j.status}, attempt ${j.attempts} of ${j.max_attempts}`,
      );
      this.log(
        `created ${j.created_at.toISOString()}, run at ${j.run_at.toISOString()}${j.locked_by ? `, held by ${j.locked_by}` : ''}`,
      );
      if (j.last_error) this.log(`last error: ${j.last_error}`);
      this.log(
        renderTable(
          ['at', 'from', 'to', 'attempt', 'worker', 'message'],
          detail.events.map((e) => [
            e.at.toISOString(),
            e.from_status ?? '—',
            e.to_status,
            e.attempt,
            e.worker_id,
            e.message?.slice(0, 80),
          ]),
        ),
      );
    }
    return detail;
  }
}

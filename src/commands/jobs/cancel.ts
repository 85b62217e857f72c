import { Args } from '@oclif/core';
import { BaseCommand, ExitCode } from '../../base-command.js';
import { cancelJobs, type JobChange } from '../../jobs/change-jobs.js';
import { assertJobIds } from '../../jobs/job-ids.js';

/** `jobs cancel --json`: what became of each job named. */
export type JobsCancelResult = JobChange[];

export default class JobsCancel extends BaseCommand<typeof JobsCancel> {
  static override summary = 'Cancel pending or running jobs.';
  static override description = "A running job's results are discarded when its worker tries to commit them.";
  static override examples = ['<%= config.bin %> <%= command.id %> 7f3c…'];
  static override strict = false;
  static override enableJsonFlag = true;
  static override args = { id: Args.string({ description: 'Job ids.', required: true }) };

  async run(): Promise<JobsCancelResult> {
    const ids = [...new Set(assertJobIds(this.positional).map((id) => id.toLowerCase()))];
    const opened = await this.openDatabase();
    const changes = await cancelJobs(opened.db, ids);
    if (!this.jsonEnabled())
      for (const c of changes)
        this.log(`${c.jobId}: ${c.outcome === 'changed' ? `cancelled (was ${c.from})` : `skipped, ${c.reason}`}`);
    if (changes.some((c) => c.outcome === 'skipped')) this.setExitCode(ExitCode.problem);
    return changes;
  }
}

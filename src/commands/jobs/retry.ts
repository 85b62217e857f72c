import { Args } from '@oclif/core';
import { BaseCommand, ExitCode } from '../../base-command.js';
import { type JobChange, retryJobs } from '../../jobs/change-jobs.js';
import { assertJobIds } from '../../jobs/job-ids.js';

export default class JobsRetry extends BaseCommand<typeof JobsRetry> {
  static override summary = 'Put failed or cancelled jobs back to pending.';
  static override examples = ['<%= config.bin %> <%= command.id %> 7f3c… 9a1b…'];
  static override strict = false;
  static override enableJsonFlag = true;
  static override args = { id: Args.string({ description: 'Job ids.', required: true }) };

  async run(): Promise<JobChange[]> {
    const ids = assertJobIds(this.argv.filter((a) => !a.startsWith('-')));
    const opened = await this.openDatabase();
    const changes = await retryJobs(opened.db, ids);
    if (!this.jsonEnabled())
      for (const c of changes)
        this.log(`${c.jobId}: ${c.outcome === 'changed' ? `retried (was ${c.from})` : `skipped, ${c.reason}`}`);
    if (changes.some((c) => c.outcome === 'skipped')) this.setExitCode(ExitCode.problem);
    return changes;
  }
}

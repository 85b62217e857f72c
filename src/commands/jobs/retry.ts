import { Args, Flags } from '@oclif/core';
import { BaseCommand, ExitCode } from '../../base-command.js';
import { parseTime } from '../../cli/parse-time.js';
import type { JobStatus, JobType } from '../../db/schema.js';
import { PipectlError } from '../../errors.js';
import { type JobChange, retryJobs } from '../../jobs/change-jobs.js';
import { findJobIds } from '../../jobs/find-job-ids.js';
import { assertJobIds } from '../../jobs/job-ids.js';
import { requeueConfirmThreshold } from '../../requeue/requeue-domains.js';

export default class JobsRetry extends BaseCommand<typeof JobsRetry> {
  static override summary = 'Put failed or cancelled jobs back to pending, by id or by filter.';
  static override description =
    `Each retried job gets a fresh set of attempts and is runnable at once. A job whose input already has a live job is skipped. More than ${requeueConfirmThreshold} jobs need --yes.`;
  static override examples = [
    '<%= config.bin %> <%= command.id %> 7f3c…',
    '<%= config.bin %> <%= command.id %> --status failed --stage sitemap --since 1d --dry-run',
  ];
  static override strict = false;
  static override enableJsonFlag = true;
  static override args = { id: Args.string({ description: 'Job ids (or use the filters).' }) };
  static override flags = {
    status: Flags.string({
      description: 'Jobs in this status (repeatable).',
      options: ['failed', 'cancelled'],
      multiple: true,
    }),
    stage: Flags.string({
      description: 'Jobs of this stage (repeatable).',
      options: ['sitemap', 'page_import', 'contact_scan'],
      multiple: true,
    }),
    since: Flags.string({ description: 'Jobs that finished at or after this time (date or duration ago).' }),
    until: Flags.string({ description: 'Jobs that finished before this time.' }),
    domain: Flags.string({ description: "Only this domain's jobs." }),
    'dry-run': Flags.boolean({ description: 'Show what would be retried, change nothing.' }),
    yes: Flags.boolean({ description: `Confirm retrying more than ${requeueConfirmThreshold} jobs.` }),
  };

  async run(): Promise<{ dryRun: boolean; matched: number; changes: JobChange[] }> {
    const f = this.flags;
    const given = assertJobIds(this.positional);
    const filtered = f.status || f.stage || f.since || f.until || f.domain;
    if (given.length === 0 && !filtered)
      throw new PipectlError('usage', 'give job ids, or filters such as --status failed --stage sitemap');
    const opened = await this.openDatabase();
    const ids =
      given.length > 0
        ? given
        : await findJobIds(opened.db, {
            status: (f.status ?? ['failed']) as JobStatus[],
            stage: f.stage as JobType[] | undefined,
            since: f.since ? parseTime(f.since, '--since') : undefined,
            until: f.until ? parseTime(f.until, '--until') : undefined,
            domain: f.domain,
          });
    if (f['dry-run']) {
      if (!this.jsonEnabled()) this.log(`dry run: would retry ${ids.length} jobs; nothing changed.`);
      return { dryRun: true, matched: ids.length, changes: [] };
    }
    if (ids.length > requeueConfirmThreshold && !f.yes) {
      throw new PipectlError(
        'confirmation_required',
        `this would retry ${ids.length} jobs; more than ${requeueConfirmThreshold} needs --yes (check with --dry-run first)`,
        { exitCode: 1 },
      );
    }
    const changes = await retryJobs(opened.db, ids);
    if (!this.jsonEnabled()) {
      for (const c of changes)
        if (c.outcome === 'skipped' || given.length > 0)
          this.log(`${c.jobId}: ${c.outcome === 'changed' ? `retried (was ${c.from})` : `skipped, ${c.reason}`}`);
      this.log(`${changes.filter((c) => c.outcome === 'changed').length} of ${ids.length} jobs retried.`);
    }
    if (changes.some((c) => c.outcome === 'skipped')) this.setExitCode(ExitCode.problem);
    return { dryRun: false, matched: ids.length, changes };
  }
}

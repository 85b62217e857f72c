import { Args, Flags } from '@oclif/core';
import { BaseCommand, ExitCode } from '../../base-command.js';
import { jobStatusFlag, stagesFlag } from '../../cli/flags.js';
import { parseTime } from '../../cli/parse-time.js';
import { plural } from '../../cli/plural.js';
import { requeueConfirmThreshold } from '../../domains/requeue-domains.js';
import { PipectlError } from '../../errors.js';
import { type JobChange, retryJobs } from '../../jobs/change-jobs.js';
import { findJobIds } from '../../jobs/find-job-ids.js';
import { assertJobIds } from '../../jobs/job-ids.js';
import { resolveDomainFilter } from '../../jobs/resolve-domain-filter.js';

/** `jobs retry --json`: how many jobs the ids or filters matched, and what became of each. */
export interface JobsRetryResult {
  dryRun: boolean;
  matched: number;
  changes: JobChange[];
}

/** Jobs listed one per line when a filter chose them. */
const shownByFilter = 20;

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
    status: jobStatusFlag('Jobs in this status (repeatable).', ['failed', 'cancelled']),
    stage: stagesFlag('Jobs of this stage (repeatable).'),
    since: Flags.string({ description: 'Jobs that finished at or after this time (date or duration ago).' }),
    until: Flags.string({ description: 'Jobs that finished before this time.' }),
    domain: Flags.string({ description: "Only this domain's jobs." }),
    'dry-run': Flags.boolean({
      description: 'Show each job and whether it would be retried, exactly as a real run decides; change nothing.',
    }),
    yes: Flags.boolean({ description: `Confirm retrying more than ${requeueConfirmThreshold} jobs.` }),
  };

  async run(): Promise<JobsRetryResult> {
    const f = this.flags;
    const given = [...new Set(assertJobIds(this.positional).map((id) => id.toLowerCase()))];
    const filtered = f.status || f.stage || f.since || f.until || f.domain;
    if (given.length === 0 && !filtered)
      throw new PipectlError('usage', 'give job ids, or filters such as --status failed --stage sitemap');
    const since = f.since ? parseTime(f.since, '--since') : undefined;
    const until = f.until ? parseTime(f.until, '--until') : undefined;
    if (since && until && until <= since) throw new PipectlError('usage', '--until must be after --since');
    const opened = await this.openDatabase();
    const ids =
      given.length > 0
        ? given
        : await findJobIds(opened.db, {
            status: f.status ?? ['failed'],
            stage: f.stage,
            since,
            until,
            domainIds: await resolveDomainFilter(opened.db, f.domain),
          });
    const dryRun = f['dry-run'];
    if (!dryRun && ids.length > requeueConfirmThreshold && !f.yes) {
      throw new PipectlError(
        'confirmation_required',
        `this would retry ${plural(ids.length, 'job')}; more than ${requeueConfirmThreshold} needs --yes (check with --dry-run first)`,
        { exitCode: 1 },
      );
    }
    // A dry run decides every outcome as the real run does, then rolls back.
    const changes = await retryJobs(opened.db, ids, { dryRun });
    const retried = changes.filter((c) => c.outcome === 'changed').length;
    if (!this.jsonEnabled()) {
      // Every job named by id; by filter, the first few (a filter can match 100,000s: --json lists all).
      const shown = changes.filter((c) => c.outcome === 'skipped' || given.length > 0 || dryRun);
      const cap = given.length > 0 ? shown.length : shownByFilter;
      for (const c of shown.slice(0, cap))
        this.log(
          `${c.jobId}: ${c.outcome === 'changed' ? `${dryRun ? 'would retry' : 'retried'} (was ${c.from})` : `skipped, ${c.reason}`}`,
        );
      if (shown.length > cap) this.log(`…and ${plural(shown.length - cap, 'more job')} (--json lists them all)`);
      this.log(
        dryRun
          ? `dry run: would retry ${retried} of ${plural(ids.length, 'job')}; nothing changed.`
          : `${retried} of ${plural(ids.length, 'job')} retried.`,
      );
    }
    if (changes.some((c) => c.outcome === 'skipped')) this.setExitCode(ExitCode.problem);
    return { dryRun, matched: ids.length, changes };
  }
}

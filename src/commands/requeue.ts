import { Flags } from '@oclif/core';
import { BaseCommand, ExitCode } from '../base-command.js';
import { domainStatusFlag, stageFlag } from '../cli/flags.js';
import { parseTime } from '../cli/parse-time.js';
import { plural } from '../cli/plural.js';
import { type RequeueResult, requeueConfirmThreshold, requeueDomains } from '../domains/requeue-domains.js';

/** `requeue --json`: the domains matched, requeued (or that would be) and the jobs cancelled. */
export type { RequeueResult };

export default class Requeue extends BaseCommand<typeof Requeue> {
  static override summary = 'Put domains back to queued and cancel their stale jobs, safely.';
  static override description =
    `In one transaction: cancels the matching domains' pending and running jobs (each recorded in job_events) and sets the domains to queued, clearing sitemap_analysis_error. Any worker then takes them in afresh. Running it twice is harmless. More than ${requeueConfirmThreshold} domains need --yes.`;
  static override examples = [
    '<%= config.bin %> <%= command.id %> --status submitted --since 2025-11-17T09:00:00Z --dry-run',
    '<%= config.bin %> <%= command.id %> --status submitted --since 2025-11-17T09:00:00Z',
    '<%= config.bin %> <%= command.id %> --domain jenkinseyecare.com',
  ];
  static override enableJsonFlag = true;
  static override flags = {
    status: domainStatusFlag('Domains in this status (repeatable).'),
    since: Flags.string({ description: 'Domains whose status changed at or after this time (date or duration ago).' }),
    until: Flags.string({ description: 'Domains whose status changed before this time.' }),
    domain: Flags.string({
      description: 'This domain (repeatable). An unknown one is reported and makes the exit code 1.',
      multiple: true,
    }),
    stage: stageFlag('Only domains with a live or failed job of this stage.'),
    'dry-run': Flags.boolean({ description: 'Show what would change, change nothing.' }),
    yes: Flags.boolean({ description: `Confirm touching more than ${requeueConfirmThreshold} domains.` }),
  };

  async run(): Promise<RequeueResult> {
    const f = this.flags;
    const filter = {
      status: f.status,
      since: f.since ? parseTime(f.since, '--since') : undefined,
      until: f.until ? parseTime(f.until, '--until') : undefined,
      domains: f.domain,
      stage: f.stage,
    };
    const opened = await this.openDatabase();
    const result = await requeueDomains(opened.db, filter, { dryRun: f['dry-run'], yes: f.yes });
    if (result.unknown.length > 0) {
      this.setExitCode(ExitCode.problem);
      this.logToStderr(
        `pipectl: no domain ${result.unknown.map((d) => `"${d}"`).join(', ')} in the database — list domains with \`pipectl domains list\``,
      );
    }
    if (!this.jsonEnabled()) {
      const examples = result.examples.length ? ` (e.g. ${result.examples.join(', ')})` : '';
      this.log(
        result.dryRun
          ? `dry run: would requeue ${plural(result.domains, 'domain')}${examples} and cancel ${plural(result.jobsToCancel, 'job')}; nothing changed.`
          : `requeued ${plural(result.requeued, 'domain')}${examples} and cancelled ${plural(result.cancelled, 'job')}; workers take them in at their next poll.`,
      );
    }
    return result;
  }
}

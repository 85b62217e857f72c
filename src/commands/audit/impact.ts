import { Flags } from '@oclif/core';
import { assessImpact, type Impact } from '../../audit/assess-impact.js';
import { renderImpact, renderImpactMarkdown } from '../../audit/render-audit.js';
import { BaseCommand } from '../../base-command.js';
import { impactFormatFlag } from '../../cli/flags.js';
import { parseTime } from '../../cli/parse-time.js';
import { PipectlError } from '../../errors.js';
import { renderImpactPage } from '../../html/render-impact-page.js';

/** `audit impact --json`: what a window of time produced, by day and stage. */
export type AuditImpactResult = Impact;

export default class AuditImpact extends BaseCommand<typeof AuditImpact> {
  static override summary =
    "The incident's impact assessment, computed: per-day input and output, zero-output streaks, what is still stuck.";
  static override examples = [
    '<%= config.bin %> <%= command.id %> --since 2025-09-01',
    '<%= config.bin %> <%= command.id %> --since 30d --format markdown >> postmortem.md',
    '<%= config.bin %> <%= command.id %> --since 2025-09-01 --format html > impact.html',
  ];
  static override enableJsonFlag = true;
  static override flags = {
    since: Flags.string({ description: 'Start: a date (2025-09-01, UTC) or a duration ago (30d).', required: true }),
    until: Flags.string({ description: 'End (default: now).' }),
    format: impactFormatFlag(),
  };

  async run(): Promise<AuditImpactResult> {
    const since = parseTime(this.flags.since, '--since');
    const until = this.flags.until ? parseTime(this.flags.until, '--until') : new Date();
    if (until <= since) throw new PipectlError('usage', '--until must be after --since');
    if (until.getTime() - since.getTime() > 3 * 366 * 86_400_000)
      throw new PipectlError('usage', 'the window is longer than three years — narrow --since/--until');
    const opened = await this.openDatabase();
    const impact = await assessImpact(opened.db, since, until);
    if (!this.jsonEnabled()) {
      const format = this.flags.format;
      if (format === 'html') process.stdout.write(renderImpactPage(impact, new Date()));
      else this.log(format === 'markdown' ? renderImpactMarkdown(impact) : renderImpact(impact));
    }
    return impact;
  }
}

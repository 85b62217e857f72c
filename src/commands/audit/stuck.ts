import { Flags } from '@oclif/core';
import { auditStageOf } from '../../audit/audit-stage.js';
import { findStuckWork, type StuckGroup } from '../../audit/find-stuck-work.js';
import { renderStuck } from '../../audit/render-audit.js';
import { BaseCommand, ExitCode } from '../../base-command.js';
import { auditStageFlag } from '../../cli/flags.js';
import { parseDurationMs } from '../../duration.js';

/** `audit stuck --json`: the stuck work, by stage. */
export type AuditStuckResult = StuckGroup[];

export default class AuditStuck extends BaseCommand<typeof AuditStuck> {
  static override summary = 'List stuck work by stage: counts, oldest age and examples.';
  static override description = 'Exit 1 when anything is stuck.';
  static override examples = [
    '<%= config.bin %> <%= command.id %>',
    '<%= config.bin %> <%= command.id %> --older-than 1h --stage sitemap --json',
  ];
  static override enableJsonFlag = true;
  static override flags = {
    'older-than': Flags.string({ description: 'Work that has not moved for this long.', default: '15m' }),
    stage: auditStageFlag(
      'Only this stage: intake, or a job type (sitemap, page_import, contact_scan) or its workflow name (WF4, WF5, WF7).',
    ),
  };

  async run(): Promise<AuditStuckResult> {
    const olderThanMs = parseDurationMs(this.flags['older-than'], '--older-than');
    const opened = await this.openDatabase();
    const groups = await findStuckWork(opened.db, {
      olderThanMs,
      stage: this.flags.stage && auditStageOf(this.flags.stage),
    });
    if (!this.jsonEnabled()) this.log(renderStuck(groups, olderThanMs));
    if (groups.length > 0) this.setExitCode(ExitCode.problem);
    return groups;
  }
}

import { Args } from '@oclif/core';
import { domainVerdict, type Verdict } from '../../audit/domain-verdict.js';
import { renderDomainAudit, renderDomainAuditMarkdown } from '../../audit/render-audit.js';
import { type DomainTrace, traceDomain } from '../../audit/trace-domain.js';
import { BaseCommand, ExitCode } from '../../base-command.js';
import { auditFormatFlag } from '../../cli/flags.js';

/** `audit domain --json`: the domain's trace and the verdict on it. */
export type AuditDomainResult = DomainTrace & { verdict: Verdict };

export default class AuditDomain extends BaseCommand<typeof AuditDomain> {
  static override summary = 'Trace one domain end to end and say which stage broke first, and why.';
  static override description =
    'Shows the domain, its jobs per stage, their event timeline, its sitemap/page/contact counts and the workers, then a one-sentence verdict. Exit 1 when the verdict is broken or the domain is unknown.';
  static override examples = [
    '<%= config.bin %> <%= command.id %> jenkinseyecare.com',
    '<%= config.bin %> <%= command.id %> jenkinseyecare.com --format markdown >> postmortem.md',
  ];
  static override enableJsonFlag = true;
  static override args = { domain: Args.string({ description: 'The domain (or a URL on it).', required: true }) };
  static override flags = {
    format: auditFormatFlag(),
  };

  async run(): Promise<AuditDomainResult> {
    const opened = await this.openDatabase();
    const trace = await traceDomain(opened.db, this.args.domain);
    const verdict = domainVerdict(trace);
    if (!this.jsonEnabled()) {
      this.log(
        this.flags.format === 'markdown'
          ? renderDomainAuditMarkdown(trace, verdict)
          : renderDomainAudit(trace, verdict),
      );
    }
    if (verdict.state === 'broken') this.setExitCode(ExitCode.problem);
    return { ...trace, verdict };
  }
}

import { Flags } from '@oclif/core';
import { BaseCommand } from '../../base-command.js';
import { domainStatusFlag } from '../../cli/flags.js';
import { renderTable } from '../../cli/table.js';
import { type DomainRow, listDomains } from '../../domains/list-domains.js';

/** `domains list --json`: the domains, each with its status and what the pipeline produced. */
export type DomainsListResult = DomainRow[];

export default class DomainsList extends BaseCommand<typeof DomainsList> {
  static override summary = 'List domains with their status and what the pipeline produced.';
  static override examples = [
    '<%= config.bin %> <%= command.id %>',
    '<%= config.bin %> <%= command.id %> --status submitted --json',
  ];
  static override enableJsonFlag = true;
  static override flags = {
    status: domainStatusFlag('Only domains in this status (repeatable).'),
    limit: Flags.integer({ description: 'At most this many rows.', default: 50, min: 1 }),
  };

  async run(): Promise<DomainsListResult> {
    const opened = await this.openDatabase();
    const rows = await listDomains(opened.db, {
      status: this.flags.status,
      limit: this.flags.limit,
    });
    if (!this.jsonEnabled()) {
      this.log(
        renderTable(
          ['domain', 'status', 'sitemaps', 'pages', 'contacts', 'updated', 'error'],
          rows.map((r) => [
            r.domain,
            r.status,
            r.sitemaps,
            r.pages,
            r.contacts,
            r.updatedAt.toISOString(),
            r.error?.slice(0, 60),
          ]),
        ),
      );
    }
    return rows;
  }
}

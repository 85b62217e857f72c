import { Flags } from '@oclif/core';
import Table from 'cli-table3';
import { BaseCommand } from '../../base-command.js';
import type { CheckDefinition } from '../../checks/check-definition.js';
import { loadConfiguredChecks } from '../../checks/load-checks-file.js';
import { describeThreshold } from '../../checks/run-check.js';
import { formatShort } from '../../duration.js';
import { wrapText } from '../../report/format-values.js';

export interface ChecksListResult {
  config: string;
  checks: CheckDefinition[];
}

export default class ChecksList extends BaseCommand<typeof ChecksList> {
  static override summary = 'List the health checks: name, severity, parameters, timeout and what each catches.';
  static override description =
    'Reads the checks file `pipectl check` would use (--config, else ./checks.yml, else the shipped defaults); it needs no database. Exits 2 if the file is invalid.';
  static override examples = [
    '<%= config.bin %> <%= command.id %>',
    '<%= config.bin %> <%= command.id %> --config ops/checks.yml --json',
  ];
  static override enableJsonFlag = true;
  static override flags = {
    config: Flags.string({
      char: 'c',
      description: 'Checks file. [default: ./checks.yml if present, else the checks shipped with pipectl]',
    }),
  };

  async run(): Promise<ChecksListResult> {
    const file = await loadConfiguredChecks(this.flags.config, process.cwd());
    if (!this.jsonEnabled()) {
      const table = new Table({
        head: ['check', 'severity', 'fires on', 'params', 'timeout', 'description'],
        style: { head: [], border: [], compact: true },
      });
      for (const check of file.checks) {
        const params = Object.entries(check.params).map(([name, p]) => `${name}=${[p.value].flat().join(',')}`);
        table.push([
          check.name,
          check.severity,
          describeThreshold(check),
          params.join('\n'),
          formatShort(check.timeoutMs, { exact: true }),
          // The first sentence, and what it explains (inhibits:); --json has the whole
          // description, the SQL and the runbook.
          wrapText(
            [
              firstSentence(check.description),
              ...(check.inhibits?.length ? [`Explains: ${check.inhibits.join(', ')}.`] : []),
            ],
            60,
          ).join('\n'),
        ]);
      }
      this.log(`${file.checks.length} checks in ${file.path}`);
      this.log(table.toString());
    }
    return { config: file.path, checks: file.checks };
  }
}

function firstSentence(text: string): string {
  const end = text.search(/\.(\s|$)/);
  return end === -1 ? text : text.slice(0, end + 1);
}

import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { Args, Flags } from '@oclif/core';
import { BaseCommand, ExitCode } from '../../base-command.js';
import { type AddOutcome, addDomains } from '../../domains/add-domains.js';
import { PipectlError } from '../../errors.js';

/** `domains add --json`: how many names were added, already present or rejected, and each outcome. */
export interface DomainsAddResult {
  added: number;
  present: number;
  rejected: number;
  results: AddOutcome[];
}

export default class DomainsAdd extends BaseCommand<typeof DomainsAdd> {
  static override summary = 'Queue domains for sitemap discovery.';
  static override description =
    'Normalizes each name (case, scheme, path, trailing dot, IDN) and queues the valid ones; any worker takes them in. Invalid lines are rejected with a reason and the valid ones are still added; the exit code is then 1.';
  static override examples = [
    '<%= config.bin %> <%= command.id %> example.com https://www.example.org/about',
    '<%= config.bin %> <%= command.id %> --file domains.txt --json',
    'cut -d, -f1 leads.csv | <%= config.bin %> <%= command.id %> --file -',
  ];
  static override strict = false;
  static override enableJsonFlag = true;
  static override args = { domain: Args.string({ description: 'Domains or URLs to add.' }) };
  static override flags = {
    file: Flags.string({
      char: 'f',
      description: 'Read domains from a file, one per line (# comments allowed); - for stdin.',
    }),
  };

  async run(): Promise<DomainsAddResult> {
    const inputs = [...this.positional];
    if (this.flags.file) inputs.push(...(await readDomainLines(this.flags.file)));
    if (inputs.length === 0)
      throw new PipectlError('usage', 'no domains given — pass names as arguments or use --file');
    const opened = await this.openDatabase();
    const results = await addDomains(opened.db, inputs);
    const count = (o: AddOutcome['outcome']) => results.filter((r) => r.outcome === o).length;
    const summary = { added: count('added'), present: count('already present'), rejected: count('rejected'), results };
    if (!this.jsonEnabled()) {
      for (const r of results)
        if (r.outcome === 'rejected') this.logToStderr(`rejected ${JSON.stringify(r.input)}: ${r.reason}`);
      this.log(`${summary.added} added, ${summary.present} already present, ${summary.rejected} rejected`);
    }
    if (summary.rejected > 0) this.setExitCode(ExitCode.problem);
    return summary;
  }
}

/** The names in a file (or stdin for `-`), one per line, without `#` comments and blank lines. */
async function readDomainLines(file: string): Promise<string[]> {
  const input = file === '-' ? process.stdin : createReadStream(file, 'utf8');
  const names: string[] = [];
  try {
    for await (const line of createInterface({ input, crlfDelay: Number.POSITIVE_INFINITY })) {
      const name = line.replace(/#.*$/, '').trim();
      if (name) names.push(name);
    }
  } catch {
    throw new PipectlError('usage', `cannot read ${file} — check the path`);
  }
  return names;
}

import { BaseCommand, ExitCode } from '../base-command.js';
import { type DemoResult, runDemo } from '../demo/run-demo.js';

/** `demo --json`: what the demo ran and what it found. */
export type { DemoResult };

export default class Demo extends BaseCommand<typeof Demo> {
  static override summary = 'See the whole product work: offline, on the embedded database, in under a minute.';
  static override description =
    `Serves realistic fixture sites from 127.0.0.1, crawls them (domains → sitemaps → pages → contacts) with live progress, and runs the health checks: all pass. Then replays the incident — work submitted with no worker to start it, the clock moved forward (simulated, and labelled so) — and shows the checks that fire, the Slack message (dry run), the audit of a stuck domain, and the recovery with requeue and process.

Needs no network and no database server. Exit 0 when every step went as described.

It always starts from an empty database: --data-dir must be a new or empty directory, or one an earlier demo created (it is emptied first). A directory the demo did not create is refused and left untouched.`;
  static override examples = [
    '<%= config.bin %> <%= command.id %>',
    '<%= config.bin %> <%= command.id %> --data-dir ./demo-data',
  ];

  async run(): Promise<DemoResult> {
    const result = await runDemo({
      dataDir: this.flags['data-dir'],
      out: (line) => this.log(line),
      progress: process.stderr.isTTY === true,
      version: this.config.version,
    });
    if (!result.ok) this.setExitCode(ExitCode.problem);
    return result;
  }
}

import type { Hook } from '@oclif/core';
import { nearest } from '../cli/edit-distance.js';
import { ExitCode } from '../errors.js';

/**
 * An unknown command is a usage error (exit 2) with one line that names the nearest command.
 * It never prompts: pipectl runs in cron and CI, where a question would hang.
 */
const hook: Hook<'command_not_found'> = async (opts) => {
  const separator = opts.config.topicSeparator;
  const typed = opts.id.replaceAll(':', separator);
  const known = [...opts.config.commandIDs, ...opts.config.topics.map((t) => t.name)].map((id) =>
    id.replaceAll(':', separator),
  );
  const [suggestion] = nearest(typed, known);
  const hint = suggestion ? ` — did you mean "${opts.config.bin} ${suggestion}"?` : '';
  process.stderr.write(
    `pipectl: "${typed}" is not a pipectl command${hint} (run ${opts.config.bin} --help for the list)\n`,
  );
  process.exit(ExitCode.error);
};

export default hook;

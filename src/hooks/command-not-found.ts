import type { Hook } from '@oclif/core';
import { ExitCode } from '../errors.js';

/** Edit distance between two command ids, to suggest the one the user meant. */
export function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const substitution = (previous[j - 1] ?? 0) + (a[i - 1] === b[j - 1] ? 0 : 1);
      current[j] = Math.min((previous[j] ?? 0) + 1, (current[j - 1] ?? 0) + 1, substitution);
    }
    previous = current;
  }
  return previous[b.length] ?? 0;
}

/** The known command or topic nearest to what was typed. */
export function nearestCommand(typed: string, known: string[]): string | undefined {
  let best: { id: string; distance: number } | undefined;
  for (const id of known) {
    const distance = editDistance(typed, id);
    if (!best || distance < best.distance) best = { id, distance };
  }
  return best?.id;
}

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
  const nearest = nearestCommand(typed, known);
  const hint = nearest ? ` — did you mean "${opts.config.bin} ${nearest}"?` : '';
  process.stderr.write(
    `pipectl: "${typed}" is not a pipectl command${hint} (run ${opts.config.bin} --help for the list)\n`,
  );
  process.exit(ExitCode.error);
};

export default hook;

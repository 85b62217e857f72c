import type { CheckResult } from './check-result.js';

/** A cause and the checks it explains in a run, in the run's order. */
export interface ProbableCause {
  cause: CheckResult;
  explains: CheckResult[];
}

/** The run's probable causes: every failing check that explains at least one other, in the run's order. */
export function probableCauses(results: readonly CheckResult[]): ProbableCause[] {
  const groups = new Map<string, CheckResult[]>();
  for (const r of results) {
    if (r.explainedBy !== null) groups.set(r.explainedBy, [...(groups.get(r.explainedBy) ?? []), r]);
  }
  return results.filter((r) => groups.has(r.name)).map((cause) => ({ cause, explains: groups.get(cause.name) ?? [] }));
}

/**
 * The probable cause in words, from the cause's runbook: its first line's first clause (up to
 * a colon or a full stop), as in "no worker is running"; without a runbook, nothing.
 */
export function describeCause(result: CheckResult): string | undefined {
  const first = result.runbook?.trim().split('\n')[0]?.trim();
  if (!first || /^https?:\/\//.test(first)) return undefined;
  const clause = (first.split(/[:.](?:\s|$)/)[0] ?? first).trim();
  // "No worker is running" reads as "no worker is running" mid-sentence; "WF7 is…" stays.
  return /^[A-Z][a-z]/.test(clause) ? `${clause[0]?.toLowerCase()}${clause.slice(1)}` : clause;
}

/**
 * The run's probable cause in one sentence, for the end of a report: "3 failing; probable
 * cause: no worker is running (`no-live-worker`)", where 3 counts the cause and the checks it
 * explains; checks that fail or error on their own are named after it. Undefined when no
 * failing check explains another.
 */
export function summarizeProbableCauses(results: readonly CheckResult[]): string | undefined {
  const causes = probableCauses(results);
  if (causes.length === 0) return undefined;
  const grouped = causes.reduce((n, c) => n + 1 + c.explains.length, 0);
  const named = causes.map(({ cause }) => {
    const words = describeCause(cause);
    return words ? `${words} (\`${cause.name}\`)` : `\`${cause.name}\``;
  });
  const inGroup = new Set(causes.flatMap((c) => [c.cause.name, ...c.explains.map((r) => r.name)]));
  const alone = results.filter((r) => r.status !== 'pass' && !inGroup.has(r.name)).map((r) => `\`${r.name}\``);
  const sentence = `${grouped} failing; probable cause${named.length === 1 ? '' : 's'}: ${named.join(', ')}`;
  if (alone.length === 0) return sentence;
  return `${sentence}; on ${alone.length === 1 ? 'its' : 'their'} own: ${alone.join(', ')}`;
}

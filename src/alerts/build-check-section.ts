import type { CheckResult, CheckStatus } from '../checks/check-result.js';
import { formatShort } from '../duration.js';
import { formatOutcome, formatSampleRow, hiddenRows } from '../report/format-values.js';
import type { AlertDecision } from './decide-alerts.js';
import { cutText, escapeMrkdwn, slackMention } from './mrkdwn.js';
import { slackLimits } from './slack-limits.js';

/** Sample rows a message shows per check; the report and `--json` have the rest. */
export const sampleRowsShown = 3;

/**
 * How much of the section each part may take. They add up to under `slackLimits.sectionText`,
 * so a long description or a wide row shortens its own part instead of pushing the runbook out.
 * A cause's section has its runbook's first line (`cause`) and the checks it explains
 * (`folded`) in place of the description.
 */
const budget = {
  name: 120,
  description: 400,
  cause: 170,
  folded: 300,
  outcome: 500,
  sampleRow: 300,
  owner: 200,
  runbook: 800,
} as const;

const emoji: Record<CheckStatus, string> = {
  error: ':x:',
  fail: ':red_circle:',
  warn: ':large_yellow_circle:',
  pass: ':large_green_circle:',
};

const statusWords: Record<CheckStatus, string> = { error: 'error', fail: 'failing', warn: 'warning', pass: 'passing' };

/** How long a check has been firing, as on-call reads it: `45s`, `12m`, `4h 10m`, `2d 3h`. */
const firingAge = (ms: number | null) => formatShort(Math.max(0, ms ?? 0), { secondsBelowMs: 60_000, separator: ' ' });

/**
 * The mrkdwn of one check's section: status emoji, name and what changed; the description; the
 * value or violation count against its threshold (or why it could not run); up to three sample
 * rows in a code block; the owner (mentioned while firing, named when resolved) and the runbook.
 * A cause (a check that explains others, `decision.explains`) has its runbook's first line in
 * place of the description, and folds the checks it explains into one line under its outcome.
 * `compact` keeps the first line, the outcome, the folded line and the owner, for a message with many checks.
 * Always within `slackLimits.sectionText`.
 */
export function buildCheckSection(decision: AlertDecision, detail: 'full' | 'compact' = 'full'): string {
  const { result, kind } = decision;
  if (decision.removedFrom !== undefined) return removedSection(decision);
  const resolved = kind === 'resolved';
  const title = `${resolved ? ':white_check_mark:' : emoji[result.status]} *${escapeMrkdwn(cutText(result.name, budget.name))}* · ${headline(decision)}`;
  const owner = ownerText(decision, detail === 'compact' ? 100 : budget.owner);
  const folded = resolved ? undefined : foldedText(decision);
  if (detail === 'compact') {
    const line = [title, cutText(outcome(result), 200), folded, owner].filter(Boolean).join(' · ');
    return cutText(line, slackLimits.sectionText);
  }
  // A cause leads with what its runbook says first: the one line on-call needs to act on.
  const cause = folded && result.runbook ? runbookFirstLine(result.runbook) : undefined;
  const lines = [
    title,
    cause ?? cutText(escapeMrkdwn(result.description.replace(/\s+/g, ' ')), budget.description),
    cutText(outcome(result), budget.outcome),
    ...(folded ? [folded] : []),
  ];
  if (!resolved && result.error === null && result.status !== 'pass') lines.push(...samples(result));
  if (owner) lines.push(owner);
  if (!resolved && result.runbook) lines.push(runbookText(result.runbook));
  return cutText(lines.join('\n'), slackLimits.sectionText);
}

/**
 * The checks a cause explains, on one line: "Also failing because of it: `pending-job-age`,
 * `submitted-without-sitemaps`"; undefined when it explains none.
 */
function foldedText({ explains }: AlertDecision): string | undefined {
  if (explains.length === 0) return undefined;
  const names = explains.map((name) => `\`${escapeMrkdwn(name)}\``).join(', ');
  return cutText(`Also failing because of it: ${names}`, budget.folded);
}

/** The first line of a runbook, in bold (a link runbook has none to quote). */
function runbookFirstLine(runbook: string): string | undefined {
  const first = runbook.trim().split('\n')[0]?.trim();
  if (!first || /^https?:\/\/\S+$/.test(first)) return undefined;
  return `*${cutText(escapeMrkdwn(first).replace(/\*/g, ''), budget.cause - 2)}*`;
}

/** A check resolved because its file no longer has it: it says so, rather than that it passes. */
function removedSection(decision: AlertDecision): string {
  const { result, previous, firingForMs } = decision;
  const was = previous?.notifiedStatus ? statusWords[previous.notifiedStatus] : 'firing';
  const title = `:white_check_mark: *${escapeMrkdwn(cutText(result.name, budget.name))}* · *resolved*: no longer in the checks file`;
  const why = `It was ${was} for ${firingAge(firingForMs)}, then removed or renamed in ${escapeMrkdwn(cutText(decision.removedFrom ?? '', 300))}; it no longer runs, and its alert state is cleared.`;
  return cutText(`${title}\n${why}`, slackLimits.sectionText);
}

/** What changed: `failing`, `failing (was warning)`, `still failing after 4h 10m`, `resolved after 4h 10m`. */
function headline(decision: AlertDecision): string {
  const { result, kind, previous, firingForMs } = decision;
  const age = firingAge(firingForMs);
  const status = statusWords[result.status];
  if (kind === 'resolved') {
    return `*resolved* after ${age} of failing${result.status === 'pass' ? '' : ` (now ${status})`}`;
  }
  if (kind === 'repeat') return `still *${status}* after ${age}`;
  const was = previous?.notifiedStatus;
  return was ? `*${status}* (was ${statusWords[was]} for ${age})` : `*${status}*`;
}

/** `*18 rows* (threshold: any row)`, `value *42* (threshold: warn > 40, fail > 100)`, or the error. */
function outcome(result: CheckResult): string {
  if (result.error !== null) return `Could not run: ${escapeMrkdwn(result.error.replace(/\s+/g, ' '))}`;
  const found = formatOutcome(result);
  const shown = result.kind === 'metric' ? `value *${escapeMrkdwn(found)}*` : `*${found}*`;
  return `${shown} (threshold: ${escapeMrkdwn(result.threshold)})`;
}

/** Up to three sample rows, one per line in a code block, and how many more there are. */
function samples(result: CheckResult): string[] {
  const shown = result.sampleRows.slice(0, sampleRowsShown);
  if (shown.length === 0) return [];
  // A value holding ``` would close the code block early; a zero-width space keeps it shut.
  const rows = shown.map((row) =>
    cutText(escapeMrkdwn(formatSampleRow(row)).replace(/```/g, '`\u200b``'), budget.sampleRow),
  );
  const more = hiddenRows(result, shown.length);
  const lines = [`\`\`\`\n${rows.join('\n')}\n\`\`\``];
  if (more > 0) lines.push(`…and ${more} more row${more === 1 ? '' : 's'}`);
  return lines;
}

/**
 * `Owner: <@U…> (pipeline-oncall)` while firing; on resolution only the name, since a
 * resolution is good news nobody needs to be woken for.
 */
function ownerText({ result, settings, kind }: AlertDecision, max: number): string | undefined {
  const name = result.owner ? cutText(escapeMrkdwn(result.owner), max) : undefined;
  const mention = settings.slackMention && kind !== 'resolved' ? slackMention(settings.slackMention) : undefined;
  if (mention) return `Owner: ${mention}${name ? ` (${name})` : ''}`;
  return name ? `Owner: ${name}` : undefined;
}

/** A runbook URL as a link; a text runbook quoted, shortened to its budget. */
function runbookText(runbook: string): string {
  const text = runbook.trim();
  if (/^https?:\/\/\S+$/.test(text)) return `<${escapeMrkdwn(text).replace(/\|/g, '%7C')}|Runbook>`;
  const quoted = escapeMrkdwn(text)
    .split('\n')
    .map((line) => `>${line}`)
    .join('\n');
  return `*Runbook*\n${cutText(quoted, budget.runbook)}`;
}

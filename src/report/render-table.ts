import Table from 'cli-table3';
import type { CheckRun, CheckStatus } from '../checks/check-result.js';
import { summarizeProbableCauses } from '../checks/probable-causes.js';
import { formatElapsed } from '../duration.js';
import { explainedText, formatOutcome, formatSampleRow, hiddenRows, wrapText } from './format-values.js';

export interface TableOptions {
  /** ANSI colours for the status words (on a TTY). */
  color?: boolean;
  /** The width to fit sample rows into (the terminal's columns); default 120. */
  width?: number;
  /** Sample rows to show per check (default 3; the JSON report has them all). */
  sampleRows?: number;
}

const colors: Record<CheckStatus, string> = { pass: '32', warn: '33', fail: '31', error: '35;1' };

/**
 * The human report: one table row per check (status, name, rows found or metric value,
 * threshold, duration); under the table, for each check that did not pass, its error or its
 * first sample rows and what explains it, and the note of a check that passed with one; then a
 * summary line with the exit code, and last, when failing checks explain others, the probable
 * cause in one sentence.
 */
export function renderTable(run: CheckRun, options: TableOptions = {}): string {
  const width = options.width ?? 120;
  const keep = options.sampleRows ?? 3;
  const paint = (status: CheckStatus, text: string) =>
    options.color ? `\u001b[${colors[status]}m${text}\u001b[0m` : text;

  const table = new Table({
    head: ['status', 'check', 'result', 'threshold', 'duration'],
    style: { head: [], border: [], compact: true },
  });
  const details: string[] = [];
  for (const result of run.checks) {
    table.push([
      paint(result.status, result.status),
      result.name,
      formatOutcome(result),
      result.threshold,
      formatElapsed(result.durationMs),
    ]);
    if (result.status === 'pass') {
      if (result.note !== null) details.push('', `${paint('pass', 'pass')} ${result.name}: ${result.note}`);
      continue;
    }
    // Sample rows are wider than any column; they go under the table, one block per check.
    const explained = explainedText(result);
    details.push(
      '',
      `${paint(result.status, result.status)} ${result.name}: ${result.error === null ? formatOutcome(result) : 'error'}${explained ? ` — ${explained}` : ''}`,
    );
    if (result.error !== null) {
      details.push(...wrapText([result.error], width - 2).map((line) => `  ${line}`));
      continue;
    }
    const shown = result.sampleRows.slice(0, keep);
    details.push(...shown.map((row) => `  ${formatSampleRow(row, width - 2)}`));
    const more = hiddenRows(result, shown.length);
    if (more > 0) details.push(`  …and ${more} more`);
  }

  const summary = (['pass', 'warn', 'fail', 'error'] as const).map((s) => `${run.counts[s]} ${s}`).join(', ');
  const lines = [
    `pipectl check: ${paint(run.status, run.status)} (${run.checks.length} check${run.checks.length === 1 ? '' : 's'} from ${run.config}, ${run.backend})`,
    table.toString(),
    ...details,
    '',
    `${summary}; exit ${run.exitCode}${run.failOn === 'warn' ? ' (--fail-on warn)' : ''}`,
  ];
  if (run.recordError !== null) lines.push(run.recordError);
  const cause = summarizeProbableCauses(run.checks);
  if (cause !== undefined) lines.push(cause);
  return `${lines.join('\n')}\n`;
}

import type { CheckResult, CheckRun } from '../checks/check-result.js';
import { summarizeProbableCauses } from '../checks/probable-causes.js';
import { formatElapsed } from '../duration.js';
import { explainedText, formatCell, formatOutcome, hiddenRows } from './format-values.js';

/**
 * Escapes prose (a description, owner or runbook) as cells are escaped: `<…>` would be read as
 * HTML by GitHub and GitLab, and `&amp;` as an entity. Line breaks stay, since they are the text's own.
 */
function prose(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/**
 * Escapes text for a Markdown table cell: as prose, and pipes would end the cell, newlines the row.
 */
function cell(text: string): string {
  return prose(text).replace(/\\/g, '\\\\').replace(/\|/g, '\\|').replace(/\r?\n/g, ' ');
}

function sampleTable(rows: Record<string, unknown>[]): string[] {
  const columns = [...new Set(rows.flatMap((row) => Object.keys(row)))];
  if (columns.length === 0) return [];
  return [
    `| ${columns.map(cell).join(' | ')} |`,
    `| ${columns.map(() => '---').join(' | ')} |`,
    ...rows.map((row) => `| ${columns.map((c) => cell(formatCell(row[c]))).join(' | ')} |`),
  ];
}

function section(result: CheckResult): string[] {
  const explained = explainedText(result);
  const lines = [
    `### ${result.status}: ${result.name}${explained ? ` (${explained})` : ''}`,
    '',
    prose(result.description),
    '',
  ];
  if (result.error !== null) lines.push(`**Error:** ${cell(result.error)}`, '');
  else lines.push(`**Found:** ${formatOutcome(result)} (threshold: ${result.threshold})`, '');
  if (result.sampleRows.length > 0) {
    lines.push(...sampleTable(result.sampleRows));
    const more = hiddenRows(result, result.sampleRows.length);
    lines.push(...(more > 0 ? ['', `…and ${more} more`] : []), '');
  }
  if (result.owner) lines.push(`**Owner:** ${prose(result.owner)}`, '');
  if (result.runbook) lines.push('**Runbook:**', '', prose(result.runbook), '');
  return lines;
}

/**
 * A Markdown report for pull requests, issues and post-mortems: a summary table, then a
 * section for every check that did not pass with its sample rows and runbook.
 */
export function renderMarkdown(run: CheckRun): string {
  const counts = (['pass', 'warn', 'fail', 'error'] as const).map((s) => `${run.counts[s]} ${s}`).join(', ');
  const lines = [
    `## pipectl check: ${run.status}`,
    '',
    `${run.checks.length} checks from \`${run.config}\` on ${run.backend}: ${counts}. Exit code ${run.exitCode}.`,
    '',
    '| status | check | result | threshold | duration |',
    '| --- | --- | --- | --- | --- |',
    ...run.checks.map(
      (r) =>
        `| ${r.status}${r.explainedBy === null ? '' : ` (${explainedText(r)})`} | ${cell(r.name)} | ${cell(formatOutcome(r))}${r.note === null ? '' : ` (${cell(r.note)})`} | ${cell(r.threshold)} | ${formatElapsed(r.durationMs)} |`,
    ),
    '',
  ];
  for (const result of run.checks) if (result.status !== 'pass') lines.push(...section(result));
  if (run.recordError !== null) lines.push(`> ${prose(run.recordError)}`, '');
  const cause = summarizeProbableCauses(run.checks);
  if (cause !== undefined) lines.push(`**${prose(cause)}**`, '');
  return `${lines.join('\n').trimEnd()}\n`;
}

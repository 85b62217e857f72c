import type { CheckResult } from '../checks/check-result.js';

// Timestamps arrive as PostgreSQL's JSON form, `2025-11-17T09:05:00.123456+00:00`.
const isoTimestamp = /^(\d{4}-\d{2}-\d{2})T(\d{2}:\d{2}:\d{2})(?:\.\d+)?(?:\+00:00|Z)$/;

/** One sample-row value as text: timestamps to the second in UTC, objects as JSON. */
export function formatCell(value: unknown): string {
  if (value === null || value === undefined) return 'null';
  if (typeof value === 'string') {
    const ts = isoTimestamp.exec(value);
    return ts ? `${ts[1]} ${ts[2]}Z` : value;
  }
  if (typeof value === 'object') return JSON.stringify(value);
  return String(value);
}

/** A sample row on one line, `key=value key=value`, cut to `width` characters with an ellipsis. */
export function formatSampleRow(row: Record<string, unknown>, width = Number.POSITIVE_INFINITY): string {
  const line = Object.entries(row)
    .map(([k, v]) => `${k}=${formatCell(v).replace(/\s+/g, ' ')}`)
    .join('  ');
  return line.length > width ? `${line.slice(0, Math.max(0, width - 1))}…` : line;
}

/**
 * What a check found: `18 rows`, `0 rows`, a metric value (with its baseline: `5 (baseline 100)`),
 * or `—` when it could not run.
 */
export function formatOutcome(result: CheckResult): string {
  if (result.status === 'error') return '—';
  if (result.kind === 'metric') {
    if (result.value === null) return '—';
    return result.baseline === null ? String(result.value) : `${result.value} (baseline ${result.baseline})`;
  }
  const n = result.violations ?? 0;
  return `${n} row${n === 1 ? '' : 's'}`;
}

/** "explained by `no-live-worker`" for a check whose failure another one explains; undefined otherwise. */
export function explainedText(result: CheckResult): string | undefined {
  return result.explainedBy === null ? undefined : `explained by \`${result.explainedBy}\``;
}

/** How many violating rows a result has beyond those it shows. */
export function hiddenRows(result: CheckResult, shown: number): number {
  return result.kind === 'row' ? Math.max(0, (result.violations ?? 0) - shown) : 0;
}

/** Hard-wraps lines at spaces (or mid-word when a word is too long) so that a table keeps its width. */
export function wrapText(lines: readonly string[], width: number): string[] {
  return lines.flatMap((line) => {
    const out: string[] = [];
    let rest = line;
    while (rest.length > width) {
      const space = rest.lastIndexOf(' ', width);
      const at = space > width / 2 ? space : width;
      out.push(rest.slice(0, at));
      rest = rest.slice(at).trimStart();
    }
    out.push(rest);
    return out;
  });
}

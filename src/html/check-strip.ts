import type { HistoryBucket } from '../checks/read-check-history.js';
import type { CheckStatus } from '../db/schema.js';
import { escapeHtml, utcMinute } from './escape-html.js';

/** The time axis of a page's strips: the window's start, its bucket size and how many cells it has. */
export interface StripAxis {
  since: Date;
  bucketSeconds: number;
  cells: number;
}

const colors: Record<CheckStatus, string> = { pass: '#1a7f37', warn: '#bf8700', fail: '#cf222e', error: '#8250df' };
/** Each status at its own height (out of 10), so the strip reads without colour: pass low, fail full. */
const heights: Record<CheckStatus, number> = { pass: 4, warn: 7, fail: 10, error: 10 };

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

/** What a run of cells held, in words: `fail: 12 runs (10 fail, 2 pass)`. */
function describe(status: CheckStatus, counts: Record<CheckStatus, number>): string {
  const total = counts.pass + counts.warn + counts.fail + counts.error;
  const parts = (['fail', 'error', 'warn', 'pass'] as const)
    .filter((s) => counts[s] > 0)
    .map((s) => `${counts[s]} ${s}`);
  return `${status}: ${plural(total, 'run')} (${parts.join(', ')})`;
}

/**
 * A check's history as one strip of cells, one per bucket of the axis, coloured and sized by
 * the bucket's worst status; buckets without a run stay empty. Neighbouring cells of one status
 * are drawn as one rectangle with one tooltip, which keeps a month of 5-minute runs small.
 */
export function renderStrip(buckets: readonly HistoryBucket[], axis: StripAxis, label: string): string {
  const shapes: string[] = [];
  const cellStart = (i: number) => new Date(axis.since.getTime() + i * axis.bucketSeconds * 1000);
  let i = 0;
  while (i < buckets.length) {
    const first = buckets[i] as HistoryBucket;
    const counts = { ...first.counts };
    let j = i + 1;
    let last = first;
    while (j < buckets.length) {
      const next = buckets[j] as HistoryBucket;
      if (next.status !== first.status || next.index !== last.index + 1) break;
      for (const s of ['pass', 'warn', 'fail', 'error'] as const) counts[s] += next.counts[s];
      last = next;
      j++;
    }
    const x = first.index;
    const w = last.index - first.index + 1;
    const h = heights[first.status];
    const title = `${utcMinute(cellStart(first.index))} → ${utcMinute(cellStart(last.index + 1))}: ${describe(first.status, counts)}`;
    const notch = first.status === 'error' ? `<rect x="${x}" y="4" width="${w}" height="2" fill="#fff"/>` : '';
    shapes.push(
      `<g><title>${escapeHtml(title)}</title><rect x="${x}" y="${10 - h}" width="${w}" height="${h}" fill="${colors[first.status]}"/>${notch}</g>`,
    );
    i = j;
  }
  return `<svg class="strip" viewBox="0 0 ${axis.cells} 10" preserveAspectRatio="none" role="img" aria-label="${escapeHtml(label)}"><rect x="0" y="9.5" width="${axis.cells}" height="0.5" fill="#d0d7de"/>${shapes.join('')}</svg>`;
}

/**
 * A metric check's value over the axis: a line through each bucket's last value, broken where
 * buckets have no value, scaled from the lowest to the highest value shown.
 */
export function renderSparkline(buckets: readonly HistoryBucket[], axis: StripAxis, label: string): string {
  const points = buckets.filter((b) => b.value !== null) as (HistoryBucket & { value: number })[];
  if (points.length === 0) return '';
  const lo = Math.min(0, ...points.map((p) => p.minValue ?? p.value));
  const hi = Math.max(...points.map((p) => p.maxValue ?? p.value));
  const y = (v: number) => (hi === lo ? 20 : 38 - ((v - lo) / (hi - lo)) * 36).toFixed(1);
  const lines: string[][] = [];
  let previous = Number.NaN;
  for (const p of points) {
    if (p.index !== previous + 1) lines.push([]);
    lines.at(-1)?.push(`${p.index + 0.5},${y(p.value)}`);
    previous = p.index;
  }
  const paths = lines
    .map((pts) =>
      pts.length === 1
        ? `<circle cx="${pts[0]?.split(',')[0]}" cy="${pts[0]?.split(',')[1]}" r="1.5" fill="#0969da"/>`
        : `<polyline points="${pts.join(' ')}" fill="none" stroke="#0969da" stroke-width="1.5" vector-effect="non-scaling-stroke"/>`,
    )
    .join('');
  return `<svg class="spark" viewBox="0 0 ${axis.cells} 40" preserveAspectRatio="none" role="img" aria-label="${escapeHtml(label)}"><rect x="0" y="39.5" width="${axis.cells}" height="0.5" fill="#d0d7de"/>${paths}</svg>`;
}

import type { ImpactDay } from '../audit/assess-impact.js';
import { waitingAtEnd } from '../audit/render-audit.js';
import { escapeHtml } from './escape-html.js';

/** The chart's series: what came in and out per day, each with its own colour and dash (readable in grey). */
const series = [
  { key: 'domainsSubmitted', label: 'domains submitted', color: '#0969da', dash: '' },
  { key: 'sitemapFiles', label: 'sitemap files (WF4)', color: '#1a7f37', dash: '6 3' },
  { key: 'pages', label: 'pages (WF5)', color: '#8250df', dash: '2 2' },
  { key: 'contacts', label: 'contacts (WF7)', color: '#9a6700', dash: '8 3 2 3' },
] as const;

const width = 720;
const height = 220;
const pad = { left: 44, right: 12, top: 12, bottom: 22 };

/** A round axis maximum at or above `n`: 1, 2, 5 × 10^k. */
function niceMax(n: number): number {
  if (n <= 0) return 1;
  const p = 10 ** Math.floor(Math.log10(n));
  return ([1, 2, 5, 10].find((m) => m * p >= n) ?? 10) * p;
}

/**
 * Output per day (domains submitted, sitemap files, pages, contacts) drawn over the work
 * waiting at each day's end (the impact report's backlog, shaded): in the incident, the flat
 * lines at zero under a backlog that grows every day. Inline SVG with its legend in HTML.
 */
export function renderOutputChart(days: readonly ImpactDay[]): string {
  const n = days.length;
  const values = days.flatMap((d) => [waitingAtEnd(d), ...series.map((s) => d[s.key])]);
  const top = niceMax(Math.max(0, ...values));
  const plotW = width - pad.left - pad.right;
  const plotH = height - pad.top - pad.bottom;
  const x = (i: number) => (pad.left + (n <= 1 ? plotW / 2 : (i / (n - 1)) * plotW)).toFixed(1);
  const y = (v: number) => (pad.top + plotH - (v / top) * plotH).toFixed(1);
  const line = (pick: (d: ImpactDay) => number) => days.map((d, i) => `${x(i)},${y(pick(d))}`).join(' ');
  const backlog = line(waitingAtEnd);
  const area =
    n > 0
      ? `<polygon points="${x(0)},${y(0)} ${backlog} ${x(n - 1)},${y(0)}" fill="#cf222e" fill-opacity="0.12"/><polyline points="${backlog}" fill="none" stroke="#cf222e" stroke-width="2.5"/>`
      : '';
  const lines = series
    .map(
      (s) =>
        `<polyline points="${line((d) => d[s.key])}" fill="none" stroke="${s.color}" stroke-width="2"${s.dash ? ` stroke-dasharray="${s.dash}"` : ''}/>`,
    )
    .join('');
  const dots =
    n === 1
      ? series.map((s) => `<circle cx="${x(0)}" cy="${y(days[0]?.[s.key] ?? 0)}" r="3" fill="${s.color}"/>`).join('')
      : '';
  const grid = [0, 0.5, 1]
    .map((f) => {
      const v = top * f;
      return `<line x1="${pad.left}" x2="${width - pad.right}" y1="${y(v)}" y2="${y(v)}" stroke="#d0d7de" stroke-width="1"/><text x="${pad.left - 6}" y="${Number(y(v)) + 4}" text-anchor="end" font-size="11" fill="#59636e">${Math.round(v)}</text>`;
    })
    .join('');
  const first = days[0]?.day ?? '';
  const last = days.at(-1)?.day ?? '';
  const labels =
    n > 0
      ? `<text x="${pad.left}" y="${height - 6}" font-size="11" fill="#59636e">${escapeHtml(first)}</text><text x="${width - pad.right}" y="${height - 6}" font-size="11" fill="#59636e" text-anchor="end">${escapeHtml(last)}</text>`
      : '';
  const summary = `Output per day from ${first} to ${last}, and the work waiting at each day's end (at most ${Math.max(0, ...days.map(waitingAtEnd))}).`;
  const legend = [
    `<li><svg viewBox="0 0 28 10" aria-hidden="true"><rect x="0" y="2" width="28" height="6" fill="#cf222e" fill-opacity="0.25" stroke="#cf222e"/></svg> waiting at the day's end (jobs and queued domains)</li>`,
    ...series.map(
      (s) =>
        `<li><svg viewBox="0 0 28 10" aria-hidden="true"><line x1="0" x2="28" y1="5" y2="5" stroke="${s.color}" stroke-width="2"${s.dash ? ` stroke-dasharray="${s.dash}"` : ''}/></svg> ${escapeHtml(s.label)}</li>`,
    ),
  ].join('');
  return `<svg class="chart" id="output-chart" viewBox="0 0 ${width} ${height}" role="img" aria-label="${escapeHtml(summary)}"><title>${escapeHtml(summary)}</title>${grid}${area}${lines}${dots}${labels}</svg>
<ul class="legend">${legend}</ul>`;
}

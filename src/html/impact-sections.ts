import type { Impact } from '../audit/assess-impact.js';
import { impactColumns, impactRows, stuckColumns, stuckRows } from '../audit/render-audit.js';
import { escapeHtml } from './escape-html.js';
import { htmlTable } from './html-document.js';
import { renderOutputChart } from './output-chart.js';

/** The impact report's chart and its per-day table, the part the status page shares with `audit impact --format html`. */
export function renderOutputSection(impact: Impact): string {
  return `${renderOutputChart(impact.days)}
<details><summary>per-day numbers</summary>
${htmlTable(impactColumns, [...impactRows(impact)].reverse())}
<p class="meta">waiting: jobs pending or running and domains queued at the day's end (UTC days, newest first).</p>
</details>`;
}

/** Stuck work as `audit stuck` lists it (older than 15 minutes), or a line saying there is none. */
export function renderStuckSection(impact: Impact): string {
  return impact.stuck.length
    ? htmlTable(stuckColumns, stuckRows(impact.stuck), [1, 4])
    : '<p>Nothing stuck for longer than 15 minutes.</p>';
}

/** The impact report in HTML: the summary sentence, the streaks, the chart, the totals and the tables. */
export function renderImpactSections(impact: Impact): string {
  const t = impact.totals;
  const streaks = impact.streaks.length
    ? `<h2>Zero-output streaks per stage</h2><ul class="sentences">${impact.streaks.map((s) => `<li>${escapeHtml(s.sentence)}</li>`).join('')}</ul>`
    : '';
  return `<p class="note" id="impact-summary"><strong>Summary:</strong> ${escapeHtml(impact.summary)}.</p>
${streaks}
<h2>Output per day and work waiting</h2>
${renderOutputChart(impact.days)}
<p><strong>Totals:</strong> ${t.domainsSubmitted} domains submitted, ${t.sitemapJobsCompleted} sitemap jobs completed, ${t.sitemapJobsFailed} failed, ${t.sitemapFiles} sitemap files, ${t.pages} pages, ${t.contacts} contacts.</p>
${htmlTable(impactColumns, impactRows(impact))}
<p class="meta">waiting: jobs pending or running and domains queued at the day's end. Days are UTC.</p>
<h2>Still stuck (older than 15 minutes)</h2>
${renderStuckSection(impact)}`;
}

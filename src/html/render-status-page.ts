import { stageOfJobType } from '../audit/audit-stage.js';
import { userJobTypes } from '../db/schema.js';
import { formatShort } from '../duration.js';
import { renderSparkline, renderStrip } from './check-strip.js';
import { escapeHtml, utcMinute } from './escape-html.js';
import { overallStatus, type StatusCheck, type StatusData } from './gather-status.js';
import { htmlDocument, htmlTable, statusBadge } from './html-document.js';
import { renderOutputSection, renderStuckSection } from './impact-sections.js';

const backendNames = { postgres: 'PostgreSQL server', pglite: 'embedded (PGlite)' } as const;

/** Text with its http(s) links made clickable; everything escaped first. */
function linkify(text: string): string {
  return escapeHtml(text).replace(/https?:\/\/[^\s<>"']+/g, (url) => `<a href="${url}">${url}</a>`);
}

/** A runbook: a lone link as a link, prose (with its links) folded under "runbook". */
function runbook(text: string | undefined): string {
  if (!text) return '';
  const trimmed = text.trim();
  if (/^https?:\/\/\S+$/.test(trimmed)) return `<p class="meta">runbook: ${linkify(trimmed)}</p>`;
  return `<details class="runbook"><summary>runbook</summary><pre>${linkify(trimmed)}</pre></details>`;
}

/** What the latest run found: `18 rows`, a value, or the error. */
function found(c: StatusCheck): string {
  const now = c.now;
  if (!now) return '';
  if (now.status === 'error') return `error: ${now.error ?? 'unknown'}`;
  if (now.value !== null) return `value ${now.value}`;
  if (now.violations !== null) return `${now.violations} row${now.violations === 1 ? '' : 's'}`;
  return '';
}

function checkSection(c: StatusCheck, d: StatusData): string {
  const now = c.now;
  const status = now?.status ?? 'no runs';
  const ageMs = (at: Date) => d.generatedAt.getTime() - at.getTime();
  const facts = [
    now?.notPassingSince
      ? `<strong>${escapeHtml(now.status)} since ${escapeHtml(utcMinute(now.notPassingSince))}</strong> (${escapeHtml(formatShort(Math.max(0, ageMs(now.notPassingSince))))})`
      : '',
    c.explainedBy ? `explained by <span class="explained-by">${escapeHtml(c.explainedBy)}</span>` : '',
    now ? `last run ${escapeHtml(utcMinute(now.at))}: ${escapeHtml(found(c))}` : 'never run in this database',
    c.definition?.owner ? `owner: <span class="owner">${escapeHtml(c.definition.owner)}</span>` : '',
    c.definition ? '' : `not in ${escapeHtml(d.checksPath)}`,
  ].filter(Boolean);
  const label = `${c.name}: history over ${d.days} days`;
  const metric = c.definition?.kind === 'metric' || c.buckets.some((b) => b.value !== null);
  const values = c.buckets.filter((b) => b.value !== null);
  const range = values.length
    ? `value over time: lowest ${Math.min(...values.map((b) => b.minValue ?? 0))}, highest ${Math.max(...values.map((b) => b.maxValue ?? 0))}`
    : '';
  return `<section class="check" id="check-${escapeHtml(c.name)}" data-status="${escapeHtml(status)}">
<div class="check-head">${statusBadge(status, now ? status : 'none')} <span class="name">${escapeHtml(c.name)}</span></div>
${c.definition ? `<p class="desc">${escapeHtml(c.definition.description)}</p>` : ''}
<p class="meta">${facts.join(' · ')}</p>
${renderStrip(c.buckets, d.axis, label)}
${metric && values.length ? `${renderSparkline(c.buckets, d.axis, `${c.name}: value over time`)}<p class="meta">${escapeHtml(range)}</p>` : ''}
${runbook(c.definition?.runbook)}
</section>`;
}

function queueSection(d: StatusData): string {
  const rows = userJobTypes.map((type) => {
    const pending = d.queue.find((q) => q.jobType === type && q.status === 'pending');
    const running = d.queue.find((q) => q.jobType === type && q.status === 'running');
    const oldest = pending?.oldestSeconds;
    return [
      `${stageOfJobType[type]} ${type}`,
      pending?.count ?? 0,
      running?.count ?? 0,
      oldest === null || oldest === undefined ? '—' : formatShort(oldest * 1000),
    ];
  });
  return htmlTable(['stage', 'pending', 'running', 'oldest runnable waiting'], rows);
}

function workersSection(d: StatusData): string {
  if (d.workers.length === 0) return `<p><strong>No worker</strong> has run in the last ${d.days} days.</p>`;
  const live = d.workers.filter((w) => w.state === 'live').length;
  return `<p>${live} live of ${d.workers.length} listed (live: a heartbeat within 2 minutes).</p>
${htmlTable(
  ['worker', 'host', 'version', 'state', 'last heartbeat', 'started'],
  d.workers.map((w) => [
    w.workerId,
    w.hostname,
    w.version,
    w.state,
    `${formatShort(Math.max(0, w.heartbeatAgeSeconds) * 1000)} ago`,
    utcMinute(w.startedAt),
  ]),
  [0],
)}`;
}

/**
 * The status page: one self-contained HTML file (inline CSS and SVG, no script, nothing
 * fetched) built from the tables pipectl keeps: overall status, each check's status, history
 * strip, metric values, since when it has not passed, owner and runbook; output per day over
 * the backlog; the queue, the workers and stuck work now. Every status is also a word.
 */
export function renderStatusPage(d: StatusData): string {
  const ran = d.checks.filter((c) => c.now !== undefined);
  const overall = overallStatus(d);
  const activity =
    d.impact.days.some(
      (day) =>
        day.domainsSubmitted + day.sitemapFiles + day.pages + day.contacts + day.waitingJobs + day.queuedDomains > 0,
    ) ||
    d.queue.length > 0 ||
    d.workers.length > 0;
  const empty =
    ran.length === 0 && !activity
      ? `<p class="note" id="no-history"><strong>No history yet.</strong> No check has run on this database and no work has been recorded. Run <code>pipectl check</code> (from cron, every 5 minutes) and this page fills in.</p>`
      : ran.length === 0
        ? `<p class="note" id="no-history"><strong>No check history yet.</strong> No check has run on this database: run <code>pipectl check</code> from cron, every 5 minutes.</p>`
        : '';
  const title = `pipectl status${d.envName ? `: ${d.envName}` : ''}`;
  const facts = [
    `generated ${utcMinute(d.generatedAt)}`,
    d.envName ? `environment ${d.envName}` : '',
    `database: ${backendNames[d.backend]}`,
    `checks: ${d.checksPath}`,
    `history: last ${d.days} day${d.days === 1 ? '' : 's'}, one cell per ${formatShort(d.axis.bucketSeconds * 1000)}`,
  ].filter(Boolean);
  const counts = (['fail', 'error', 'warn', 'pass'] as const)
    .map((s) => `${ran.filter((c) => c.now?.status === s).length} ${s}`)
    .join(', ');
  return htmlDocument(
    title,
    `<header>
<h1>${escapeHtml(title)} ${overall ? statusBadge(overall) : statusBadge('no history', 'none')}</h1>
<p class="meta" id="facts">${facts.map(escapeHtml).join(' · ')}</p>
<p id="overall">overall: <strong>${escapeHtml(overall ?? 'no history yet')}</strong>${ran.length ? ` (${counts})` : ''}</p>
</header>
${empty}
<h2 id="checks">Checks</h2>
<p class="meta">Each strip runs from ${escapeHtml(utcMinute(d.axis.since))} (left) to now (right); a cell is the worst status of its runs: pass low, warn higher, fail full height, error full with a notch, no run empty. Hover a cell for its runs.</p>
${d.checks.map((c) => checkSection(c, d)).join('\n')}
<h2 id="output">Output per day and work waiting (last ${d.days} days)</h2>
<p>${escapeHtml(d.impact.summary)}.</p>
${renderOutputSection(d.impact)}
<h2 id="now">Now</h2>
<h3>Queue</h3>
${queueSection(d)}
<h3>Workers</h3>
${workersSection(d)}
<h3>Stuck work (as <code>pipectl audit stuck</code>)</h3>
${renderStuckSection(d.impact)}`,
  );
}

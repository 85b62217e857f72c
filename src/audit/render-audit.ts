import { renderTable } from '../cli/table.js';
import { formatShort } from '../duration.js';
import type { Impact, ImpactDay } from './assess-impact.js';
import type { Verdict } from './domain-verdict.js';
import type { StuckGroup } from './find-stuck-work.js';
import type { DomainTrace } from './trace-domain.js';

const utc = (d: Date | null) => (d ? `${d.toISOString().slice(0, 19).replace('T', ' ')}` : '');
/** An age; a timestamp after the database clock (plain SQL, clock skew) says so instead of "-2591994s". */
const age = (ms: number) => (ms >= 0 ? formatShort(ms) : `${formatShort(-ms)} in the future: clock skew?`);
const mark: Record<Verdict['state'], string> = { broken: '✗', waiting: '…', 'in-progress': '→', healthy: '✓' };

/** Markdown table (for post-mortems and tickets). */
function mdTable(head: string[], rows: (string | number)[][]): string {
  const esc = (v: string | number) => String(v).replaceAll('|', '\\|').replaceAll('\n', ' ');
  return [
    `| ${head.join(' | ')} |`,
    `| ${head.map(() => '---').join(' | ')} |`,
    ...rows.map((r) => `| ${r.map(esc).join(' | ')} |`),
  ].join('\n');
}

function domainSections(t: DomainTrace) {
  const now = t.now.getTime();
  const jobs = t.jobs.map((j) => [
    j.job_type,
    j.job_id,
    j.status,
    `${j.attempts}/${j.max_attempts}`,
    age(now - j.created_at.getTime()),
    j.locked_by ?? '',
    (j.last_error ?? '').slice(0, 80),
  ]);
  const events = t.events.map((e) => [
    utc(e.at),
    e.job_type,
    `${e.from_status ?? '∅'} → ${e.to_status}`,
    e.attempt,
    e.worker_id ?? '',
    (e.message ?? '').slice(0, 60),
  ]);
  const kinds =
    Object.entries(t.sitemapFiles.byKind)
      .map(([k, n]) => `${k} ${n}`)
      .join(', ') || 'none';
  const outputs = `sitemap files ${t.sitemapFiles.total} (${kinds}; ${t.sitemapFiles.failed} with errors) · pages ${t.pages.total} (${
    Object.entries(t.pages.byScanStatus)
      .map(([k, n]) => `${k} ${n}`)
      .join(', ') || 'none'
  }) · contacts ${t.contacts.total} (${t.contacts.emails} emails, ${t.contacts.phones} phones)`;
  const workers =
    t.workers.live > 0
      ? `${t.workers.live} live`
      : `none live; last heartbeat ${t.workers.lastHeartbeat ? utc(t.workers.lastHeartbeat) : 'never'}`;
  return { jobs, events, outputs, workers };
}

/** `audit domain` for a terminal. */
export function renderDomainAudit(t: DomainTrace, v: Verdict): string {
  const s = domainSections(t);
  const d = t.domain;
  return [
    `${d.domain}: ${d.sitemap_analysis_status} since ${utc(d.updated_at)} UTC (${age(t.now.getTime() - d.updated_at.getTime())})${d.sitemap_analysis_error ? ` — ${d.sitemap_analysis_error}` : ''}`,
    `verdict: ${mark[v.state]} ${v.sentence}`,
    '',
    `outputs: ${s.outputs}`,
    `workers: ${s.workers}`,
    '',
    t.jobsTotal > t.jobs.length ? `jobs (${t.jobs.length} of ${t.jobsTotal}: the live ones and the newest)` : 'jobs',
    s.jobs.length
      ? renderTable(['stage', 'job', 'status', 'attempts', 'age', 'worker', 'last error'], s.jobs)
      : '  (none)',
    '',
    'timeline',
    s.events.length
      ? renderTable(['at (UTC)', 'stage', 'transition', 'attempt', 'worker', 'message'], s.events)
      : '  (no job events)',
  ].join('\n');
}

/** `audit domain --format markdown`. */
export function renderDomainAuditMarkdown(t: DomainTrace, v: Verdict): string {
  const s = domainSections(t);
  return [
    `### Audit: ${t.domain.domain}`,
    '',
    `**Verdict:** ${v.sentence}`,
    '',
    `- status: \`${t.domain.sitemap_analysis_status}\` since ${utc(t.domain.updated_at)} UTC`,
    `- outputs: ${s.outputs}`,
    `- workers: ${s.workers}`,
    '',
    t.jobsTotal > t.jobs.length
      ? `#### Jobs (${t.jobs.length} of ${t.jobsTotal}: the live ones and the newest)`
      : '#### Jobs',
    '',
    s.jobs.length ? mdTable(['stage', 'job', 'status', 'attempts', 'age', 'worker', 'last error'], s.jobs) : '_none_',
    '',
    '#### Timeline',
    '',
    s.events.length
      ? mdTable(['at (UTC)', 'stage', 'transition', 'attempt', 'worker', 'message'], s.events)
      : '_no job events_',
    '',
  ].join('\n');
}

/** The columns of stuck work, and one row per group (examples cut to `examplesWidth` characters). */
export const stuckColumns = ['stage', 'stuck', 'count', 'oldest', 'examples'];
export function stuckRows(groups: StuckGroup[], examplesWidth = Number.POSITIVE_INFINITY): (string | number)[][] {
  return groups.map((g) => [
    g.stage,
    g.what,
    g.count,
    formatShort(g.oldestSeconds * 1000),
    g.examples.join(', ').slice(0, examplesWidth),
  ]);
}

/** `audit stuck` for a terminal. */
export function renderStuck(groups: StuckGroup[], olderThanMs: number): string {
  if (groups.length === 0) return `nothing stuck for longer than ${formatShort(olderThanMs)}.`;
  return renderTable(stuckColumns, stuckRows(groups, 100));
}

/** The impact report's per-day columns, and one row of them per day (text, markdown and HTML alike). */
export const impactColumns = ['day', 'submitted', 'WF4 done', 'WF4 failed', 'sitemaps', 'pages', 'contacts', 'waiting'];

/** The work waiting at a day's end: jobs pending or running, and domains queued but not taken in. */
export const waitingAtEnd = (d: ImpactDay) => d.waitingJobs + d.queuedDomains;

export function impactRows(i: Impact): (string | number)[][] {
  return i.days.map((d) => [
    d.day,
    d.domainsSubmitted,
    d.sitemapJobsCompleted,
    d.sitemapJobsFailed,
    d.sitemapFiles,
    d.pages,
    d.contacts,
    waitingAtEnd(d),
  ]);
}

/** A bar of `width` cells for value/max. */
function bar(value: number, max: number, width = 20): string {
  if (max <= 0 || value <= 0) return '';
  return '█'.repeat(Math.max(1, Math.round((value / max) * width)));
}

/** `audit impact` for a terminal: the per-day table with bars of submitted vs. pages. */
export function renderImpact(i: Impact): string {
  const maxIn = Math.max(...i.days.map((d) => d.domainsSubmitted), 0);
  const maxOut = Math.max(...i.days.map((d) => d.pages), 0);
  const rows = i.days.map((d, n) => [
    ...(impactRows(i)[n] ?? []),
    `${bar(d.domainsSubmitted, maxIn, 12).padEnd(12)} ${d.pages === 0 && d.domainsSubmitted > 0 ? '∅ no pages' : bar(d.pages, maxOut, 12)}`,
  ]);
  return [
    `impact ${i.since.slice(0, 10)} → ${i.until.slice(0, 10)} (UTC days): ${i.summary}`,
    renderTable([...impactColumns, 'submitted │ pages'], rows),
    "(waiting: jobs pending or running and domains queued at the day's end)",
    `totals: ${i.totals.domainsSubmitted} submitted, ${i.totals.sitemapJobsCompleted} WF4 completed, ${i.totals.sitemapJobsFailed} failed, ${i.totals.sitemapFiles} sitemap files, ${i.totals.pages} pages, ${i.totals.contacts} contacts`,
    ...(i.streaks.length
      ? ['', 'longest zero-output streak per stage:', ...i.streaks.map((s) => `  ${s.sentence}`)]
      : []),
    '',
    'still stuck (older than 15m):',
    i.stuck.length ? renderStuck(i.stuck, 15 * 60_000) : '  nothing',
  ].join('\n');
}

/** `audit impact --format markdown`, ready for a post-mortem. */
export function renderImpactMarkdown(i: Impact): string {
  return [
    `### Impact assessment (${i.since.slice(0, 10)} → ${i.until.slice(0, 10)}, UTC)`,
    '',
    `**Summary:** ${i.summary}.`,
    '',
    ...(i.streaks.length
      ? ['**Zero-output streaks per stage**', '', ...i.streaks.map((s) => `- ${s.sentence}`), '']
      : []),
    `**Totals:** ${i.totals.domainsSubmitted} domains submitted, ${i.totals.sitemapJobsCompleted} sitemap jobs completed, ${i.totals.sitemapJobsFailed} failed, ${i.totals.sitemapFiles} sitemap files, ${i.totals.pages} pages, ${i.totals.contacts} contacts.`,
    '',
    mdTable(impactColumns, impactRows(i)),
    '',
    "_waiting: jobs pending or running and domains queued at the day's end._",
    '',
    '**Still stuck** (older than 15 minutes)',
    '',
    i.stuck.length ? mdTable(stuckColumns, stuckRows(i.stuck)) : '_nothing_',
    '',
  ].join('\n');
}

import type { UserJobType } from '../db/schema.js';
import { formatShort } from '../duration.js';
import { type AuditStage, stageOfJobType } from './audit-stage.js';
import { farFutureMs } from './far-future.js';
import type { DomainTrace, TracedJob } from './trace-domain.js';

/** The audit's answer: which stage broke first and why, in one sentence. */
export interface Verdict {
  /** The first broken (or current) stage; null when the domain is healthy. */
  stage: AuditStage | null;
  state: 'broken' | 'waiting' | 'in-progress' | 'healthy';
  /** Which rule decided: stable, for tests and for scripts reading --json. */
  rule: string;
  sentence: string;
}

/** How long work may wait before the audit calls it stuck (the default checks' thresholds). */
const stuckAfterMs = { queued: 10 * 60_000, pending: 15 * 60_000 };

const usableKinds = ['urlset', 'text', 'rss', 'atom'];

const utc = (d: Date) => `${d.toISOString().slice(0, 16).replace('T', ' ')} UTC`;
const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

/**
 * Decides the verdict from explicit rules, checked in pipeline order (intake, WF4, WF5, WF7): the
 * first stage that is not done explains the domain. Pure: it reads only the trace, so each rule
 * is tested on its own.
 */
export function domainVerdict(t: DomainTrace): Verdict {
  const now = t.now.getTime();
  const age = (d: Date) => formatShort(now - d.getTime());
  const noWorker =
    t.workers.live === 0
      ? `no worker heartbeat since ${t.workers.lastHeartbeat ? utc(t.workers.lastHeartbeat) : 'ever (no worker has run)'} → no worker is running (see \`no-live-worker\`)`
      : undefined;
  const d = t.domain;

  if (d.sitemap_analysis_status === 'queued') {
    if (noWorker)
      return broken(
        'intake',
        'intake-no-worker',
        `domain queued for ${age(d.updated_at)} and never taken in; ${noWorker}`,
      );
    if (now - d.updated_at.getTime() > stuckAfterMs.queued) {
      return broken(
        'intake',
        'intake-stalled',
        `domain queued for ${age(d.updated_at)} although ${plural(t.workers.live, 'worker')} are alive → none of them runs the sitemap stage (see \`queued-domain-age\`)`,
      );
    }
    return {
      stage: 'intake',
      state: 'waiting',
      rule: 'intake-waiting',
      sentence: `queued ${age(d.updated_at)} ago; a live worker takes it in at its next poll`,
    };
  }

  if (d.sitemap_analysis_status === 'submitted' || d.sitemap_analysis_status === 'processing') {
    const live = liveJobVerdict(t, 'sitemap', noWorker);
    if (live) return live;
    const last = lastJob(t, 'sitemap');
    return broken(
      'WF4',
      'wf4-no-live-job',
      `domain ${d.sitemap_analysis_status} for ${age(d.updated_at)} but it has no live sitemap job (${last ? `its last one is ${last.status}` : 'none was ever created'}) → nothing will process it; run \`pipectl requeue --domain ${d.domain}\``,
    );
  }

  if (d.sitemap_analysis_status === 'error') {
    const last = lastJob(t, 'sitemap');
    return broken(
      'WF4',
      'wf4-failed',
      `WF4 failed${last ? ` after ${plural(last.attempts, 'attempt')}` : ''}: ${d.sitemap_analysis_error ?? last?.last_error ?? 'no reason recorded'}`,
    );
  }

  // WF4 is complete: did it find sitemaps?
  const usable = usableKinds.reduce((n, k) => n + (t.sitemapFiles.byKind[k] ?? 0), 0);
  if (usable === 0) {
    const why = d.sitemap_analysis_error ?? summarizeFileErrors(t) ?? 'no reason recorded';
    return t.sitemapFiles.total === 0
      ? broken('WF4', 'wf4-zero-sitemaps', `WF4 complete but zero sitemaps: ${why}`)
      : broken(
          'WF4',
          'wf4-no-usable-sitemaps',
          `WF4 complete but none of its ${plural(t.sitemapFiles.total, 'document')} is a usable sitemap: ${why}`,
        );
  }

  const imports = t.jobs.filter((j) => j.job_type === 'page_import');
  if (t.pages.total === 0) {
    if (imports.length === 0) {
      return broken(
        'WF5',
        'wf5-no-jobs',
        `WF4 found ${plural(usable, 'sitemap')} but no WF5 page_import job was ever created → run \`pipectl requeue --domain ${d.domain}\``,
      );
    }
    const importing = liveJobVerdict(t, 'page_import', noWorker);
    if (importing) return importing;
    const failed = imports.filter((j) => j.status === 'failed');
    if (failed.length > 0) {
      return broken(
        'WF5',
        'wf5-failed',
        `WF5 imported 0 of ${plural(imports.length, 'sitemap file')}: ${failed.length} ${failed.length === 1 ? 'job' : 'jobs'} failed with ${commonError(failed)}`,
      );
    }
    return broken(
      'WF5',
      'wf5-zero-pages',
      `WF5 imported 0 pages from ${plural(imports.length, 'sitemap file')}: they list no URL on ${d.domain} or its subdomains`,
    );
  }

  // A live scan explains the domain first; then a live import, whose pages are still to come.
  const live = liveJobVerdict(t, 'contact_scan', noWorker) ?? liveJobVerdict(t, 'page_import', noWorker);
  if (live) return live;
  const scans = t.jobs.filter((j) => j.job_type === 'contact_scan');
  const waiting = t.pages.byScanStatus.pending ?? 0;
  if (waiting > 0) {
    const failed = scans.filter((j) => j.status === 'failed');
    return failed.length > 0
      ? broken(
          'WF7',
          'wf7-failed',
          `WF7 left ${plural(waiting, 'page')} unscanned: ${failed.length} contact_scan ${failed.length === 1 ? 'job' : 'jobs'} failed with ${commonError(failed)}`,
        )
      : broken(
          'WF7',
          'wf7-no-jobs',
          `${plural(waiting, 'page')} await WF7 but no live contact_scan job covers them → run \`pipectl requeue --domain ${d.domain}\``,
        );
  }
  const scanned = (t.pages.byScanStatus.complete ?? 0) + (t.pages.byScanStatus.skipped ?? 0);
  if (scanned === 0 && (t.pages.byScanStatus.error ?? 0) > 0) {
    return broken(
      'WF7',
      'wf7-all-errors',
      `WF7 could not scan any of ${plural(t.pages.total, 'page')} (every page errored)`,
    );
  }
  return {
    stage: null,
    state: 'healthy',
    rule: 'healthy',
    sentence: `healthy: ${plural(usable, 'sitemap')}, ${plural(t.pages.total, 'page')}, ${plural(t.contacts.total, 'contact')}`,
  };
}

/**
 * The verdict on the domain's live (pending or running) job of this type: in progress when it
 * runs under a valid lease, else why it waits or is stuck. Undefined when it has no live job.
 */
function liveJobVerdict(t: DomainTrace, jobType: UserJobType, noWorker: string | undefined): Verdict | undefined {
  const job = t.jobs.find((j) => j.job_type === jobType && (j.status === 'pending' || j.status === 'running'));
  if (job === undefined) return undefined;
  const stage = stageOfJobType[jobType];
  return (
    notRunningVerdict(job, stage, t, noWorker) ?? {
      stage,
      state: 'in-progress',
      rule: `${stage.toLowerCase()}-running`,
      sentence: `${stage} \`${jobType}\` job running for ${formatShort(t.now.getTime() - (job.started_at ?? job.created_at).getTime())} on ${job.locked_by ?? '?'} (attempt ${job.attempts} of ${job.max_attempts})`,
    }
  );
}

/** The verdict for a live job, or undefined when it is simply running fine. */
function notRunningVerdict(
  job: TracedJob,
  stage: AuditStage,
  t: DomainTrace,
  noWorker: string | undefined,
): Verdict | undefined {
  const now = t.now.getTime();
  const key = stage.toLowerCase();
  const name = `${stage} \`${job.job_type}\` job`;
  if (job.status === 'running') {
    if (job.lease_expires_at && job.lease_expires_at.getTime() < now) {
      const rescue = noWorker ? `and ${noWorker}` : '→ a live worker rescues it at its next poll';
      return broken(
        stage,
        `${key}-lease-expired`,
        `${name}'s worker ${job.locked_by ?? '?'} stopped heartbeating; its lease expired ${formatShort(now - job.lease_expires_at.getTime())} ago ${rescue} (see \`running-lease-expired\`)`,
      );
    }
    return undefined;
  }
  const waitingSince = Math.max(job.run_at.getTime(), job.created_at.getTime());
  if (job.run_at.getTime() - now >= farFutureMs) {
    return broken(
      stage,
      `${key}-scheduled-far-ahead`,
      `${name} is scheduled ${formatShort(job.run_at.getTime() - now)} ahead (${utc(job.run_at)}), further than any retry waits (at most 1h): plain SQL or a skewed clock? It holds the stage's one live-job slot → run \`pipectl requeue --domain ${t.domain.domain}\``,
    );
  }
  if (job.run_at.getTime() > now) {
    const retry =
      job.attempts > 0
        ? `failed attempt ${job.attempts} of ${job.max_attempts} (${job.last_error ?? 'no error recorded'}) and `
        : '';
    return {
      stage,
      state: 'waiting',
      rule: `${key}-scheduled`,
      sentence: `${name} ${retry}runs again in ${formatShort(job.run_at.getTime() - now)}`,
    };
  }
  const claimed =
    job.attempts > 0 ? `waiting again after attempt ${job.attempts} of ${job.max_attempts}` : 'never claimed';
  if (noWorker)
    return broken(
      stage,
      `${key}-pending-no-worker`,
      `${name} pending for ${formatShort(now - waitingSince)} and ${claimed}; ${noWorker}`,
    );
  if (now - waitingSince > stuckAfterMs.pending) {
    return broken(
      stage,
      `${key}-pending-unclaimed`,
      `${name} pending for ${formatShort(now - waitingSince)} and ${claimed} although ${plural(t.workers.live, 'worker')} are alive → check their --stage filters and logs (see \`pending-job-age\`)`,
    );
  }
  return {
    stage,
    state: 'waiting',
    rule: `${key}-pending`,
    sentence: `${name} pending for ${formatShort(now - waitingSince)}; a live worker will claim it`,
  };
}

/** The domain's most recent job of this type, if it ever had one. */
function lastJob(t: DomainTrace, jobType: UserJobType): TracedJob | undefined {
  return t.jobs.filter((j) => j.job_type === jobType).at(-1);
}

function broken(stage: Verdict['stage'], rule: string, sentence: string): Verdict {
  return { stage, state: 'broken', rule, sentence };
}

/** "HTTP 403" when most failed jobs share an error, else the first error. */
function commonError(jobs: TracedJob[]): string {
  const counts = new Map<string, number>();
  for (const j of jobs)
    counts.set(j.last_error ?? 'no error recorded', (counts.get(j.last_error ?? 'no error recorded') ?? 0) + 1);
  return [...counts].sort((a, b) => b[1] - a[1])[0]?.[0] ?? 'no error recorded';
}

/** "robots.txt 404 and 7 probed paths 404"-style summary of the failed documents. */
function summarizeFileErrors(t: DomainTrace): string | undefined {
  if (t.sitemapFiles.errors.length === 0) return undefined;
  const counts = new Map<string, number>();
  for (const e of t.sitemapFiles.errors) {
    const key = e.http_status ? `HTTP ${e.http_status}` : e.error;
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  return [...counts].map(([k, n]) => `${n} × ${k}`).join(', ');
}

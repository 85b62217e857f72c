import { describe, expect, it } from 'vitest';
import { domainVerdict } from '../../src/audit/domain-verdict.js';
import type { DomainTrace, TracedJob } from '../../src/audit/trace-domain.js';
import type { DomainStatus, JobStatus, JobType } from '../../src/db/schema.js';

const now = new Date('2025-11-17T11:15:00Z');
const minutes = (n: number) => new Date(now.getTime() - n * 60_000);

function job(type: JobType, status: JobStatus, o: Partial<TracedJob> = {}): TracedJob {
  return {
    job_id: `00000000-0000-0000-0000-${String(Math.floor(Math.random() * 1e12)).padStart(12, '0')}`,
    job_type: type,
    status,
    attempts: status === 'pending' ? 0 : 1,
    max_attempts: 5,
    run_at: minutes(133),
    locked_by: status === 'running' ? 'host-a:42' : null,
    lease_expires_at: status === 'running' ? new Date(now.getTime() + 30_000) : null,
    last_error: null,
    created_at: minutes(133),
    started_at: status === 'pending' ? null : minutes(130),
    finished_at: null,
    ...o,
  };
}

function trace(
  status: DomainStatus,
  o: Partial<Omit<DomainTrace, 'domain'>> & { error?: string; since?: Date } = {},
): DomainTrace {
  return {
    now,
    domain: {
      id: 1,
      domain: 'jenkinseyecare.com',
      sitemap_analysis_status: status,
      sitemap_analysis_error: o.error ?? null,
      created_at: minutes(140),
      updated_at: o.since ?? minutes(133),
    },
    jobs: o.jobs ?? [],
    jobsTotal: o.jobs?.length ?? 0,
    events: [],
    sitemapFiles: o.sitemapFiles ?? { total: 0, byKind: {}, failed: 0, errors: [] },
    pages: o.pages ?? { total: 0, byScanStatus: {} },
    contacts: o.contacts ?? { total: 0, emails: 0, phones: 0 },
    workers: o.workers ?? { live: 2, lastHeartbeat: minutes(0) },
  };
}

const dead = { live: 0, lastHeartbeat: new Date('2025-11-17T09:02:00Z') };
const sitemaps = { total: 9, byKind: { index: 1, urlset: 8 }, failed: 0, errors: [] };

describe('domainVerdict: one test per rule', () => {
  it('intake-no-worker: queued and no worker alive', () => {
    const v = domainVerdict(trace('queued', { workers: dead, since: minutes(30) }));
    expect(v).toMatchObject({ rule: 'intake-no-worker', stage: 'intake', state: 'broken' });
    expect(v.sentence).toBe(
      'domain queued for 30m and never taken in; no worker heartbeat since 2025-11-17 09:02 UTC → no worker is running (see `no-live-worker`)',
    );
  });

  it('intake-stalled: queued for long although workers are alive', () => {
    expect(domainVerdict(trace('queued', { since: minutes(25) })).rule).toBe('intake-stalled');
  });

  it('intake-waiting: queued a moment ago', () => {
    expect(domainVerdict(trace('queued', { since: minutes(1) }))).toMatchObject({
      rule: 'intake-waiting',
      state: 'waiting',
    });
  });

  it('wf4-pending-no-worker: the incident — sitemap job pending, never claimed, no heartbeat', () => {
    const v = domainVerdict(trace('submitted', { jobs: [job('sitemap', 'pending')], workers: dead }));
    expect(v).toMatchObject({ rule: 'wf4-pending-no-worker', stage: 'WF4', state: 'broken' });
    expect(v.sentence).toBe(
      'WF4 `sitemap` job pending for 2h13m and never claimed; no worker heartbeat since 2025-11-17 09:02 UTC → no worker is running (see `no-live-worker`)',
    );
  });

  it('wf4-pending-unclaimed: pending for long while workers are alive', () => {
    const v = domainVerdict(trace('submitted', { jobs: [job('sitemap', 'pending')] }));
    expect(v.rule).toBe('wf4-pending-unclaimed');
    expect(v.sentence).toContain('although 2 workers are alive');
  });

  it('wf4-pending: pending a moment, workers alive', () => {
    const v = domainVerdict(
      trace('submitted', { jobs: [job('sitemap', 'pending', { created_at: minutes(1), run_at: minutes(1) })] }),
    );
    expect(v).toMatchObject({ rule: 'wf4-pending', state: 'waiting' });
  });

  it('wf4-scheduled: a failed attempt waits for its retry', () => {
    const retry = job('sitemap', 'pending', {
      attempts: 2,
      run_at: new Date(now.getTime() + 90_000),
      last_error: 'HTTP 503',
    });
    const v = domainVerdict(trace('processing', { jobs: [retry] }));
    expect(v.rule).toBe('wf4-scheduled');
    expect(v.sentence).toBe('WF4 `sitemap` job failed attempt 2 of 5 (HTTP 503) and runs again in 1m30s');
  });

  it('wf4-scheduled-far-ahead: a job scheduled 100 years ahead is broken, not waiting', () => {
    const future = job('sitemap', 'pending', { run_at: new Date(now.getTime() + 36_524 * 86_400_000) });
    const v = domainVerdict(trace('submitted', { jobs: [future] }));
    expect(v).toMatchObject({ rule: 'wf4-scheduled-far-ahead', state: 'broken', stage: 'WF4' });
    expect(v.sentence).toBe(
      "WF4 `sitemap` job is scheduled 36524d ahead (2125-11-17 11:15 UTC), further than any retry waits (at most 1h): plain SQL or a skewed clock? It holds the stage's one live-job slot → run `pipectl requeue --domain jenkinseyecare.com`",
    );
  });

  it('wf4-scheduled: a retry due within a day still waits', () => {
    const retry = job('sitemap', 'pending', { attempts: 1, run_at: new Date(now.getTime() + 23 * 3_600_000) });
    expect(domainVerdict(trace('processing', { jobs: [retry] }))).toMatchObject({
      rule: 'wf4-scheduled',
      state: 'waiting',
    });
  });

  it('wf4-no-live-job: submitted with no live job (the original bug, in any system)', () => {
    const v = domainVerdict(trace('submitted', { jobs: [job('sitemap', 'cancelled')] }));
    expect(v.rule).toBe('wf4-no-live-job');
    expect(v.sentence).toContain('its last one is cancelled');
    expect(domainVerdict(trace('submitted')).sentence).toContain('none was ever created');
  });

  it('wf4-lease-expired: its worker stopped heartbeating', () => {
    const stale = job('sitemap', 'running', { lease_expires_at: minutes(7) });
    const v = domainVerdict(trace('processing', { jobs: [stale], workers: dead }));
    expect(v.rule).toBe('wf4-lease-expired');
    expect(v.sentence).toContain(
      'worker host-a:42 stopped heartbeating; its lease expired 7m ago and no worker heartbeat since',
    );
  });

  it('wf4-running: in progress', () => {
    expect(domainVerdict(trace('processing', { jobs: [job('sitemap', 'running')] }))).toMatchObject({
      rule: 'wf4-running',
      state: 'in-progress',
    });
  });

  it('wf4-failed: the domain is in error', () => {
    const v = domainVerdict(
      trace('error', { error: 'HTTP 404 on the only sitemap', jobs: [job('sitemap', 'failed', { attempts: 1 })] }),
    );
    expect(v).toMatchObject({
      rule: 'wf4-failed',
      sentence: 'WF4 failed after 1 attempt: HTTP 404 on the only sitemap',
    });
  });

  it('wf4-zero-sitemaps: complete with nothing found', () => {
    const v = domainVerdict(trace('complete', { error: 'robots.txt 404 and 7 probed paths 404' }));
    expect(v.sentence).toBe('WF4 complete but zero sitemaps: robots.txt 404 and 7 probed paths 404');
  });

  it('wf4-no-usable-sitemaps: only failed documents', () => {
    const files = {
      total: 3,
      byKind: { invalid: 3 },
      failed: 3,
      errors: [1, 2, 3].map((i) => ({ url: `u${i}`, http_status: 404, error: 'HTTP 404' })),
    };
    const v = domainVerdict(trace('complete', { sitemapFiles: files }));
    expect(v.rule).toBe('wf4-no-usable-sitemaps');
    expect(v.sentence).toBe('WF4 complete but none of its 3 documents is a usable sitemap: 3 × HTTP 404');
  });

  it('wf5-no-jobs: sitemaps but no import job', () => {
    expect(domainVerdict(trace('complete', { sitemapFiles: sitemaps, jobs: [job('sitemap', 'complete')] })).rule).toBe(
      'wf5-no-jobs',
    );
  });

  it('wf5-failed: every import failed', () => {
    const imports = [1, 2, 3].map(() => job('page_import', 'failed', { last_error: 'HTTP 403' }));
    const v = domainVerdict(trace('complete', { sitemapFiles: { ...sitemaps, byKind: { urlset: 3 } }, jobs: imports }));
    expect(v.sentence).toBe('WF5 imported 0 of 3 sitemap files: 3 jobs failed with HTTP 403');
  });

  it('wf5-pending-no-worker: an import waits with no worker', () => {
    const v = domainVerdict(
      trace('complete', { sitemapFiles: sitemaps, jobs: [job('page_import', 'pending')], workers: dead }),
    );
    expect(v.rule).toBe('wf5-pending-no-worker');
  });

  it('wf5-zero-pages: imports done, nothing on the domain', () => {
    expect(
      domainVerdict(trace('complete', { sitemapFiles: sitemaps, jobs: [job('page_import', 'complete')] })).rule,
    ).toBe('wf5-zero-pages');
  });

  it('wf7-no-jobs: pages wait for a scan nobody will do', () => {
    const v = domainVerdict(
      trace('complete', {
        sitemapFiles: sitemaps,
        jobs: [job('page_import', 'complete')],
        pages: { total: 13, byScanStatus: { pending: 13 } },
      }),
    );
    expect(v.rule).toBe('wf7-no-jobs');
  });

  it('wf7-failed: scans failed and pages are left', () => {
    const v = domainVerdict(
      trace('complete', {
        sitemapFiles: sitemaps,
        jobs: [job('page_import', 'complete'), job('contact_scan', 'failed', { last_error: 'timeout' })],
        pages: { total: 13, byScanStatus: { pending: 13 } },
      }),
    );
    expect(v.sentence).toBe('WF7 left 13 pages unscanned: 1 contact_scan job failed with timeout');
  });

  it('wf7-all-errors: every page errored', () => {
    const v = domainVerdict(
      trace('complete', {
        sitemapFiles: sitemaps,
        jobs: [job('page_import', 'complete')],
        pages: { total: 4, byScanStatus: { error: 4 } },
      }),
    );
    expect(v.rule).toBe('wf7-all-errors');
  });

  it('wf7-running: scanning', () => {
    const v = domainVerdict(
      trace('complete', {
        sitemapFiles: sitemaps,
        jobs: [job('contact_scan', 'running')],
        pages: { total: 13, byScanStatus: { pending: 5, complete: 8 } },
      }),
    );
    expect(v).toMatchObject({ rule: 'wf7-running', state: 'in-progress' });
  });

  it('healthy: sitemaps, pages and contacts', () => {
    const v = domainVerdict(
      trace('complete', {
        sitemapFiles: sitemaps,
        jobs: [job('page_import', 'complete')],
        pages: { total: 13, byScanStatus: { complete: 13 } },
        contacts: { total: 4, emails: 3, phones: 1 },
      }),
    );
    expect(v).toEqual({
      stage: null,
      state: 'healthy',
      rule: 'healthy',
      sentence: 'healthy: 8 sitemaps, 13 pages, 4 contacts',
    });
  });
});

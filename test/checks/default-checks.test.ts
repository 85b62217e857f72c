import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { applyParamOverrides } from '../../src/checks/apply-param-overrides.js';
import type { ChecksFile } from '../../src/checks/check-definition.js';
import type { CheckResult } from '../../src/checks/check-result.js';
import { loadChecksFile } from '../../src/checks/load-checks-file.js';
import { shippedChecksPath } from '../../src/checks/resolve-checks-path.js';
import { runChecks } from '../../src/checks/run-checks.js';
import { selectChecks } from '../../src/checks/select-checks.js';
import { backends, useTestDatabase } from '../helpers/databases.js';
import { addDomain, addJobs, addPage, addSitemapFile, addWorker, ago, emptyTables, fromNow } from '../helpers/rows.js';

// Each default check of design §6 against a database where it must fire and one where it must
// stay silent, with the boundary 10 seconds either side of its threshold.
describe.each(backends)('the default checks on $name', ({ name, skip }) => {
  describe.skipIf(skip)(name, () => {
    const t = useTestDatabase(name);
    let file: ChecksFile;
    beforeAll(async () => {
      file = await loadChecksFile(shippedChecksPath, process.cwd());
    });
    beforeEach(async () => {
      await emptyTables(t.db);
    });

    const run = async (check: string): Promise<CheckResult> => {
      const [result] = await runChecks(t.db, selectChecks(file, [check]), {
        concurrency: 1,
        enforcesTimeout: name === 'postgres',
      });
      if (result === undefined) throw new Error(`no result for ${check}`);
      if (result.error !== null) throw new Error(`${check} errored: ${result.error}`);
      return result;
    };
    const statusOf = async (check: string) => (await run(check)).status;

    it('all pass on an empty database', async () => {
      const results = await runChecks(t.db, file.checks, { concurrency: 1, enforcesTimeout: name === 'postgres' });
      expect(results.map((r) => [r.name, r.status, r.error])).toEqual(file.checks.map((c) => [c.name, 'pass', null]));
    });

    describe('pending-job-age (15 min)', () => {
      it('fires for a job runnable for just over 15 minutes, listing it', async () => {
        await addJobs(t.db, 1, { runAt: ago('15 minutes 10 seconds') });
        const result = await run('pending-job-age');
        expect(result.status).toBe('fail');
        expect(result.violations).toBe(1);
        expect(result.sampleRows[0]).toMatchObject({ job_type: 'noop', attempts: 0, waiting: '00:15:10' });
      });

      it('is silent just under 15 minutes', async () => {
        await addJobs(t.db, 1, { runAt: ago('14 minutes 50 seconds') });
        expect(await statusOf('pending-job-age')).toBe('pass');
      });

      it('ignores old jobs that are scheduled for later (a retry backing off), running or finished', async () => {
        await addJobs(t.db, 1, { createdAt: ago('2 hours'), runAt: fromNow('5 minutes') });
        await addJobs(t.db, 1, { status: 'running', runAt: ago('1 hour'), leaseExpiresAt: fromNow('1 minute') });
        await addJobs(t.db, 1, { status: 'complete', runAt: ago('1 hour'), finishedAt: ago('50 minutes') });
        expect(await statusOf('pending-job-age')).toBe('pass');
      });
    });

    describe('submitted-without-sitemaps (30 min)', () => {
      it('fires for a domain submitted just over 30 minutes ago with no sitemap file', async () => {
        await addDomain(t.db, 'submitted', ago('30 minutes 10 seconds'));
        const result = await run('submitted-without-sitemaps');
        expect(result.status).toBe('fail');
        expect(result.sampleRows[0]).toMatchObject({ status: 'submitted', stuck_for: '00:30:10' });
      });

      it('fires for a domain stuck in processing', async () => {
        await addDomain(t.db, 'processing', ago('2 hours'));
        expect(await statusOf('submitted-without-sitemaps')).toBe('fail');
      });

      it('is silent just under 30 minutes', async () => {
        await addDomain(t.db, 'submitted', ago('29 minutes 50 seconds'));
        expect(await statusOf('submitted-without-sitemaps')).toBe('pass');
      });

      it('is silent once the domain has a sitemap file, even a failed one', async () => {
        const id = await addDomain(t.db, 'processing', ago('2 hours'));
        await addSitemapFile(t.db, id, ago('1 hour'), 'invalid', null);
        expect(await statusOf('submitted-without-sitemaps')).toBe('pass');
      });

      it('ignores finished domains without sitemaps (complete with a reason, or error)', async () => {
        await addDomain(t.db, 'complete', ago('2 hours'));
        await addDomain(t.db, 'error', ago('2 hours'));
        expect(await statusOf('submitted-without-sitemaps')).toBe('pass');
      });
    });

    describe('zero-pages-in-window (6 h, 15 min grace)', () => {
      it('is silent on an idle system: old history, nothing new upstream', async () => {
        const id = await addDomain(t.db, 'complete', ago('3 days'));
        await addSitemapFile(t.db, id, ago('3 days'));
        await addPage(t.db, id, ago('3 days'));
        expect(await statusOf('zero-pages-in-window')).toBe('pass');
      });

      it('fires when urlset sitemaps arrived in the window and no page was created', async () => {
        const id = await addDomain(t.db, 'complete', ago('2 days'));
        await addPage(t.db, id, ago('2 days'));
        await addSitemapFile(t.db, id, ago('1 hour'));
        await addSitemapFile(t.db, id, ago('2 hours'), 'text');
        const result = await run('zero-pages-in-window');
        expect(result.status).toBe('fail');
        expect(result.sampleRows).toEqual([expect.objectContaining({ urlset_files: 2 })]);
        expect(result.sampleRows[0]?.last_page_at).toMatch(/^\d{4}-\d\d-\d\dT/);
      });

      it('is silent when a page was created in the window', async () => {
        const id = await addDomain(t.db, 'complete', ago('2 days'));
        await addSitemapFile(t.db, id, ago('1 hour'));
        await addPage(t.db, id, ago('5 hours'));
        expect(await statusOf('zero-pages-in-window')).toBe('pass');
      });

      it('gives new sitemaps 15 minutes: silent just inside the grace, firing just past it', async () => {
        const id = await addDomain(t.db, 'complete', ago('2 days'));
        await addSitemapFile(t.db, id, ago('14 minutes 50 seconds'));
        expect(await statusOf('zero-pages-in-window')).toBe('pass');
        await addSitemapFile(t.db, id, ago('15 minutes 10 seconds'));
        expect(await statusOf('zero-pages-in-window')).toBe('fail');
      });

      it('looks back 6 hours: firing just inside, silent just outside', async () => {
        const id = await addDomain(t.db, 'complete', ago('2 days'));
        await addSitemapFile(t.db, id, ago('6 hours 10 seconds'));
        expect(await statusOf('zero-pages-in-window')).toBe('pass');
        await addSitemapFile(t.db, id, ago('5 hours 59 minutes 50 seconds'));
        expect(await statusOf('zero-pages-in-window')).toBe('fail');
      });

      it('counts only sitemaps that can produce pages (not indexes, failures or empty urlsets)', async () => {
        const id = await addDomain(t.db, 'complete', ago('2 days'));
        await addSitemapFile(t.db, id, ago('1 hour'), 'index');
        await addSitemapFile(t.db, id, ago('1 hour'), 'invalid', null);
        await addSitemapFile(t.db, id, ago('1 hour'), 'urlset', 0);
        expect(await statusOf('zero-pages-in-window')).toBe('pass');
      });
    });

    describe('running-lease-expired (5 min)', () => {
      it('fires for a running job whose lease expired just over 5 minutes ago', async () => {
        await addJobs(t.db, 1, {
          status: 'running',
          runAt: ago('1 hour'),
          leaseExpiresAt: ago('5 minutes 10 seconds'),
        });
        const result = await run('running-lease-expired');
        expect(result.status).toBe('fail');
        expect(result.sampleRows[0]).toMatchObject({ locked_by: 'worker-1', expired_for: '00:05:10' });
      });

      it('is silent just under 5 minutes, and for leases still valid', async () => {
        await addJobs(t.db, 1, { status: 'running', leaseExpiresAt: ago('4 minutes 50 seconds') });
        await addJobs(t.db, 1, { status: 'running', leaseExpiresAt: fromNow('1 minute') });
        expect(await statusOf('running-lease-expired')).toBe('pass');
      });

      it('ignores jobs that are no longer running', async () => {
        await addJobs(t.db, 1, { status: 'failed', leaseExpiresAt: ago('1 hour'), finishedAt: ago('1 hour') });
        expect(await statusOf('running-lease-expired')).toBe('pass');
      });
    });

    describe('no-live-worker (2 min)', () => {
      it('is silent on an idle system with no worker at all', async () => {
        await addJobs(t.db, 3, { status: 'complete', runAt: ago('1 day'), finishedAt: ago('1 day') });
        const id = await addDomain(t.db, 'complete', ago('1 day'));
        await addSitemapFile(t.db, id, ago('1 day'));
        expect(await statusOf('no-live-worker')).toBe('pass');
      });

      it('is silent when the only pending work is scheduled for later', async () => {
        await addJobs(t.db, 1, { runAt: fromNow('10 minutes') });
        expect(await statusOf('no-live-worker')).toBe('pass');
      });

      it('fires when a runnable job exists and no worker ever ran', async () => {
        await addJobs(t.db, 1, { runAt: ago('1 minute') });
        const result = await run('no-live-worker');
        expect(result.status).toBe('fail');
        expect(result.sampleRows[0]).toMatchObject({ oldest_queued_domain_at: null, last_heartbeat_at: null });
      });

      it('fires when a domain is queued and no worker runs', async () => {
        await addDomain(t.db, 'queued');
        expect(await statusOf('no-live-worker')).toBe('fail');
      });

      it('is silent with a heartbeat just under 2 minutes old, firing just over', async () => {
        await addJobs(t.db, 1, { runAt: ago('1 minute') });
        await addWorker(t.db, ago('2 minutes 10 seconds'));
        expect(await statusOf('no-live-worker')).toBe('fail');
        await addWorker(t.db, ago('1 minute 50 seconds'));
        expect(await statusOf('no-live-worker')).toBe('pass');
      });

      it('does not count a worker that has stopped, however recent its heartbeat', async () => {
        await addDomain(t.db, 'queued');
        await addWorker(t.db, ago('5 seconds'), ago('5 seconds'));
        expect(await statusOf('no-live-worker')).toBe('fail');
      });
    });

    describe('worker-heartbeat-late (3 × 15 s heartbeat, 60 s lease)', () => {
      it('warns for a live worker whose heartbeat is older than three beats but younger than the lease', async () => {
        await addWorker(t.db, ago('5 seconds'));
        await addWorker(t.db, ago('52 seconds'));
        const result = await run('worker-heartbeat-late');
        expect(result.status).toBe('warn');
        expect(result.violations).toBe(1);
        expect(result.sampleRows[0]).toMatchObject({ hostname: 'host', version: '0.1.0', silent_for: '00:00:52' });
      });

      it('passes when every worker is healthy: heartbeats within three beats', async () => {
        await addWorker(t.db, ago('1 second'));
        await addWorker(t.db, ago('14 seconds'));
        await addWorker(t.db, ago('38 seconds'));
        expect(await statusOf('worker-heartbeat-late')).toBe('pass');
      });

      it('warns just past three beats, and leaves a heartbeat past the lease to the later checks', async () => {
        await addWorker(t.db, ago('50 minutes'));
        await addWorker(t.db, ago('70 seconds'));
        expect(await statusOf('worker-heartbeat-late')).toBe('pass');
        await addWorker(t.db, ago('55 seconds'));
        expect(await statusOf('worker-heartbeat-late')).toBe('warn');
      });

      it('ignores a worker that stopped cleanly', async () => {
        await addWorker(t.db, ago('50 seconds'), ago('49 seconds'));
        expect(await statusOf('worker-heartbeat-late')).toBe('pass');
      });

      it("follows the workers' own settings through its parameters", async () => {
        await addWorker(t.db, ago('2 minutes'));
        expect(await statusOf('worker-heartbeat-late')).toBe('pass');
        const longLease = applyParamOverrides(file, ['worker-heartbeat-late.lease=5m']);
        const [result] = await runChecks(
          t.db,
          selectChecks({ ...file, checks: longLease }, ['worker-heartbeat-late']),
          {
            concurrency: 1,
            enforcesTimeout: name === 'postgres',
          },
        );
        expect(result?.status).toBe('warn');
      });
    });

    describe('queued-domain-age (10 min)', () => {
      it('fires for a domain queued just over 10 minutes ago', async () => {
        await addDomain(t.db, 'queued', ago('10 minutes 10 seconds'));
        const result = await run('queued-domain-age');
        expect(result.status).toBe('fail');
        expect(result.sampleRows[0]).toMatchObject({ queued_for: '00:10:10' });
      });

      it('is silent just under 10 minutes', async () => {
        await addDomain(t.db, 'queued', ago('9 minutes 50 seconds'));
        expect(await statusOf('queued-domain-age')).toBe('pass');
      });
    });

    describe('job-failure-rate (> 20 % of at least 20 in 1 h)', () => {
      // Finished jobs of a real stage: the check counts the pipeline's job types, not test-only noop jobs.
      const finish = async (count: number, status: 'complete' | 'failed' | 'cancelled', when = '10 minutes') =>
        addJobs(t.db, count, {
          domainId: await addDomain(t.db, 'complete'),
          status,
          runAt: ago('2 hours'),
          finishedAt: ago(when),
        });

      it('warns at 5 failed of 20 (25 %)', async () => {
        await finish(15, 'complete');
        await finish(5, 'failed');
        const result = await run('job-failure-rate');
        expect(result.status).toBe('warn');
        expect(result.sampleRows).toEqual([{ finished: 20, failed: 5, failed_percent: 25 }]);
      });

      it('is silent at exactly 20 % (4 of 20)', async () => {
        await finish(16, 'complete');
        await finish(4, 'failed');
        expect(await statusOf('job-failure-rate')).toBe('pass');
      });

      it('is silent below 20 finished jobs, even if all failed', async () => {
        await finish(19, 'failed');
        expect(await statusOf('job-failure-rate')).toBe('pass');
        await finish(1, 'failed');
        expect(await statusOf('job-failure-rate')).toBe('warn');
      });

      it('looks only at the last hour and ignores cancelled jobs', async () => {
        await finish(20, 'failed', '61 minutes');
        await finish(20, 'cancelled');
        await finish(20, 'complete');
        expect(await statusOf('job-failure-rate')).toBe('pass');
      });
    });

    describe('contact-scan-stalled (6 h)', () => {
      it('warns for a page pending its contact scan for just over 6 hours', async () => {
        const id = await addDomain(t.db, 'complete', ago('1 day'));
        await addPage(t.db, id, ago('6 hours 10 seconds'), 'pending');
        const result = await run('contact-scan-stalled');
        expect(result.status).toBe('warn');
        expect(result.sampleRows[0]).toMatchObject({ domain_id: id, waiting: '06:00:10' });
      });

      it('is silent just under 6 hours, and for scanned pages', async () => {
        const id = await addDomain(t.db, 'complete', ago('1 day'));
        await addPage(t.db, id, ago('5 hours 59 minutes 50 seconds'), 'pending');
        await addPage(t.db, id, ago('3 days'), 'complete');
        expect(await statusOf('contact-scan-stalled')).toBe('pass');
      });
    });
  });
});

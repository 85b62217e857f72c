import { sql } from 'kysely';
import { beforeEach, describe, expect, it } from 'vitest';
import { traceDomain } from '../../src/audit/trace-domain.js';
import { planRequeue, requeueDomains } from '../../src/domains/requeue-domains.js';
import { PipectlError } from '../../src/errors.js';
import { cancelJobs, retryJobs } from '../../src/jobs/change-jobs.js';
import { listJobs } from '../../src/jobs/list-jobs.js';
import { resolveDomainFilter } from '../../src/jobs/resolve-domain-filter.js';
import { runCli } from '../helpers/cli.js';
import { backends, useTestDatabase } from '../helpers/databases.js';
import { emptyTables } from '../helpers/rows.js';
import { serverUrl } from '../helpers/test-env.js';

const nobody = '00000000-0000-0000-0000-000000000000';

// What requeue and jobs retry/cancel do with the targets an operator names: unknown ones,
// duplicates, rows stored in odd forms; and a dry run that says what the real run will do.
describe.each(backends)('operator targets on $name', ({ name, skip }) => {
  describe.skipIf(skip)(name, () => {
    const t = useTestDatabase(name);
    let failedJob = '';

    beforeEach(async () => {
      await emptyTables(t.db);
      // Inserted by plain SQL, as the README allows, in a non-canonical form.
      const { rows } = await sql<{ job_id: string }>`
        with d as (
          insert into domains (domain, sitemap_analysis_status) values (' Weird.COM ', 'submitted'), ('ok.example', 'complete')
          returning id, domain
        )
        insert into jobs (job_type, status, domain_id, attempts, finished_at, last_error)
        select 'sitemap', 'failed', id, 3, now(), 'HTTP 500' from d where domain = 'ok.example'
        returning job_id
      `.execute(t.db);
      failedJob = rows[0]?.job_id ?? '';
    });

    const statusOf = async (id: string) =>
      (await sql<{ status: string }>`select status from jobs where job_id = ${id}`.execute(t.db)).rows[0]?.status;

    it('a retry dry run reports exactly what the real run does: unknown ids skipped, a repeated id counted once', async () => {
      const ids = [nobody, failedJob, failedJob.toUpperCase()];
      const dry = await retryJobs(t.db, ids, { dryRun: true });
      expect(dry).toEqual([
        { jobId: nobody, outcome: 'skipped', reason: 'no such job' },
        { jobId: failedJob, outcome: 'changed', from: 'failed' },
      ]);
      expect(await statusOf(failedJob)).toBe('failed');
      expect(await retryJobs(t.db, ids)).toEqual(dry);
      expect(await statusOf(failedJob)).toBe('pending');
    });

    it('retrying two failed jobs of one input retries the newest and skips the other', async () => {
      const { rows } = await sql<{ job_id: string }>`
        insert into jobs (job_type, status, domain_id, attempts, finished_at, created_at)
        select 'sitemap', 'failed', domain_id, 3, now(), now() + interval '1 second' from jobs where job_id = ${failedJob}
        returning job_id
      `.execute(t.db);
      const newer = rows[0]?.job_id ?? '';
      expect(await retryJobs(t.db, [failedJob, newer])).toEqual([
        { jobId: failedJob, outcome: 'skipped', from: 'failed', reason: 'another live job exists for the same input' },
        { jobId: newer, outcome: 'changed', from: 'failed' },
      ]);
    });

    it('cancel counts a repeated id once and names an unknown one', async () => {
      await retryJobs(t.db, [failedJob]);
      expect(await cancelJobs(t.db, [failedJob, failedJob, nobody])).toEqual([
        { jobId: failedJob, outcome: 'changed', from: 'pending' },
        { jobId: nobody, outcome: 'skipped', reason: 'no such job' },
      ]);
    });

    it('requeue --domain reports unknown names, still requeues the known ones, and never widens to every domain', async () => {
      expect(await planRequeue(t.db, { status: ['complete'], domains: ['nosuch.com'] })).toEqual({
        domains: 0,
        jobsToCancel: 0,
        examples: [],
        unknown: ['nosuch.com'],
      });
      expect(
        await requeueDomains(t.db, { domains: ['nosuch.com', 'OK.example'] }, { dryRun: false, yes: false }),
      ).toMatchObject({ requeued: 1, unknown: ['nosuch.com'] });
    });

    it('requeue --domain refuses what is not a domain name, dry run or not, with exit 2', async () => {
      for (const dryRun of [true, false]) {
        const err = await requeueDomains(t.db, { domains: ['bad domain'] }, { dryRun, yes: false }).catch(
          (e: unknown) => e,
        );
        expect(err).toBeInstanceOf(PipectlError);
        expect((err as PipectlError).exitCode).toBe(2);
        expect((err as PipectlError).message).toBe('--domain "bad domain" is not a domain name (contains whitespace)');
      }
    });

    it('a row stored as " Weird.COM " is found by audit domain, requeue --domain and jobs --domain', async () => {
      expect((await traceDomain(t.db, 'weird.com')).domain.domain).toBe(' Weird.COM ');
      expect(await planRequeue(t.db, { domains: ['https://WEIRD.com/x'] })).toMatchObject({
        domains: 1,
        examples: [' Weird.COM '],
        unknown: [],
      });
      await sql`insert into jobs (job_type, status, domain_id) select 'sitemap', 'pending', id from domains where domain = ' Weird.COM '`.execute(
        t.db,
      );
      const ids = await resolveDomainFilter(t.db, 'weird.com.');
      expect((await listJobs(t.db, { domainIds: ids, limit: 10 })).map((j) => j.domain)).toEqual([' Weird.COM ']);
    });

    it('jobs --domain with an unknown domain exits 1', async () => {
      const err = await resolveDomainFilter(t.db, 'nosuch.com').catch((e: unknown) => e);
      expect((err as PipectlError).exitCode).toBe(1);
      expect((err as PipectlError).message).toBe(
        'no domain "nosuch.com" in the database — list domains with `pipectl domains list`',
      );
    });
  });
});

describe.skipIf(!serverUrl)(
  'requeue and jobs retry from the command line: exit codes agree between dry and real runs',
  () => {
    const t = useTestDatabase('postgres');
    const cli = (...args: string[]) => runCli(args, { env: { DATABASE_URL: t.url } });

    it('unknown targets exit 1 in dry and real runs; a repeated id is one success; an empty window is a usage error', async () => {
      const { rows } = await sql<{ job_id: string }>`
      with d as (insert into domains (domain, sitemap_analysis_status) values ('ok.example', 'complete') returning id)
      insert into jobs (job_type, status, domain_id, attempts, finished_at)
      select 'sitemap', 'failed', id, 3, now() from d returning job_id
    `.execute(t.db);
      const id = rows[0]?.job_id ?? '';

      const unknownDomain = await cli('requeue', '--domain', 'nosuch.com', '--json');
      expect(unknownDomain.code).toBe(1);
      expect(JSON.parse(unknownDomain.stdout)).toMatchObject({ requeued: 0, unknown: ['nosuch.com'] });
      expect((await cli('requeue', '--domain', 'nosuch.com', '--dry-run')).code).toBe(1);
      const bad = await cli('requeue', '--domain', 'bad domain', '--dry-run');
      expect([bad.code, bad.stderr.trim()]).toEqual([
        2,
        'pipectl: --domain "bad domain" is not a domain name (contains whitespace)',
      ]);

      const dryNobody = await cli('jobs', 'retry', nobody, '--dry-run');
      expect([dryNobody.code, dryNobody.stdout]).toEqual([
        1,
        `${nobody}: skipped, no such job\ndry run: would retry 0 of 1 job; nothing changed.\n`,
      ]);
      expect((await cli('jobs', 'retry', nobody)).code).toBe(1);

      const dry = JSON.parse((await cli('jobs', 'retry', '--status', 'failed', '--dry-run', '--json')).stdout);
      expect(dry).toEqual({ dryRun: true, matched: 1, changes: [{ jobId: id, outcome: 'changed', from: 'failed' }] });
      const twice = await cli('jobs', 'retry', id, id, '--json');
      expect(twice.code).toBe(0);
      expect(JSON.parse(twice.stdout).changes).toEqual([{ jobId: id, outcome: 'changed', from: 'failed' }]);

      const empty = await cli('jobs', 'retry', '--since', '1h', '--until', '2h');
      expect([empty.code, empty.stderr.trim()]).toEqual([2, 'pipectl: --until must be after --since']);
      expect((await cli('jobs', 'list', '--domain', 'nosuch.com')).code).toBe(1);
    }, 180_000);
  },
);

describe.each(backends)('jobs list on $name', ({ name, skip }) => {
  describe.skipIf(skip)(name, () => {
    const t = useTestDatabase(name);

    it('lists the newest jobs across every stage first, within the limit', async () => {
      await sql`
        with d as (insert into domains (domain) values ('list.example') returning id)
        insert into jobs (job_type, status, domain_id, created_at)
        select case i % 2 when 0 then 'sitemap' else 'noop' end,
               case i % 2 when 0 then 'complete' else 'failed' end, d.id, now() - make_interval(mins => i)
          from d, generate_series(1, 9) as i
      `.execute(t.db);
      const rows = await listJobs(t.db, { limit: 4 });
      expect(rows.map((r) => [r.job_type, r.domain])).toEqual([
        ['noop', 'list.example'],
        ['sitemap', 'list.example'],
        ['noop', 'list.example'],
        ['sitemap', 'list.example'],
      ]);
      expect((await listJobs(t.db, { limit: 50, stage: ['sitemap'] })).length).toBe(4);
      expect((await listJobs(t.db, { limit: 50, status: ['failed'] })).length).toBe(5);
    });
  });
});

describe('jobs list --limit', () => {
  it('refuses more than 10,000 rows before it opens the database (a million overflowed the JSON string)', async () => {
    const r = await runCli(['jobs', 'list', '--limit', '1000000', '--json'], {
      env: {
        DATABASE_URL: 'postgres://127.0.0.1:1/x',
      },
    });
    expect(r.code).toBe(2);
    expect(JSON.parse(r.stdout).error.code).toBe('usage');
  });
});

import { sql } from 'kysely';
import pg from 'pg';
import { afterEach, describe, expect, it } from 'vitest';
import { type RunningCli, runCli, startCli, waitFor } from '../helpers/cli.js';
import { useTestDatabase } from '../helpers/databases.js';
import { createNoopRuns, insertNoopJobs, jobStatusCounts, runsPerJob } from '../helpers/jobs.js';
import { emptyTables } from '../helpers/rows.js';
import { serverUrl } from '../helpers/test-env.js';

// Real worker processes against the real server: the failures that matter (kill -9, lost
// connections, signals) only happen to processes.
describe.skipIf(!serverUrl)('pipectl process workers on PostgreSQL', () => {
  const t = useTestDatabase('postgres');
  const workers: RunningCli[] = [];
  const env = () => ({ DATABASE_URL: t.url });
  const start = (...args: string[]) => {
    const w = startCli(['process', '--stage', 'noop', '--log-format', 'json', ...args], env());
    workers.push(w);
    return w;
  };

  afterEach(async () => {
    // A test must not leave a worker running.
    for (const w of workers.splice(0)) {
      if (w.child.exitCode === null && w.child.signalCode === null) {
        w.child.kill('SIGKILL');
        await w.exited;
      }
    }
    await emptyTables(t.db);
    await sql`drop table if exists noop_runs`.execute(t.db);
  });

  it('two workers racing over 2,000 jobs run each exactly once', async () => {
    await createNoopRuns(t.db);
    await insertNoopJobs(t.db, 2000, { record: true });
    const a = start('--until-idle', '--concurrency', '8', '--poll-interval', '200ms');
    const b = start('--until-idle', '--concurrency', '8', '--poll-interval', '200ms');
    const [ea, eb] = await Promise.all([a.exited, b.exited]);
    expect([ea.code, eb.code], a.output() + b.output()).toEqual([0, 0]);
    expect(await jobStatusCounts(t.db)).toEqual({ complete: 2000 });
    expect(await runsPerJob(t.db)).toEqual({ jobs: 2000, minRuns: 1, maxRuns: 1 });
    // Both took part.
    const { rows } = await sql<{
      workers: number;
    }>`select count(distinct worker_id)::int as workers from noop_runs`.execute(t.db);
    expect(rows[0]?.workers).toBe(2);
  });

  it('after kill -9, another worker rescues the jobs once the lease expires; nothing is lost or run twice', async () => {
    await createNoopRuns(t.db);
    await insertNoopJobs(t.db, 40, { record: true, sleepMs: 400 });
    const victim = start('--concurrency', '4', '--lease', '2s', '--poll-interval', '200ms');
    await waitFor('the victim to complete some jobs', async () => ((await jobStatusCounts(t.db)).complete ?? 0) >= 4);
    victim.child.kill('SIGKILL');
    await victim.exited;
    const running = (await jobStatusCounts(t.db)).running ?? 0;
    expect(running).toBeGreaterThan(0);
    // Of the jobs it held, only those in its 4 slots had started; the rest were in its buffer.
    const { rows: held } = await sql<{ started: number }>`
      select count(started_at)::int as started from jobs where status = 'running'
    `.execute(t.db);
    expect(held[0]?.started).toBeLessThanOrEqual(4);

    const rescuer = start('--until-idle', '--concurrency', '8', '--lease', '2s', '--poll-interval', '200ms');
    expect((await rescuer.exited).code, rescuer.output()).toBe(0);
    expect(await jobStatusCounts(t.db)).toEqual({ complete: 40 });
    expect(await runsPerJob(t.db)).toEqual({ jobs: 40, minRuns: 1, maxRuns: 1 });
    // job_events tell the story of each rescued job: claimed, rescued, claimed again, completed.
    const { rows } = await sql<{ story: string; n: number }>`
      select string_agg(coalesce(from_status, '∅') || '→' || to_status, ' ' order by id) as story, count(*) over ()::int as n
      from job_events where job_id in (select job_id from job_events where message like 'lease expired%')
      group by job_id
    `.execute(t.db);
    expect(rows.length).toBe(running);
    for (const r of rows) expect(r.story).toBe('pending→running running→pending pending→running running→complete');
    // A job rescued from the buffer got its attempt back: it completed at attempt 1.
    const { rows: attempts } = await sql<{ given_back: boolean; attempts: number }>`
      select e.message like '%attempt given back' as given_back, j.attempts
      from jobs j join job_events e using (job_id) where e.message like 'lease expired%'
    `.execute(t.db);
    for (const a of attempts) expect(a.attempts).toBe(a.given_back ? 1 : 2);
  });

  it('survives pg_terminate_backend of all its connections, twice, and finishes every job', async () => {
    await createNoopRuns(t.db);
    await insertNoopJobs(t.db, 300, { record: true, sleepMs: 20 });
    const w = start('--until-idle', '--concurrency', '4', '--poll-interval', '200ms');
    const terminate = async () => {
      const dbName = new URL(t.url ?? '').pathname.slice(1);
      const admin = new pg.Client({ connectionString: serverUrl });
      await admin.connect();
      const r = await admin.query(
        `select pg_terminate_backend(pid) from pg_stat_activity where datname = $1 and application_name like 'pipectl%'`,
        [dbName],
      );
      await admin.end();
      return r.rowCount ?? 0;
    };
    await waitFor('some progress', async () => ((await jobStatusCounts(t.db)).complete ?? 0) >= 30);
    expect(await terminate()).toBeGreaterThan(0);
    await waitFor('more progress', async () => ((await jobStatusCounts(t.db)).complete ?? 0) >= 150);
    expect(await terminate()).toBeGreaterThan(0);
    const exit = await w.exited;
    expect(exit.code, w.output()).toBe(0);
    expect(w.output()).toMatch(/connection lost/);
    expect(await jobStatusCounts(t.db)).toEqual({ complete: 300 });
    expect(await runsPerJob(t.db)).toEqual({ jobs: 300, minRuns: 1, maxRuns: 1 });
  });

  it('on SIGTERM returns unfinished jobs to pending and exits 0', async () => {
    await insertNoopJobs(t.db, 6, { sleepMs: 10_000 });
    const w = start('--concurrency', '3', '--shutdown-grace', '300ms', '--poll-interval', '100ms');
    await waitFor('jobs to start', async () => (await jobStatusCounts(t.db)).running === 6);
    w.child.kill('SIGTERM');
    const exit = await w.exited;
    expect(exit.code, w.output()).toBe(0);
    expect(await jobStatusCounts(t.db)).toEqual({ pending: 6 });
    expect(await t.db.selectFrom('jobs').select('attempts').distinct().execute()).toEqual([{ attempts: 0 }]);
    const stopped = await t.db.selectFrom('workers').select('stopped_at').executeTakeFirstOrThrow();
    expect(stopped.stopped_at).toBeInstanceOf(Date);
  });

  it('on SIGTERM lets jobs that finish within the grace period complete', async () => {
    await insertNoopJobs(t.db, 2, { sleepMs: 700 });
    const w = start('--concurrency', '2', '--shutdown-grace', '5s', '--poll-interval', '100ms');
    await waitFor('jobs to start', async () => (await jobStatusCounts(t.db)).running === 2);
    w.child.kill('SIGTERM');
    expect((await w.exited).code).toBe(0);
    expect(await jobStatusCounts(t.db)).toEqual({ complete: 2 });
  });

  it('a second signal exits at once', async () => {
    await insertNoopJobs(t.db, 1, { sleepMs: 30_000 });
    const w = start('--shutdown-grace', '60s', '--poll-interval', '100ms');
    await waitFor('the job to start', async () => (await jobStatusCounts(t.db)).running === 1);
    const t0 = Date.now();
    w.child.kill('SIGINT');
    await new Promise((r) => setTimeout(r, 200));
    w.child.kill('SIGINT');
    await w.exited;
    expect(Date.now() - t0).toBeLessThan(3000);
  });

  it('retries a throwing job with growing delays, then fails it with its last error; a permanent error fails at once', async () => {
    await insertNoopJobs(t.db, 1, { fail: 'transient' }, { maxAttempts: 4 });
    await insertNoopJobs(t.db, 1, { fail: 'permanent' }, { maxAttempts: 4 });
    const w = start('--retry-delay', '200ms', '--poll-interval', '100ms');
    await waitFor('both jobs to fail', async () => (await jobStatusCounts(t.db)).failed === 2, 20_000);
    w.child.kill('SIGTERM');
    await w.exited;
    const jobs = await t.db.selectFrom('jobs').select(['job_id', 'attempts', 'last_error', 'payload']).execute();
    const transient = jobs.find((j) => (j.payload as { fail: string }).fail === 'transient');
    const permanent = jobs.find((j) => (j.payload as { fail: string }).fail === 'permanent');
    expect(permanent).toMatchObject({ attempts: 1, last_error: 'noop: permanent failure requested' });
    expect(transient).toMatchObject({ attempts: 4, last_error: 'noop: transient failure on attempt 4' });
    // The gaps between a failure and the next claim grow: 100–200 ms, 200–400 ms, 400–800 ms.
    const { rows } = await sql<{ gap: number }>`
      select extract(epoch from at - lag(at) over (order by id)) * 1000 as gap, to_status
      from job_events where job_id = ${transient?.job_id ?? ''} order by id
    `.execute(t.db);
    const gaps = rows.filter((_, i) => i >= 2 && i % 2 === 0).map((r) => Number(r.gap));
    expect(gaps).toHaveLength(3);
    expect(gaps[0]).toBeGreaterThanOrEqual(90);
    expect(gaps[2]).toBeGreaterThan(gaps[0] ?? Infinity);
    expect(gaps[2]).toBeGreaterThanOrEqual(390);
  });

  it('picks up a domain queued by plain SQL within one poll interval, with no other action', async () => {
    const w = startCli(['process', '--stage', 'sitemap', '--log-format', 'json', '--poll-interval', '1s'], env());
    workers.push(w);
    await waitFor(
      'the worker to register',
      async () => (await t.db.selectFrom('workers').select('worker_id').execute()).length === 1,
    );
    // The incident's verification step: plain SQL, no pipectl command.
    await sql`insert into domains (domain, sitemap_analysis_status) values ('jenkinseyecare.com', 'queued')`.execute(
      t.db,
    );
    const queuedAt = Date.now();
    await waitFor(
      'a sitemap job for the domain',
      async () =>
        (await t.db.selectFrom('jobs').select('job_id').where('job_type', '=', 'sitemap').execute()).length === 1,
      5000,
      20,
    );
    expect(Date.now() - queuedAt).toBeLessThan(1000 + 300);
    const domain = await t.db.selectFrom('domains').select('sitemap_analysis_status').executeTakeFirstOrThrow();
    expect(domain.sitemap_analysis_status).not.toBe('queued');
  });

  it('serves Prometheus metrics and a health check', async () => {
    await insertNoopJobs(t.db, 5);
    await insertNoopJobs(t.db, 2, { sleepMs: 60_000 });
    const w = start('--metrics-port', '0', '--concurrency', '4', '--poll-interval', '100ms');
    await waitFor('the metrics server', async () => /"port":\d+/.test(w.output()));
    const port = Number(/"port":(\d+)/.exec(w.output())?.[1]);
    await waitFor('5 jobs completed', async () => (await jobStatusCounts(t.db)).complete === 5);
    const metrics = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
    expect(metrics).toContain('pipectl_jobs_completed_total{stage="noop"} 5');
    expect(metrics).toContain('pipectl_jobs_claimed_total{stage="noop"} 7');
    expect(metrics).toContain('pipectl_queue_depth{stage="noop",status="running"} 2');
    expect(metrics).toMatch(/pipectl_job_duration_seconds_count\{stage="noop",outcome="completed"\} 5/);
    expect(metrics).toMatch(/pipectl_worker_heartbeat_age_seconds \d/);
    const health = await fetch(`http://127.0.0.1:${port}/healthz`);
    expect(health.status).toBe(200);
  });

  it('domains add rejects junk line by line and still adds the valid names (exit 1)', async () => {
    const r = await runCli(
      ['domains', 'add', '--json', 'Example.COM', 'not a domain', 'https://shop.example.org/x', '127.0.0.1'],
      { env: env() },
    );
    expect(r.code).toBe(1);
    const out = JSON.parse(r.stdout);
    expect(out).toMatchObject({ added: 2, present: 0, rejected: 2 });
    expect(out.results.map((x: { outcome: string }) => x.outcome)).toEqual(['added', 'rejected', 'added', 'rejected']);
  });
});

import { type Kysely, sql } from 'kysely';
import { afterEach, describe, expect, it } from 'vitest';
import type { Database } from '../../src/db/schema.js';
import { waitFor } from '../helpers/cli.js';
import { useTestDatabase } from '../helpers/databases.js';
import { createNoopRuns, jobStatusCounts, runsPerJob } from '../helpers/jobs.js';
import { emptyTables } from '../helpers/rows.js';
import { itLeaksNoSecrets, recordOutput, withPassword } from './helpers/secrets.js';
import { WorkerPool } from './helpers/worker-pool.js';

/** Creates noop jobs with their creation event (∅→pending), as enqueueJobs would. */
async function insertNoopJobs(db: Kysely<Database>, count: number, payload: Record<string, unknown>): Promise<void> {
  await sql`
    with created as (
      insert into jobs (job_type, payload)
      select 'noop', ${JSON.stringify(payload)}::jsonb from generate_series(1, ${count})
      returning job_id
    )
    insert into job_events (job_id, from_status, to_status) select job_id, null, 'pending' from created
  `.execute(db);
}

/** Each job's job_events as one line: `∅→pending pending→running …`. */
async function stories(db: Kysely<Database>): Promise<string[]> {
  const { rows } = await sql<{ story: string }>`
    select string_agg(coalesce(from_status, '∅') || '→' || to_status, ' ' order by id) as story
    from job_events group by job_id order by job_id
  `.execute(db);
  return rows.map((r) => r.story);
}

describe('leases: heartbeats keep a long job, and only a silent worker loses it', () => {
  const t = useTestDatabase('postgres');
  const pools: WorkerPool[] = [];
  const pool = (...args: string[]) => {
    const p = new WorkerPool(['--stage', 'noop', '--log-format', 'json', '--poll-interval', '200ms', ...args], {
      DATABASE_URL: withPassword(t.url ?? ''),
    });
    pools.push(p);
    return p;
  };

  afterEach(async () => {
    for (const p of pools.splice(0)) {
      await p.killAll();
      recordOutput({ stdout: p.output(), stderr: '' });
    }
    await emptyTables(t.db);
    await sql`drop table if exists noop_runs`.execute(t.db);
  });

  it('a job that runs 2.4× its lease while its worker heartbeats is never rescued or run twice', {
    timeout: 90_000,
  }, async () => {
    await createNoopRuns(t.db);
    // 12 s of work under a 5 s lease (heartbeats every 1.7 s); a second worker would rescue a lapsed lease at once.
    await insertNoopJobs(t.db, 8, { sleepMs: 12_000, record: true });
    const workers = pool('--concurrency', '8', '--lease', '5s');
    workers.start(2);
    await waitFor('8 jobs complete', async () => (await jobStatusCounts(t.db)).complete === 8, 75_000, 250);
    expect(await workers.stopAll()).toEqual([0, 0]);

    expect(await runsPerJob(t.db)).toEqual({ jobs: 8, minRuns: 1, maxRuns: 1 });
    expect(await stories(t.db)).toEqual(Array(8).fill('∅→pending pending→running running→complete'));
    const { rows } = await sql<{ ran_ms: number; same_worker: boolean }>`
      select extract(epoch from j.finished_at - j.started_at) * 1000 as ran_ms,
        j.locked_by = (select worker_id from job_events e where e.job_id = j.job_id and e.to_status = 'running') as same_worker
      from jobs j
    `.execute(t.db);
    for (const r of rows) {
      expect(Number(r.ran_ms)).toBeGreaterThan(10_000);
      expect(r.same_worker).toBe(true);
    }
    expect(workers.output()).not.toMatch(/lease expired|job abandoned/);
  });

  it('a job whose worker stops heartbeating (SIGSTOP) is rescued exactly once; the frozen worker, resumed, commits nothing', {
    timeout: 90_000,
  }, async () => {
    await createNoopRuns(t.db);
    await insertNoopJobs(t.db, 4, { sleepMs: 3000, record: true });
    const frozen = pool('--concurrency', '4', '--lease', '3s');
    frozen.start(1);
    await waitFor('the 4 jobs to run', async () => (await jobStatusCounts(t.db)).running === 4, 30_000, 50);
    const { rows: held } = await sql<{ locked_by: string }>`select distinct locked_by from jobs`.execute(t.db);
    expect(held).toHaveLength(1);
    const frozenId = held[0]?.locked_by ?? '';
    frozen.signal(0, 'SIGSTOP');

    const rescuer = pool('--concurrency', '4', '--lease', '3s');
    rescuer.start(1);
    await waitFor('the rescuer to finish the 4 jobs', async () => (await jobStatusCounts(t.db)).complete === 4, 45_000);

    // The frozen worker wakes up believing it still runs the jobs: its heartbeat or its commit
    // must find that it lost them, and abandon them without writing.
    frozen.signal(0, 'SIGCONT');
    await waitFor(
      'the resumed worker to abandon its 4 jobs',
      async () => {
        return (frozen.output().match(/job abandoned/g) ?? []).length >= 4;
      },
      30_000,
      100,
    );
    expect(await frozen.stopAll()).toEqual([0]);
    expect(await rescuer.stopAll()).toEqual([0]);

    expect(await jobStatusCounts(t.db)).toEqual({ complete: 4 });
    expect(await runsPerJob(t.db)).toEqual({ jobs: 4, minRuns: 1, maxRuns: 1 });
    expect(await stories(t.db)).toEqual(
      Array(4).fill('∅→pending pending→running running→pending pending→running running→complete'),
    );
    const { rows: rescues } = await sql<{ message: string; rescuer: string; completer: string; ran_by: string }>`
      select r.message, r.worker_id as rescuer, c.worker_id as completer, n.worker_id as ran_by
      from job_events r
      join job_events c on c.job_id = r.job_id and c.to_status = 'complete'
      join noop_runs n on n.job_id = r.job_id
      where r.from_status = 'running' and r.to_status = 'pending'
    `.execute(t.db);
    expect(rescues).toHaveLength(4);
    for (const r of rescues) {
      expect(r.message).toBe(`lease expired: worker ${frozenId} stopped heartbeating`);
      expect(r.rescuer).not.toBe(frozenId);
      expect(r.completer).not.toBe(frozenId);
      expect(r.ran_by).toBe(r.completer);
    }
  });

  itLeaksNoSecrets();
});

import { Logger, type Runner, run, runMigrations, type TaskList } from 'graphile-worker';
import pg from 'pg';
import { type RunContext, type RunResult, settleAfterLoad, waitFor } from './bench-database.js';
import { measure } from './cpu-meter.js';

export interface GraphileRunOptions {
  /** Jobs the pool fetches and locks per query (`localQueue.size`). */
  localQueueSize: number;
  /**
   * `completeJobBatchDelay` (and `failJobBatchDelay`): -1 completes each job with its own
   * statement, like pipectl's per-job commit; 0 or more batches completions, so a crash can
   * re-run jobs that had finished.
   */
  completeJobBatchDelay: number;
  /**
   * Keep what pipectl keeps: each claim writes an event row, and each completed job is copied,
   * in the statement that deletes it, to a history table with `jobs_done`'s indexes, with its
   * event row (`job_events`' index). Row triggers do it (see `keepHistory`), so graphile-worker
   * still commits once per job; it measures how much of pipectl's gap is the schema contract.
   */
  keepHistory?: boolean;
}

// Only errors: its info lines (worker started, …) would interleave with the table.
const quietLogger = new Logger(() => (level, message) => {
  if (String(level) === 'error') console.error(`graphile-worker: ${message}`);
});

/**
 * N no-op jobs through graphile-worker's `run()` in this process. It deletes a job when it
 * completes, so the run is over when its jobs table is empty; timed from `run()` to then.
 *
 * graphile-worker runs on a pool of ours, with an 'error' listener, ended before this returns:
 * a pool it made itself had none, and when the next round dropped the database `with (force)`,
 * an idle connection's "terminating connection due to administrator command" killed the bench.
 */
export async function runGraphileWorker(ctx: RunContext, opts: GraphileRunOptions): Promise<RunResult> {
  const pgPool = new pg.Pool({
    connectionString: ctx.url,
    max: ctx.concurrency + 4,
    application_name: 'pipectl-bench',
  });
  pgPool.on('error', (err) => console.error(`graphile-worker pool: ${err.message}`));
  pgPool.on('connect', (client) => client.on('error', () => {})); // the pool's listener reports it
  try {
    return await runOnPool(ctx, opts, pgPool);
  } finally {
    await pgPool.end();
  }
}

async function runOnPool(ctx: RunContext, opts: GraphileRunOptions, pgPool: pg.Pool): Promise<RunResult> {
  await runMigrations({ pgPool, logger: quietLogger });
  if (opts.keepHistory) await pgPool.query(keepHistory);
  const client = new pg.Client({ connectionString: ctx.url, application_name: 'pipectl-bench' });
  client.on('error', () => {}); // a dropped connection fails the next query, which reports it
  await client.connect();
  try {
    // One statement, as pipectl's bulk load: add_jobs takes graphile_worker.job_spec[]
    // (identifier, payload json, queue_name, run_at, max_attempts, job_key, priority, flags).
    await client.query(
      `select count(*) from graphile_worker.add_jobs(array(
         select row('noop', '{}'::json, null, null, null, null, null, null)::graphile_worker.job_spec
         from generate_series(1, $1::int)))`,
      [ctx.jobs],
    );
    await settleAfterLoad(ctx.url);

    let ran = 0;
    const taskList: TaskList = {
      noop: async () => {
        ran++;
      },
    };
    let runner: Runner | undefined;
    try {
      const { ms, cpu } = await measure(ctx.url, async () => {
        runner = await run({
          pgPool,
          concurrency: ctx.concurrency,
          pollInterval: 1000,
          noHandleSignals: true,
          logger: quietLogger,
          taskList,
          preset: {
            worker: {
              localQueue: { size: opts.localQueueSize },
              completeJobBatchDelay: opts.completeJobBatchDelay,
              failJobBatchDelay: opts.completeJobBatchDelay,
            },
          },
        });
        let crashed: unknown;
        runner.promise.catch((err: unknown) => {
          crashed = err;
        });
        const ok = () => {
          if (crashed) throw crashed;
        };
        // Count in process first, so that the polling query only runs near the end.
        await waitFor(
          () => {
            ok();
            return ran >= ctx.jobs;
          },
          { intervalMs: 5, deadline: ctx.deadline, what: 'graphile tasks' },
        );
        await waitFor(
          async () => {
            ok();
            const { rows } = await client.query<{ left: boolean }>(
              'select exists (select 1 from graphile_worker._private_jobs) as left',
            );
            return rows[0]?.left === false;
          },
          { intervalMs: 5, deadline: ctx.deadline, what: 'an empty graphile_worker jobs table' },
        );
      });
      if (ran !== ctx.jobs) throw new Error(`graphile-worker ran ${ran} tasks for ${ctx.jobs} jobs`);
      return { jobs: ran, ms, cpu };
    } finally {
      await runner?.stop();
    }
  } finally {
    await client.end();
  }
}

/**
 * graphile-worker made to keep what pipectl keeps (`keepHistory`). The history table has
 * `jobs_done`'s columns and its six indexes (two partial ones a no-op job never enters), the
 * events table `job_events`' columns and its index; the job id is graphile-worker's bigint.
 */
const keepHistory = `
  create table bench_jobs_done (
    job_id bigint not null, job_type text not null, status text not null, domain_id bigint,
    payload jsonb not null, priority int not null, attempts int not null, max_attempts int not null,
    run_at timestamptz not null, locked_by text, last_error text, created_at timestamptz not null,
    started_at timestamptz, finished_at timestamptz, updated_at timestamptz not null
  );
  create unique index on bench_jobs_done (job_id);
  create index on bench_jobs_done (job_type, finished_at) include (status);
  create index on bench_jobs_done (job_type, finished_at) include (created_at)
    where finished_at is not null and finished_at - created_at > interval '1 day';
  create index on bench_jobs_done (job_type, created_at);
  create index on bench_jobs_done (domain_id);
  create index on bench_jobs_done (finished_at) include (created_at, job_type)
    where finished_at is not null and (created_at at time zone 'UTC')::date <> (finished_at at time zone 'UTC')::date;
  create table bench_job_events (
    id bigint generated by default as identity, job_id bigint not null, from_status text,
    to_status text not null, at timestamptz not null default now(), worker_id text,
    attempt int not null default 0, message text
  );
  create index on bench_job_events (job_id, at);
  create function bench_job_claimed() returns trigger language plpgsql as $$
  begin
    insert into bench_job_events (job_id, from_status, to_status, worker_id, attempt)
    values (new.id, 'pending', 'running', new.locked_by, new.attempts);
    return null;
  end $$;
  create function bench_job_done() returns trigger language plpgsql as $$
  begin
    insert into bench_jobs_done (job_id, job_type, status, payload, priority, attempts, max_attempts, run_at,
      locked_by, last_error, created_at, started_at, finished_at, updated_at)
    values (old.id, 'noop', 'complete', old.payload::jsonb, old.priority, old.attempts, old.max_attempts,
      old.run_at, old.locked_by, old.last_error, old.created_at, old.locked_at, now(), now());
    insert into bench_job_events (job_id, from_status, to_status, worker_id, attempt)
    values (old.id, 'running', 'complete', old.locked_by, old.attempts);
    return null;
  end $$;
  create trigger bench_job_claimed after update on graphile_worker._private_jobs
    for each row when (old.locked_at is null and new.locked_at is not null) execute function bench_job_claimed();
  create trigger bench_job_done after delete on graphile_worker._private_jobs
    for each row execute function bench_job_done();
`;

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

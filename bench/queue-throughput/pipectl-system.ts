import { Kysely, type LogEvent, PostgresDialect, sql } from 'kysely';
import { pino } from 'pino';
import { migrateToLatest } from '../../src/db/migrator.js';
import { createPgPool } from '../../src/db/pg-pool.js';
import type { Database } from '../../src/db/schema.js';
import type { StageHandler } from '../../src/pipeline/stage.js';
import { noopStage } from '../../src/pipeline/stages/noop-stage.js';
import { Worker } from '../../src/pipeline/worker/worker.js';
import { createNoopRuns, insertNoopJobs } from '../shared/noop-jobs.js';
import { type RunContext, type RunResult, settleAfterLoad } from './bench-database.js';
import { measure } from './cpu-meter.js';
import type { StatementProfile } from './statement-profile.js';

export interface PipectlRunOptions {
  /** Each job's commit also inserts a `noop_runs` row: a handler write inside the completion transaction. */
  record: boolean;
  /** Collects the client-side duration of every statement the worker sends. */
  profile?: StatementProfile;
  /** Each job commits alone (the worker's `groupCommit: false`), as before session 9. */
  solo?: boolean;
}

/**
 * N noop jobs through pipectl's own `Worker`, in this process, exactly as `pipectl process
 * --until-idle` runs them: batch claims, then the completions ready at the same time commit
 * together (group commit; `solo`: one transaction per job), each with the stage's commit. Timed
 * from `run()` to its return once the queue is idle.
 */
export async function runPipectl(ctx: RunContext, opts: PipectlRunOptions): Promise<RunResult> {
  // The same pool as `pipectl process`: prepared hot statements, int8 as numbers.
  const pool = createPgPool({ connectionString: ctx.url, max: ctx.concurrency + 4, applicationName: 'pipectl-bench' });
  const profile = opts.profile;
  const db = new Kysely<Database>({
    dialect: new PostgresDialect({ pool }),
    log: profile ? (event: LogEvent) => profile.record(event.query.sql, event.queryDurationMillis) : undefined,
  });
  try {
    await migrateToLatest(db);
    if (opts.record) await createNoopRuns(db);
    // A preloaded database (pipectl-loaded) already holds finished jobs: count this run's only.
    const completeBefore = await countComplete(db);
    await insertNoopJobs(db, ctx.jobs, opts.record ? { record: true } : {});
    await settleAfterLoad(ctx.url);
    profile?.start();

    const worker = new Worker({
      db,
      stages: new Map([['noop', noopStage as StageHandler]]),
      concurrency: ctx.concurrency,
      untilIdle: true,
      pollIntervalMs: 1000,
      logger: pino({ level: 'warn' }),
      groupCommit: !opts.solo,
    });
    const stopOnTimeout = setTimeout(() => worker.stop(), Math.max(0, ctx.deadline - performance.now()));
    const {
      value: summary,
      ms,
      cpu,
    } = await measure(ctx.url, () => worker.run()).finally(() => {
      profile?.stop();
      clearTimeout(stopOnTimeout);
    });

    if (summary.reason !== 'idle')
      throw new Error(`pipectl worker stopped before the queue was idle (${summary.reason})`);
    const { rows } = await sql<{ complete: number; recorded: number | null }>`
      select (select count(*) from jobs where status = 'complete')::int as complete,
             ${opts.record ? sql`(select count(*) from noop_runs)::int` : sql`null`} as recorded
    `.execute(db);
    const complete = (rows[0]?.complete ?? 0) - completeBefore;
    if (complete !== ctx.jobs || summary.completed !== ctx.jobs) {
      throw new Error(`pipectl completed ${summary.completed} (${complete} in the table) of ${ctx.jobs} jobs`);
    }
    if (opts.record && rows[0]?.recorded !== ctx.jobs) {
      throw new Error(`pipectl recorded ${rows[0]?.recorded} noop_runs rows for ${ctx.jobs} jobs`);
    }
    return { jobs: complete, ms, cpu };
  } finally {
    await db.destroy();
  }
}

async function countComplete(db: Kysely<Database>): Promise<number> {
  const { rows } = await sql<{ n: number }>`select count(*)::int as n from jobs where status = 'complete'`.execute(db);
  return rows[0]?.n ?? 0;
}

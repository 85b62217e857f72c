import pg from 'pg';
import PgBoss from 'pg-boss';
import { type RunContext, type RunResult, settleAfterLoad, waitFor } from './bench-database.js';
import { measure } from './cpu-meter.js';

const queue = 'noop';

/**
 * N no-op jobs through pg-boss: C workers (`work()` once per slot, as pg-boss 10 scales), each
 * fetching 100 jobs and completing them in one statement. pg-boss keeps completed jobs, so the
 * run is over when N of them are `completed`; timed from the first `work()` to then.
 */
export async function runPgBoss(ctx: RunContext): Promise<RunResult> {
  const boss = new PgBoss({ connectionString: ctx.url, max: ctx.concurrency + 4, application_name: 'pipectl-bench' });
  let failure: unknown;
  boss.on('error', (err) => {
    failure ??= err;
  });
  const client = new pg.Client({ connectionString: ctx.url, application_name: 'pipectl-bench' });
  client.on('error', () => {}); // a dropped connection fails the next query, which reports it
  await client.connect();
  try {
    await boss.start();
    await boss.createQueue(queue);
    await boss.insert(Array.from({ length: ctx.jobs }, () => ({ name: queue, data: {} })));
    await settleAfterLoad(ctx.url);

    let ran = 0;
    const ok = () => {
      if (failure) throw failure;
    };
    let completed = 0;
    const { ms, cpu } = await measure(ctx.url, async () => {
      for (let i = 0; i < ctx.concurrency; i++) {
        await boss.work(queue, { batchSize: 100, pollingIntervalSeconds: 0.5 }, async (jobs) => {
          ran += jobs.length;
        });
      }
      await waitFor(
        () => {
          ok();
          return ran >= ctx.jobs;
        },
        { intervalMs: 5, deadline: ctx.deadline, what: 'pg-boss handlers' },
      );
      await waitFor(
        async () => {
          ok();
          const { rows } = await client.query<{ n: number }>(
            `select count(*)::int as n from pgboss.job where name = $1 and state = 'completed'`,
            [queue],
          );
          completed = rows[0]?.n ?? 0;
          return completed >= ctx.jobs;
        },
        { intervalMs: 5, deadline: ctx.deadline, what: 'pg-boss completions' },
      );
    });
    if (ran !== ctx.jobs) throw new Error(`pg-boss ran ${ran} handlers for ${ctx.jobs} jobs`);
    return { jobs: completed, ms, cpu };
  } finally {
    await boss.stop({ graceful: false, wait: true, close: true }).catch(() => {});
    await client.end();
  }
}

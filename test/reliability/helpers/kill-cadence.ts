import { setTimeout as sleep } from 'node:timers/promises';
import { sql } from 'kysely';
import type { DisruptContext } from './scenario.js';
import { percentiles } from './scenario.js';
import type { WorkerPool } from './worker-pool.js';

/**
 * Longest a worker may take from spawn to registration before a kill scenario calls the
 * machine too slow for its cadence. Unloaded it takes ~0.6 s; 5.6 s was the slowest in the
 * stall diagnosis, 8–10 s with the workers held to 0.6 of a core, and 20–26 s on the shared
 * 2-core machine at a load average of 20 (docs/reliability.md). Still far below the
 * scenarios' 240 s limit, so a starved machine fails in a minute and says why.
 */
export const registrationTimeoutMs = 60_000;

/** Thrown, at once, when workers take so long to start that a kill scenario cannot keep its cadence. */
export class TooSlowForCadenceError extends Error {
  constructor(label: string, pool: WorkerPool, slot: number) {
    const s = pool.startups();
    const p = percentiles(s.startupMs);
    super(
      `${label}: the worker in slot ${slot} has not registered ${registrationTimeoutMs / 1000}s after it was spawned; ` +
        `${s.killedBeforeRegistration} of ${pool.started} workers so far were killed before they registered ` +
        (s.startupMs.length === 0
          ? '(none has registered yet)'
          : `(spawn → registration p50 ${p.p50} ms, max ${p.max} ms)`) +
        ': the machine is too slow for this cadence. ' +
        'This is CPU starvation of the test, not a hang of the pipeline (docs/reliability.md).',
    );
    this.name = 'TooSlowForCadenceError';
  }
}

/** Waits until slot i's worker has worked `workedMs` since registering; false if the pipeline finished first. */
async function untilWorked(
  label: string,
  { pool, done }: DisruptContext,
  slot: number,
  workedMs: number,
): Promise<boolean> {
  for (;;) {
    if (done()) return false;
    const state = await pool.registered(slot, workedMs, registrationTimeoutMs);
    if (state === 'worked') return !done();
    if (state === 'timeout') throw new TooSlowForCadenceError(label, pool, slot);
    // It exited on its own (it should not): the scenario's exit-code check will say so.
    await sleep(100);
  }
}

/**
 * Waits (up to `maxMs`) until slot i's worker has completed a job, so that every kill leaves
 * the pipeline further on: on a starved machine a worker can take longer than `workedMs` to
 * finish its first job, and killing it then only burns attempts.
 */
async function untilCompletedOne({ pool, db, done }: DisruptContext, slot: number, maxMs: number): Promise<void> {
  const workerId = pool.workerId(slot);
  const until = performance.now() + maxMs;
  while (workerId !== undefined && !done() && performance.now() < until) {
    const { rows } = await sql<{ n: number }>`
      select count(*)::int as n from job_events where worker_id = ${workerId} and to_status = 'complete'
    `.execute(db);
    if ((rows[0]?.n ?? 0) > 0) return;
    await sleep(100);
  }
}

/**
 * kill -9 of one worker at a time, round robin, restarted at once, as a supervisor would: each
 * victim has registered and worked `workedMs` first (a worker still loading its modules holds
 * nothing to rescue), and completed a job (or waited 10 s more for one); kills are at least
 * `everyMs` apart. Returns the number of kills.
 */
export function killWorkingWorkers(
  label: string,
  opts: { everyMs: number; workedMs: number },
): (ctx: DisruptContext) => Promise<number> {
  return async (ctx) => {
    let kills = 0;
    await sleep(opts.everyMs);
    while (!ctx.done()) {
      const slot = kills % ctx.pool.size;
      if (!(await untilWorked(label, ctx, slot, opts.workedMs))) break;
      await untilCompletedOne(ctx, slot, 10_000);
      if (ctx.done()) break;
      await ctx.pool.killAndRestart(slot);
      kills++;
      await sleep(opts.everyMs);
    }
    return kills;
  };
}

/**
 * A crash loop: for `forMs`, every worker dies (kill -9) at a random moment within `withinMs`
 * of registering, and is restarted at once; each slot on its own clock. Returns the kills.
 */
export function crashLoop(
  label: string,
  opts: { forMs: number; withinMs: number },
): (ctx: DisruptContext) => Promise<number> {
  return async (ctx) => {
    const until = performance.now() + opts.forMs;
    let kills = 0;
    await Promise.all(
      Array.from({ length: ctx.pool.size }, async (_, slot) => {
        while (performance.now() < until) {
          if (!(await untilWorked(label, ctx, slot, Math.random() * opts.withinMs))) return;
          if (performance.now() >= until) return;
          await ctx.pool.killAndRestart(slot);
          kills++;
        }
      }),
    );
    return kills;
  };
}

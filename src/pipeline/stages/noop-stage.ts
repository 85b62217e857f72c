import { sql } from 'kysely';
import type { Job } from '../../db/schema.js';
import { PermanentJobError, type StageHandler } from '../stage.js';
import { sleep } from '../worker/reconnect.js';

/**
 * A stage that does nothing, for the queue's own tests and benchmarks; no command creates its
 * jobs and `--stage noop` is not advertised. Its payload can make it slow, fail, or count its
 * runs in a `noop_runs` table that the test creates (the proof that each job ran exactly once).
 */
interface NoopPayload {
  sleepMs?: number;
  fail?: 'transient' | 'permanent';
  /** With fail: 'transient', fail only on the first N attempts. */
  failTimes?: number;
  record?: boolean;
}

export const noopStage: StageHandler<void> = {
  jobType: 'noop',
  async run(job: Job, ctx) {
    const p = job.payload as NoopPayload;
    if (p.sleepMs) {
      await sleep(p.sleepMs, ctx.signal);
      if (ctx.signal.aborted) throw ctx.signal.reason;
    }
    if (p.fail === 'permanent') throw new PermanentJobError('noop: permanent failure requested');
    if (p.fail === 'transient' && (p.failTimes === undefined || job.attempts <= p.failTimes)) {
      throw new Error(`noop: transient failure on attempt ${job.attempts}`);
    }
  },
  commitNeeded: (job) => (job.payload as NoopPayload).record === true,
  async commit(job, _result, ctx) {
    if ((job.payload as NoopPayload).record) {
      await sql`insert into noop_runs (job_id, worker_id) values (${job.job_id}, ${ctx.workerId})`.execute(ctx.trx);
    }
  },
};

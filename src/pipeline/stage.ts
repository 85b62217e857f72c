import type { Kysely, Transaction } from 'kysely';
import type { Logger } from 'pino';
import type { Database, Job, JobType } from '../db/schema.js';

/**
 * What a handler may use while it does its slow work (network, parsing) outside any transaction.
 * A stage's settings are not here: each stage takes its own typed config when it is created.
 */
export interface RunContext {
  /**
   * The database, outside any transaction. Use it only for idempotent writes that are safe to
   * repeat if the job is re-run (for example `insert … on conflict do nothing` of pages in batches).
   */
  readonly db: Kysely<Database>;
  /** Aborted when the worker shuts down or the job's lease is lost: stop work and throw. */
  readonly signal: AbortSignal;
  readonly logger: Logger;
}

/**
 * What a handler may use inside the transaction that completes its job. Jobs that finish at the
 * same time share that transaction (the worker's group commit): write through `trx`, never end
 * it, and throw to refuse; the worker then runs each of them again alone.
 */
export interface CommitContext {
  readonly trx: Transaction<Database>;
  readonly workerId: string;
  readonly logger: Logger;
}

/**
 * A stage of the pipeline (WF4 sitemap, WF5 page_import, WF7 contact_scan).
 *
 * The invariant that makes the incident impossible: `commit` writes the stage's results, and
 * enqueues the next stage's jobs (with `enqueueJobs(ctx.trx, …)`), in the very transaction that
 * marks the job complete. There is no separate trigger to forget, and no state in memory.
 *
 * `run` never holds a transaction open while it waits on the network.
 */
export interface StageHandler<R = unknown> {
  readonly jobType: JobType;
  /** Does the work; may throw. A `PermanentJobError` fails the job at once, anything else is retried. */
  run(job: Job, ctx: RunContext): Promise<R>;
  /** Records the result of `run` and enqueues follow-up jobs, in the transaction that completes the job. */
  commit(job: Job, result: R, ctx: CommitContext): Promise<void>;
  /**
   * Optional: return false when this result writes nothing, and the job then completes with one
   * statement (its own transaction) instead of begin / commit() / complete / commit. Every real
   * stage writes results, so only the test-only noop stage uses it.
   */
  commitNeeded?(job: Job, result: R): boolean;
  /** Called in the transaction that fails the job for good (after its last attempt): record the failure. */
  onFailed?(job: Job, error: string, ctx: CommitContext): Promise<void>;
}

/** An error that retrying cannot fix (HTTP 404 on the only sitemap, an invalid input): the job fails at once. */
export class PermanentJobError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'PermanentJobError';
  }
}

import { randomUUID } from 'node:crypto';
import os from 'node:os';
import type { Kysely } from 'kysely';
import type { Logger } from 'pino';
import type { Database, Job, JobType } from '../../db/schema.js';
import { type BackoffOptions, defaultBackoff, retryDelayMs } from '../queue/backoff.js';
import { claimJobs } from '../queue/claim-jobs.js';
import { completedBy, completeJob, LeaseLostError } from '../queue/complete-job.js';
import { extendLeases } from '../queue/extend-leases.js';
import { failJob } from '../queue/fail-job.js';
import { intakeDomains } from '../queue/intake-domains.js';
import { releaseJobs } from '../queue/release-jobs.js';
import { rescueExpiredLeases } from '../queue/rescue-expired-leases.js';
import { PermanentJobError, type StageHandler } from '../stage.js';
import { isDataError } from '../stages/is-data-error.js';
import { defaultIdleHorizonMs, idleState, type ScheduledJobs } from './is-idle.js';
import { sleep, withReconnect } from './reconnect.js';
import { registerWorker, stopWorker, touchWorker } from './worker-registry.js';

/** What a worker reports as it goes, for the progress display and the metrics. */
export type WorkerEvent =
  | { type: 'claimed'; jobType: JobType; count: number }
  | { type: 'completed'; jobType: JobType; durationMs: number }
  | { type: 'failed'; jobType: JobType; durationMs: number; final: boolean; error: string }
  | { type: 'rescued'; jobType: JobType; count: number }
  | { type: 'intake'; count: number }
  | { type: 'heartbeat'; ok: boolean };

export interface WorkerOptions {
  db: Kysely<Database>;
  /** The stage handlers by job type; the worker claims only these types. */
  stages: ReadonlyMap<JobType, StageHandler>;
  logger: Logger;
  /** Jobs run at once (default 4). */
  concurrency?: number;
  /** How often to poll for work, intake queued domains and rescue leases, in ms (default 2000). */
  pollIntervalMs?: number;
  /** How long a claimed job is held without a heartbeat, in seconds (default 60). */
  leaseSeconds?: number;
  /** Exit when no runnable job, running job or queued domain is left. */
  untilIdle?: boolean;
  /**
   * With `untilIdle`: how far ahead to wait for untried jobs scheduled later, in ms (default
   * 5 min, `--idle-horizon`). Jobs due later are left pending, and named in the log.
   */
  idleHorizonMs?: number;
  /** Exit after starting this many jobs. */
  maxJobs?: number;
  /** How long shutdown waits for running jobs before handing them back, in ms (default 10000). */
  shutdownGraceMs?: number;
  backoff?: BackoffOptions;
  /** Options passed to every handler's run() (max URLs, fetch settings…). */
  stageOptions?: Record<string, unknown>;
  /** LISTEN for new-job notifications; returns a function that stops listening. */
  listen?: (wake: () => void) => () => Promise<void>;
  onEvent?: (event: WorkerEvent) => void;
  version?: string;
  workerId?: string;
}

export interface WorkerSummary {
  workerId: string;
  completed: number;
  failed: number;
  retried: number;
  rescued: number;
  released: number;
  durationMs: number;
  reason: 'idle' | 'max-jobs' | 'stopped';
}

interface RunningJob {
  job: Job;
  controller: AbortController;
  done: Promise<void>;
}

/**
 * A `pipectl process` worker: it keeps no job state that is not in the database. Every poll it
 * takes in queued domains, rescues expired leases and claims jobs; LISTEN/NOTIFY only makes it
 * poll sooner. Each job's results, completion and follow-up jobs commit in one transaction.
 */
export class Worker {
  readonly workerId: string;
  readonly #o: Required<Omit<WorkerOptions, 'listen' | 'onEvent' | 'maxJobs' | 'workerId'>> &
    Pick<WorkerOptions, 'listen' | 'onEvent' | 'maxJobs'>;
  readonly #jobTypes: JobType[];
  readonly #running = new Map<string, RunningJob>();
  /** Claimed ahead (graphile-worker's local queue), so that a free slot needs no round trip. */
  readonly #buffer: Job[] = [];
  readonly #stop = new AbortController();
  #wakeSleeper: (() => void) | undefined;
  /** Set when a wake-up arrives while the loop is busy, so that its next sleep returns at once. */
  #woken = false;
  #started = 0;
  /** When `--until-idle` last logged what it waits for, and for which job types. */
  #waitLogged = { at: 0, types: '' };
  #summary = { completed: 0, failed: 0, retried: 0, rescued: 0, released: 0 };

  constructor(options: WorkerOptions) {
    this.workerId = options.workerId ?? `${os.hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
    this.#o = {
      concurrency: 4,
      pollIntervalMs: 2000,
      leaseSeconds: 60,
      untilIdle: false,
      idleHorizonMs: defaultIdleHorizonMs,
      shutdownGraceMs: 10_000,
      backoff: defaultBackoff,
      stageOptions: {},
      version: '0.0.0',
      ...options,
    };
    this.#jobTypes = [...options.stages.keys()];
  }

  /** Asks the worker to stop claiming; running jobs get the shutdown grace period to finish. */
  stop(): void {
    this.#stop.abort();
    this.#wake();
  }

  get stopping(): boolean {
    return this.#stop.signal.aborted;
  }

  /** Runs until stopped (or idle / max jobs); resolves with what it did. */
  async run(): Promise<WorkerSummary> {
    const { db, logger } = this.#o;
    const startedAt = performance.now();
    const retry = { logger, signal: this.#stop.signal };
    await withReconnect(() => registerWorker(db, { workerId: this.workerId, version: this.#o.version }), {
      ...retry,
      what: 'worker registration',
    });
    logger.info(
      { workerId: this.workerId, stages: this.#jobTypes, concurrency: this.#o.concurrency },
      'worker started',
    );
    const heartbeat = setInterval(() => void this.#heartbeat(), Math.min(15_000, (this.#o.leaseSeconds * 1000) / 3));
    const unlisten = this.#listen();
    let reason: WorkerSummary['reason'] = 'stopped';
    try {
      reason = await this.#loop();
    } finally {
      clearInterval(heartbeat);
      await this.#drain();
      await unlisten?.().catch(() => {});
      await withReconnect(() => stopWorker(db, this.workerId), {
        ...retry,
        signal: AbortSignal.timeout(5000),
        what: 'worker stop',
      }).catch((err) => logger.warn({ err: (err as Error).message }, 'could not record the worker stop'));
    }
    const summary = {
      workerId: this.workerId,
      ...this.#summary,
      durationMs: Math.round(performance.now() - startedAt),
      reason,
    };
    logger.info(summary, 'worker stopped');
    return summary;
  }

  async #loop(): Promise<WorkerSummary['reason']> {
    const { db, logger, pollIntervalMs, concurrency } = this.#o;
    let nextMaintenance = 0;
    let failures = 0;
    while (!this.stopping) {
      try {
        if (performance.now() >= nextMaintenance) {
          await this.#maintain();
          nextMaintenance = performance.now() + pollIntervalMs;
        }
        const claimed = await this.#fill();
        if (this.#o.maxJobs !== undefined && this.#started >= this.#o.maxJobs && this.#running.size === 0) {
          return 'max-jobs';
        }
        if (this.#o.untilIdle && this.#running.size === 0 && this.#buffer.length === 0 && claimed === 0) {
          const state = await idleState(db, this.#jobTypes, this.#o.idleHorizonMs);
          if (state.idle) {
            if (state.beyondHorizon.length > 0) {
              logger.warn(
                { jobs: state.beyondHorizon, idleHorizonMs: this.#o.idleHorizonMs },
                `idle: leaving ${describeScheduled(state.beyondHorizon)} pending, due beyond the idle horizon`,
              );
            }
            return 'idle';
          }
          this.#logWaiting(state.waitingFor);
        }
        failures = 0;
        // A full batch means more work is probably waiting: go again at once, once a slot frees.
        const slotFree = this.#running.size < concurrency;
        if (claimed > 0 && slotFree) continue;
        await this.#sleep(pollIntervalMs);
      } catch (err) {
        failures++;
        const delay = Math.min(250 * 2 ** Math.min(failures, 5), 5000);
        logger.warn({ err: (err as Error).message, retryInMs: delay }, 'worker loop error; retrying');
        await this.#sleep(delay);
      }
    }
    return 'stopped';
  }

  /** Says what `--until-idle` waits for, when its job types change and once a minute: a wait is never silent. */
  #logWaiting(waitingFor: ScheduledJobs[]): void {
    if (waitingFor.length === 0) return;
    // Keyed on the job types only: counts fall with every spaced WF7 batch, and each is no news.
    const types = waitingFor.map((j) => j.jobType).join(',');
    const now = performance.now();
    if (types === this.#waitLogged.types && now - this.#waitLogged.at < 60_000) return;
    this.#waitLogged = { at: now, types };
    this.#o.logger.info(
      { jobs: waitingFor, idleHorizonMs: this.#o.idleHorizonMs },
      `waiting for ${describeScheduled(waitingFor)}`,
    );
  }

  /** Intake and lease rescue: the work that used to depend on one scheduler, done by every worker. */
  async #maintain(): Promise<void> {
    const { db } = this.#o;
    // Every worker takes in queued domains, whatever stages it runs: the incident's scheduler
    // was one process that could be switched off on its own.
    const count = await intakeDomains(db);
    if (count > 0) this.#o.onEvent?.({ type: 'intake', count });
    const rescued = await rescueExpiredLeases(db, this.workerId);
    if (rescued.length > 0) {
      this.#summary.rescued += rescued.length;
      this.#o.logger.warn({ jobs: rescued }, `rescued ${rescued.length} job(s) whose lease expired`);
      const byType = new Map<JobType, number>();
      for (const r of rescued) byType.set(r.job_type as JobType, (byType.get(r.job_type as JobType) ?? 0) + 1);
      for (const [jobType, count] of byType) this.#o.onEvent?.({ type: 'rescued', jobType, count });
    }
  }

  /**
   * Starts buffered jobs in free slots, claiming a new batch when the buffer runs low. Returns
   * jobs claimed. The buffer holds up to 2×concurrency claimed jobs (their leases are extended
   * like running ones) and is refilled only when a quarter is left, so that a claim fetches a
   * full batch: claiming one job per freed slot cost a round trip and a commit per job.
   */
  async #fill(): Promise<number> {
    const { concurrency } = this.#o;
    const capacity = 2 * concurrency;
    let claimed = 0;
    const budget = this.#o.maxJobs === undefined ? Infinity : this.#o.maxJobs - this.#started - this.#buffer.length;
    const want = Math.min(capacity - this.#buffer.length, budget);
    const low =
      this.#buffer.length <= Math.floor(capacity / 4) || this.#running.size + this.#buffer.length < concurrency;
    if (low && want > 0 && !this.stopping) {
      const jobs = await claimJobs(this.#o.db, {
        workerId: this.workerId,
        jobTypes: this.#jobTypes,
        limit: want,
        leaseSeconds: this.#o.leaseSeconds,
      });
      claimed = jobs.length;
      this.#buffer.push(...jobs);
      const byType = new Map<JobType, number>();
      for (const j of jobs) byType.set(j.job_type, (byType.get(j.job_type) ?? 0) + 1);
      for (const [jobType, count] of byType) this.#o.onEvent?.({ type: 'claimed', jobType, count });
    }
    while (this.#running.size < concurrency && this.#buffer.length > 0 && !this.stopping) {
      const job = this.#buffer.shift() as Job;
      this.#start(job);
    }
    return claimed;
  }

  #start(job: Job): void {
    this.#started++;
    const controller = new AbortController();
    const entry: RunningJob = { job, controller, done: Promise.resolve() };
    entry.done = this.#execute(job, controller.signal).finally(() => {
      this.#running.delete(job.job_id);
      this.#wake();
    });
    this.#running.set(job.job_id, entry);
  }

  async #execute(job: Job, signal: AbortSignal): Promise<void> {
    const { db, logger } = this.#o;
    const log = logger.child({ jobId: job.job_id, jobType: job.job_type, attempt: job.attempts });
    const handler = this.#o.stages.get(job.job_type);
    const started = performance.now();
    const ctx = { logger: log, workerId: this.workerId };
    // Finishing a job must survive a database outage; give up only if the lease is lost meanwhile.
    const retry = { logger: log, signal, what: `finishing job ${job.job_id}` };
    try {
      if (!handler) throw new PermanentJobError(`no handler for job type ${job.job_type}`);
      const result = await handler.run(job, { db, signal, logger: log, options: this.#o.stageOptions });
      if (signal.aborted) throw signal.reason;
      const transactional = handler.commitNeeded?.(job, result) ?? true;
      await withReconnect(async () => {
        try {
          if (transactional) {
            await db.transaction().execute(async (trx) => {
              await completeJob(trx, job, this.workerId);
              await handler.commit(job, result, { ...ctx, trx });
            });
          } else {
            await completeJob(db, job, this.workerId);
          }
        } catch (err) {
          // A commit cut off by a lost connection may have landed; if so, it is done.
          if (!(err instanceof LeaseLostError) && (await completedBy(db, job.job_id, this.workerId))) return;
          throw err;
        }
      }, retry);
      this.#summary.completed++;
      this.#o.onEvent?.({ type: 'completed', jobType: job.job_type, durationMs: performance.now() - started });
    } catch (err) {
      if (err instanceof LeaseLostError || signal.aborted) {
        // Lost the lease (rescued elsewhere) or shutting down: the job is someone else's, or
        // will be handed back by #drain. Never fail or complete it from here.
        log.warn({ err: (err as Error)?.message ?? String(err) }, 'job abandoned');
        return;
      }
      await this.#fail(job, err, handler, started, log, signal);
    }
  }

  async #fail(
    job: Job,
    err: unknown,
    handler: StageHandler | undefined,
    started: number,
    log: Logger,
    signal: AbortSignal,
  ) {
    const message = err instanceof Error ? err.message : String(err);
    // A value PostgreSQL refused (SQLSTATE class 22) is refused again on every retry.
    const permanent = err instanceof PermanentJobError || isDataError(err);
    const delay = retryDelayMs(job.attempts, this.#o.backoff);
    const status = await withReconnect(
      () =>
        this.#o.db.transaction().execute(async (trx) => {
          const s = await failJob(trx, job, {
            workerId: this.workerId,
            error: message,
            permanent,
            retryDelayMs: delay,
          });
          if (s === 'failed') await handler?.onFailed?.(job, message, { trx, workerId: this.workerId, logger: log });
          return s;
        }),
      { logger: log, signal, what: `failing job ${job.job_id}` },
    ).catch((e: unknown) => {
      log.error(
        { err: (e as Error).message },
        'could not record the job failure; its lease will expire and it will be rescued',
      );
      return undefined;
    });
    if (status === undefined) return;
    const final = status === 'failed';
    if (final) this.#summary.failed++;
    else this.#summary.retried++;
    log[final ? 'error' : 'warn'](
      { err: message, permanent, retryInMs: final ? undefined : delay },
      final ? 'job failed' : 'job will retry',
    );
    this.#o.onEvent?.({
      type: 'failed',
      jobType: job.job_type,
      durationMs: performance.now() - started,
      final,
      error: message,
    });
  }

  /** Shutdown: wait out the grace period, then abort what is left and hand it back as pending. */
  async #drain(): Promise<void> {
    const { db, logger, shutdownGraceMs } = this.#o;
    const buffered = this.#buffer.splice(0).map((j) => j.job_id);
    let outcome: 'done' | 'timeout' = 'done';
    if (this.#running.size > 0) {
      logger.info({ running: this.#running.size, graceMs: shutdownGraceMs }, 'waiting for running jobs to finish');
      const graceOver = new AbortController();
      const grace = sleep(shutdownGraceMs, graceOver.signal).then(() => 'timeout' as const);
      const all = Promise.all([...this.#running.values()].map((r) => r.done)).then(() => 'done' as const);
      outcome = await Promise.race([all, grace]);
      graceOver.abort();
    }
    const unfinished = [...this.#running.values()];
    if (outcome === 'timeout') for (const r of unfinished) r.controller.abort(new Error('worker shutting down'));
    await Promise.all(unfinished.map((r) => r.done));
    const ids = [...buffered, ...unfinished.map((r) => r.job.job_id)];
    if (ids.length === 0) return;
    const released = await withReconnect(() => releaseJobs(db, this.workerId, ids, 'worker shutting down'), {
      logger,
      what: 'releasing jobs',
      signal: AbortSignal.timeout(10_000),
    }).catch(() => 0);
    this.#summary.released += released;
    if (released > 0) logger.info({ released }, 'returned unfinished jobs to pending');
  }

  async #heartbeat(): Promise<void> {
    const { db, logger, leaseSeconds } = this.#o;
    try {
      await touchWorker(db, this.workerId);
      const held = [...this.#running.keys(), ...this.#buffer.map((j) => j.job_id)];
      const kept = await extendLeases(db, this.workerId, held, leaseSeconds);
      for (const id of held) {
        if (kept.has(id)) continue;
        const running = this.#running.get(id);
        running?.controller.abort(new LeaseLostError(id, this.workerId));
        const i = this.#buffer.findIndex((j) => j.job_id === id);
        if (i >= 0) this.#buffer.splice(i, 1);
      }
      this.#o.onEvent?.({ type: 'heartbeat', ok: true });
    } catch (err) {
      logger.warn({ err: (err as Error).message }, 'heartbeat failed');
      this.#o.onEvent?.({ type: 'heartbeat', ok: false });
    }
  }

  #listen(): (() => Promise<void>) | undefined {
    return this.#o.listen?.(() => this.#wake());
  }

  #wake(): void {
    this.#woken = true;
    this.#wakeSleeper?.();
  }

  /** Sleeps until the poll interval passes, a job finishes, a notification arrives, or stop. */
  #sleep(ms: number): Promise<void> {
    if (this.#woken || this.stopping) {
      this.#woken = false;
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.#wakeSleeper = undefined;
        this.#woken = false;
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.#wakeSleeper = done;
    });
  }
}

/** "3 untried contact_scan jobs, the first due 2026-12-07T00:10:00.000Z; …" */
function describeScheduled(jobs: ScheduledJobs[]): string {
  return jobs
    .map(
      (j) =>
        `${j.count} untried ${j.jobType} job${j.count === 1 ? '' : 's'}, the first due ${j.nextDueAt.toISOString()}`,
    )
    .join('; ');
}

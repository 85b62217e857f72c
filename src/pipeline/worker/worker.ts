import { randomUUID } from 'node:crypto';
import os from 'node:os';
import type { Kysely } from 'kysely';
import type { Logger } from 'pino';
import { retryConflict } from '../../db/retry-conflict.js';
import type { Database, Job, JobType } from '../../db/schema.js';
import { coerceError } from '../../errors.js';
import { type BackoffOptions, backoffDelay, defaultBackoff, loopErrorBackoff } from '../queue/backoff.js';
import { claimJobs } from '../queue/claim-jobs.js';
import { completedBy, LeaseLostError } from '../queue/complete-job.js';
import { extendLeases } from '../queue/extend-leases.js';
import { failJob } from '../queue/fail-job.js';
import { intakeDomains } from '../queue/intake-domains.js';
import { markJobsStarted } from '../queue/mark-jobs-started.js';
import { releaseJobs } from '../queue/release-jobs.js';
import { rescueExpiredLeases } from '../queue/rescue-expired-leases.js';
import { PermanentJobError, type StageHandler } from '../stage.js';
import { isDataError } from '../stages/is-data-error.js';
import { GroupCommit } from './group-commit.js';
import { HeartbeatClock } from './heartbeat-clock.js';
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
  | { type: 'heartbeat'; ok: boolean }
  /** Registered: the stages it runs, and seconds from process start (spawn) to registration. */
  | { type: 'registered'; stages: JobType[]; startupSeconds: number };

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
  /** LISTEN for new-job notifications; returns a function that stops listening. */
  listen?: (wake: () => void) => () => Promise<void>;
  onEvent?: (event: WorkerEvent) => void;
  version?: string;
  workerId?: string;
  /**
   * Commit completions that are ready at the same time in one transaction (default true). Off,
   * every job commits alone; the bench compares the two.
   */
  groupCommit?: boolean;
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
  startedAt: number;
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
  readonly #o: Required<Omit<WorkerOptions, 'listen' | 'onEvent' | 'maxJobs' | 'workerId' | 'groupCommit'>> &
    Pick<WorkerOptions, 'listen' | 'onEvent' | 'maxJobs'>;
  readonly #jobTypes: JobType[];
  readonly #running = new Map<string, RunningJob>();
  /**
   * Claimed ahead (graphile-worker's local queue), so that a free slot needs no claim. A
   * buffered job is not started (`started_at` null), so a rescue after a crash gives back its
   * attempt; its start is recorded before its handler runs (`#takeStarts`).
   */
  readonly #buffer: Job[] = [];
  /** Jobs out of the buffer whose start is being recorded: still held, so still heartbeated. */
  readonly #starting = new Map<string, Job>();
  /** Completions ready at the same time commit in one transaction (see `GroupCommit`). */
  readonly #completions: GroupCommit;
  readonly #stop = new AbortController();
  #wakeSleeper: (() => void) | undefined;
  /** Set when a wake-up arrives while the loop is busy, so that its next sleep returns at once. */
  #woken = false;
  #started = 0;
  /** When `--until-idle` last logged what it waits for, and for which job types. */
  #waitLogged = { at: 0, types: '' };
  /** What the loop is doing, and the jobs that ended since the last heartbeat: for the late-heartbeat warning. */
  #doing = 'registering';
  #endedSinceBeat: { job: Job; startedAt: number; endedAt: number }[] = [];
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
      version: '0.0.0',
      ...options,
    };
    this.#jobTypes = [...options.stages.keys()];
    this.#completions = new GroupCommit(options.db, {
      workerId: this.workerId,
      maxBatch: options.groupCommit === false ? 1 : this.#o.concurrency,
    });
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
    const startupSeconds = process.uptime();
    logger.info(
      { workerId: this.workerId, stages: this.#jobTypes, concurrency: this.#o.concurrency, startupSeconds },
      'worker started',
    );
    this.#o.onEvent?.({ type: 'registered', stages: this.#jobTypes, startupSeconds });
    const clock = new HeartbeatClock(Math.min(15_000, (this.#o.leaseSeconds * 1000) / 3));
    const heartbeat = setInterval(() => void this.#heartbeat(clock), clock.intervalMs);
    const unlisten = this.#listen();
    let reason: WorkerSummary['reason'] = 'stopped';
    try {
      reason = await this.#loop();
    } finally {
      clearInterval(heartbeat);
      this.#doing = 'shutting down';
      await this.#drain();
      await unlisten?.().catch(() => {});
      await withReconnect(() => stopWorker(db, this.workerId), {
        ...retry,
        signal: AbortSignal.timeout(5000),
        what: 'worker stop',
      }).catch((err) => logger.warn({ err: coerceError(err).message }, 'could not record the worker stop'));
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
          this.#doing = 'intake and lease rescue';
          await this.#maintain();
          nextMaintenance = performance.now() + pollIntervalMs;
        }
        this.#doing = 'claiming';
        const claimed = await this.#fill();
        if (this.#o.maxJobs !== undefined && this.#started >= this.#o.maxJobs && this.#running.size === 0) {
          return 'max-jobs';
        }
        if (this.#o.untilIdle && this.#running.size === 0 && this.#buffer.length === 0 && claimed === 0) {
          this.#doing = 'checking for idle';
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
        this.#doing = 'waiting for work';
        await this.#sleep(pollIntervalMs);
      } catch (err) {
        failures++;
        const delay = backoffDelay(failures, loopErrorBackoff);
        logger.warn({ err: coerceError(err).message, retryInMs: delay }, 'worker loop error; retrying');
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
    const rescued = await rescueExpiredLeases(db, this.workerId, this.#o.backoff);
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
   * full batch: claiming one job per freed slot cost a round trip and a commit per job (claiming
   * only for free slots measured 40 % fewer jobs/s on bench/queue-throughput).
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
        // Jobs for the slots free now start at once; the buffer's wait for a slot unstarted.
        start: Math.max(0, concurrency - this.#running.size - this.#buffer.length),
        leaseSeconds: this.#o.leaseSeconds,
      });
      claimed = jobs.length;
      // Started ones at the head, so they take the free slots now: a started job never waits
      // in the buffer (a crash would charge it an attempt it did not run).
      this.#buffer.unshift(...jobs.filter((j) => j.started_at !== null));
      this.#buffer.push(...jobs.filter((j) => j.started_at === null));
      const byType = new Map<JobType, number>();
      for (const j of jobs) byType.set(j.job_type, (byType.get(j.job_type) ?? 0) + 1);
      for (const [jobType, count] of byType) this.#o.onEvent?.({ type: 'claimed', jobType, count });
    }
    const free = concurrency - this.#running.size;
    if (free > 0 && this.#buffer.length > 0 && !this.stopping) {
      for (const job of await this.#takeStarts(free)) this.#start(job);
    }
    return claimed;
  }

  /**
   * Takes up to `count` jobs off the buffer's head to start now, recording the start of those
   * not yet marked in one statement first: a handler never runs before its attempt counts.
   * A job rescued meanwhile (the mark finds it no longer held) is dropped.
   */
  async #takeStarts(count: number): Promise<Job[]> {
    const taken = this.#buffer.splice(0, count);
    const unmarked = taken.filter((j) => j.started_at === null).map((j) => j.job_id);
    if (unmarked.length === 0) return taken;
    for (const j of taken) this.#starting.set(j.job_id, j);
    try {
      const marked = await markJobsStarted(this.#o.db, this.workerId, unmarked);
      return taken.filter((j) => j.started_at !== null || marked.has(j.job_id));
    } catch (err) {
      // Not marked, not started: back to the buffer for the next pass (or release at shutdown).
      this.#buffer.unshift(...taken);
      throw err;
    } finally {
      for (const j of taken) this.#starting.delete(j.job_id);
    }
  }

  /**
   * The buffered job that will take the slot a job is about to free, to mark in its completion
   * statement; only an unmarked one, only while running normally, and only one per slot.
   */
  #nextForSlot(): Job | undefined {
    if (this.stopping || this.#o.maxJobs !== undefined) return undefined;
    const i = this.#buffer.findIndex((j) => j.started_at === null);
    if (i < 0) return undefined;
    const [job] = this.#buffer.splice(i, 1);
    if (job) this.#starting.set(job.job_id, job);
    return job;
  }

  /** After the completion that marked it (or failed to): start it in the freed slot, or put it back. */
  #handOver(finished: Job, next: Job | undefined, marked: Set<string>): void {
    if (next === undefined) return;
    this.#starting.delete(next.job_id);
    if (marked.has(next.job_id) && !this.stopping) {
      next.started_at = new Date();
      // The finished job's slot is free: its bookkeeping in #start's finally comes later.
      this.#running.delete(finished.job_id);
      this.#start(next);
    } else if (marked.has(next.job_id)) {
      next.started_at = new Date();
      this.#buffer.unshift(next);
    } else {
      this.#buffer.unshift(next);
    }
  }

  #start(job: Job): void {
    this.#started++;
    const controller = new AbortController();
    const entry: RunningJob = { job, startedAt: performance.now(), controller, done: Promise.resolve() };
    entry.done = this.#execute(job, controller.signal).finally(() => {
      this.#running.delete(job.job_id);
      if (this.#endedSinceBeat.length < 20) {
        this.#endedSinceBeat.push({ job, startedAt: entry.startedAt, endedAt: performance.now() });
      }
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
    let next: Job | undefined;
    let marked = new Set<string>();
    try {
      if (!handler) throw new PermanentJobError(`no handler for job type ${job.job_type}`);
      const result = await handler.run(job, { db, signal, logger: log });
      if (signal.aborted) throw signal.reason;
      const transactional = handler.commitNeeded?.(job, result) ?? true;
      next = this.#nextForSlot();
      await withReconnect(async () => {
        marked = new Set();
        try {
          marked = await retryConflict(() =>
            this.#completions.complete({
              job,
              startId: next?.job_id,
              commit: transactional ? (trx) => handler.commit(job, result, { ...ctx, trx }) : undefined,
            }),
          );
        } catch (err) {
          // A commit cut off by a lost connection may have landed; if so, it is done (the next
          // job's mark is then unknown: it goes back unmarked, and marking again is harmless).
          // Run again after such a commit, the completion finds the job gone: a lost lease, unless
          // this worker completed it.
          if (await completedBy(db, job.job_id, this.workerId)) return;
          throw err;
        }
      }, retry);
      this.#summary.completed++;
      this.#o.onEvent?.({ type: 'completed', jobType: job.job_type, durationMs: performance.now() - started });
    } catch (err) {
      if (err instanceof LeaseLostError || signal.aborted) {
        // Lost the lease (rescued elsewhere) or shutting down: the job is someone else's, or
        // will be handed back by #drain. Never fail or complete it from here.
        log.warn({ err: coerceError(err).message }, 'job abandoned');
        return;
      }
      await this.#fail(job, err, handler, started, log, signal);
    } finally {
      this.#handOver(job, next, marked);
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
    const delay = backoffDelay(job.attempts, { ...this.#o.backoff, jitter: true });
    const status = await withReconnect(
      () =>
        retryConflict(() =>
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
        ),
      { logger: log, signal, what: `failing job ${job.job_id}` },
    ).catch((e: unknown) => {
      log.error(
        { err: coerceError(e).message },
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
    // Read after the running jobs ended: a completion may have handed its next job back.
    const ids = [...this.#buffer.splice(0).map((j) => j.job_id), ...unfinished.map((r) => r.job.job_id)];
    if (ids.length === 0) return;
    const released = await withReconnect(() => releaseJobs(db, this.workerId, ids, 'worker shutting down'), {
      logger,
      what: 'releasing jobs',
      signal: AbortSignal.timeout(10_000),
    }).catch(() => 0);
    this.#summary.released += released;
    if (released > 0) logger.info({ released }, 'returned unfinished jobs to pending');
  }

  async #heartbeat(clock: HeartbeatClock): Promise<void> {
    const { db, logger, leaseSeconds } = this.#o;
    if (clock.lateAndUnwarned()) this.#warnLate(clock);
    try {
      await touchWorker(db, this.workerId);
      const held = [...this.#running.keys(), ...this.#starting.keys(), ...this.#buffer.map((j) => j.job_id)];
      const kept = await extendLeases(db, this.workerId, held, leaseSeconds);
      for (const id of held) {
        if (kept.has(id)) continue;
        this.#running.get(id)?.controller.abort(new LeaseLostError(id, this.workerId));
        const i = this.#buffer.findIndex((j) => j.job_id === id);
        if (i >= 0) this.#buffer.splice(i, 1);
      }
      clock.beat();
      this.#endedSinceBeat = [];
      this.#o.onEvent?.({ type: 'heartbeat', ok: true });
    } catch (err) {
      logger.warn({ err: coerceError(err).message }, 'heartbeat failed');
      this.#o.onEvent?.({ type: 'heartbeat', ok: false });
    }
  }

  /**
   * One warning per late episode, naming what the loop was doing and the jobs that ran during
   * the gap: those running now and those that ended since the last heartbeat (a handler that
   * blocked the event loop has often finished by the time the timer can fire).
   */
  #warnLate(clock: HeartbeatClock): void {
    const now = performance.now();
    const running = [
      ...this.#endedSinceBeat.map((r) => ({
        jobId: r.job.job_id,
        jobType: r.job.job_type,
        ranMs: Math.round(r.endedAt - r.startedAt),
        ended: true,
      })),
      ...[...this.#running.values()].map((r) => ({
        jobId: r.job.job_id,
        jobType: r.job.job_type,
        ranMs: Math.round(now - r.startedAt),
        ended: false,
      })),
    ];
    const jobs =
      running.length === 0
        ? 'no jobs'
        : `${running.length} job(s): ${[...new Set(running.map((r) => r.jobType))].join(', ')}`;
    this.#o.logger.warn(
      {
        sinceLastMs: Math.round(clock.sinceLast()),
        intervalMs: clock.intervalMs,
        leaseSeconds: this.#o.leaseSeconds,
        doing: this.#doing,
        running: running.slice(0, 10),
      },
      `heartbeat late: ${Math.round(clock.sinceLast())} ms since the last one (every ${Math.round(clock.intervalMs)} ms) while ${this.#doing}, running ${jobs}`,
    );
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

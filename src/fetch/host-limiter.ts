import pLimit, { type LimitFunction } from 'p-limit';

export interface HostLimiterOptions {
  /** Requests in flight per host at once (a request holds its slot until its body is read or closed). Default 2. */
  concurrency?: number;
  /** Minimum time between the starts of two requests to the same host, in ms (politeness). Default 0. */
  delayMs?: number;
}

interface HostState {
  limit: LimitFunction;
  /** When the next request may start, as reserved by the last one granted a slot. */
  nextStart: number;
  /** When the last request actually started. */
  lastStart: number;
}

/** Host states kept idle before they are forgotten, so that a long-running worker does not grow without end. */
const maxIdleHosts = 1000;

/**
 * Per-host politeness: at most `concurrency` requests in flight to one host, and request starts
 * at least `delayMs` apart. Hosts are compared by name (lower-cased `URL.host`, port included).
 */
export class HostLimiter {
  private readonly hosts = new Map<string, HostState>();
  private readonly concurrency: number;
  private readonly delayMs: number;

  constructor(options: HostLimiterOptions = {}) {
    this.concurrency = options.concurrency ?? 2;
    this.delayMs = options.delayMs ?? 0;
  }

  /**
   * Waits for a slot on the host (and for the politeness delay), and returns the function that
   * frees it. Rejects with the signal's reason if the signal aborts first; the slot is then freed
   * as soon as it is granted.
   */
  async acquire(host: string, signal?: AbortSignal): Promise<() => void> {
    signal?.throwIfAborted();
    const state = this.state(host);
    const release = await new Promise<() => void>((resolve, reject) => {
      let settled = false;
      const onAbort = () => {
        settled = true;
        reject(signal?.reason);
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      void state.limit(
        () =>
          new Promise<void>((done) => {
            signal?.removeEventListener('abort', onAbort);
            // Aborted while queued: give the slot straight back.
            if (settled) {
              done();
              return;
            }
            settled = true;
            resolve(done);
          }),
      );
    });
    const startAt = Math.max(state.nextStart, performance.now());
    state.nextStart = startAt + this.delayMs;
    try {
      // A timer can fire up to a millisecond early (libuv's clock is coarse), and the request
      // before this one may have started late (a busy event loop): wait out the rest, counted
      // from when that request really started.
      for (;;) {
        const due = Math.max(startAt, state.lastStart + this.delayMs);
        const now = performance.now();
        if (now >= due) break;
        await sleep(Math.max(1, due - now), signal);
      }
      state.lastStart = performance.now();
      state.nextStart = Math.max(state.nextStart, state.lastStart + this.delayMs);
    } catch (err) {
      release();
      throw err;
    }
    let released = false;
    return () => {
      if (released) return;
      released = true;
      release();
    };
  }

  private state(host: string): HostState {
    let state = this.hosts.get(host);
    if (state === undefined) {
      if (this.hosts.size >= maxIdleHosts) this.forgetIdle();
      state = { limit: pLimit(this.concurrency), nextStart: 0, lastStart: Number.NEGATIVE_INFINITY };
      this.hosts.set(host, state);
    }
    return state;
  }

  private forgetIdle(): void {
    const now = performance.now();
    for (const [host, s] of this.hosts) {
      if (s.limit.activeCount === 0 && s.limit.pendingCount === 0 && s.nextStart <= now) this.hosts.delete(host);
    }
  }
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

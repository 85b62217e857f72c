/** The bounds of an exponential backoff. */
export interface BackoffOptions {
  /** Delay before the first retry, in ms. */
  baseMs: number;
  /** Longest delay, in ms. */
  maxMs: number;
}

/** A backoff and whether it is jittered. */
export interface BackoffPolicy extends BackoffOptions {
  /**
   * "Equal jitter": a random point in the upper half of the delay, so that delays still grow
   * while a burst of failures does not retry in lockstep.
   */
  jitter: boolean;
}

/** Job retries (`--retry-delay`): 10 s, doubling, at most 1 h. */
export const defaultBackoff: BackoffOptions = { baseMs: 10_000, maxMs: 3_600_000 };

/**
 * Reconnecting to the database (the LISTEN connection, `withReconnect`): 250 ms, doubling, at
 * most 5 s, without jitter (docs/architecture.md, "Invariant 2" and "Invariant 5").
 */
export const reconnectBackoff: BackoffPolicy = { baseMs: 250, maxMs: 5_000, jitter: false };

/** The worker loop after an error (an intake or claim that failed): 500 ms, doubling, at most 5 s. */
export const loopErrorBackoff: BackoffPolicy = { baseMs: 500, maxMs: 5_000, jitter: false };

/**
 * The delay before retry number `attempt` (1-based), in whole ms: baseMs·2^(attempt−1), at most
 * maxMs, then jittered if asked. The one retry timing of pipectl (graphile-worker's
 * `calculateDelay`): job retries, Slack deliveries, the worker loop and reconnects all use it.
 *
 * ### Examples
 * backoffDelay(3, { baseMs: 250, maxMs: 5000, jitter: false }) // 1000
 * backoffDelay(3, { baseMs: 250, maxMs: 5000, jitter: true }) // 500 to 1000
 */
export function backoffDelay(attempt: number, policy: BackoffPolicy, random: () => number = Math.random): number {
  // The exponent is bounded so that a zero base stays zero (0·2^1024 is NaN).
  const exponential = Math.min(policy.maxMs, policy.baseMs * 2 ** Math.min(Math.max(0, attempt - 1), 60));
  return Math.round(policy.jitter ? exponential / 2 + random() * (exponential / 2) : exponential);
}

/** Retry timing: exponential with jitter, so that a burst of failures does not retry in lockstep. */
export interface BackoffOptions {
  /** Delay before the first retry, in ms (default 10 s). */
  baseMs: number;
  /** Longest delay, in ms (default 1 h). */
  maxMs: number;
}

export const defaultBackoff: BackoffOptions = { baseMs: 10_000, maxMs: 3_600_000 };

/**
 * The delay before retry number `attempt` (1-based): base·2^(attempt−1), capped, then "equal
 * jitter" (a random point in the upper half) so that delays still grow while spreading out.
 */
export function retryDelayMs(attempt: number, opts: BackoffOptions = defaultBackoff, random = Math.random): number {
  const exponential = Math.min(opts.maxMs, opts.baseMs * 2 ** Math.max(0, attempt - 1));
  return Math.round(exponential / 2 + random() * (exponential / 2));
}

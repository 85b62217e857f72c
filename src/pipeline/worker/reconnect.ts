import type { Logger } from 'pino';
import { coerceError, errorCode, isLostConnectionCode } from '../../errors.js';
import { backoffDelay, reconnectBackoff } from '../queue/backoff.js';

/** pg's errors for a connection that died under a query carry no code, only these messages. */
const connectionMessages =
  /Connection terminated|connection (is )?closed|Client has encountered a connection error|timeout exceeded when trying to connect/i;

/**
 * Whether an error is a lost or refused database connection, not a wrong query: the worker waits
 * and tries again instead of failing jobs. The codes are those of `isLostConnectionCode`
 * (src/errors.ts); an AggregateError is one if any of its errors is.
 */
export function isConnectionError(err: unknown): boolean {
  if (typeof err !== 'object' || err === null) return false;
  const code = errorCode(err);
  if (code !== undefined && isLostConnectionCode(code)) return true;
  const inner = (err as { errors?: unknown[] }).errors;
  if (Array.isArray(inner) && inner.some(isConnectionError)) return true;
  return err instanceof Error && connectionMessages.test(err.message);
}

export interface ReconnectOptions {
  logger: Logger;
  /** What is being retried, for the log. */
  what: string;
  /** Stop retrying (and rethrow) once this is aborted. */
  signal?: AbortSignal;
}

const sleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal?.addEventListener(
      'abort',
      () => {
        clearTimeout(timer);
        resolve();
      },
      { once: true },
    );
  });

/**
 * Runs `fn`, and while it fails with a connection error, waits (`reconnectBackoff`: 250 ms,
 * doubling, at most 5 s) and runs it again. Other errors, and any error once `signal` is
 * aborted, are rethrown. The one place where the worker's retry-on-disconnect policy lives.
 */
export async function withReconnect<T>(fn: () => Promise<T>, opts: ReconnectOptions): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn();
    } catch (err) {
      if (!isConnectionError(err) || opts.signal?.aborted) throw err;
      const delay = backoffDelay(attempt, reconnectBackoff);
      opts.logger.warn(
        { err: coerceError(err).message, attempt, retryInMs: delay },
        `database connection lost during ${opts.what}; retrying`,
      );
      await sleep(delay, opts.signal);
    }
  }
}

export { sleep };

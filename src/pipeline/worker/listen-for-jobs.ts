import type { Logger } from 'pino';
import pg from '../../db/pg.js';
import { coerceError } from '../../errors.js';
import { backoffDelay, reconnectBackoff } from '../queue/backoff.js';
import { jobsChannel } from '../queue/enqueue-jobs.js';

/**
 * LISTENs on a dedicated connection and calls `wake` on every notification. It never throws:
 * if the connection cannot be made or drops, it tries again with backoff while the worker's poll
 * finds every job anyway (a lost notification delays work by one poll interval at most). The
 * returned function stops listening and cancels any pending retry, so a worker can always exit.
 */
export function listenForJobs(url: string, logger: Logger, wake: () => void): () => Promise<void> {
  let client: pg.Client | undefined;
  let retry: NodeJS.Timeout | undefined;
  let stopped = false;
  let failures = 0;

  const scheduleRetry = (why: string) => {
    if (stopped) return;
    const delay = backoffDelay(++failures, reconnectBackoff);
    logger.warn({ retryInMs: delay, reason: why }, 'LISTEN connection unavailable; polling meanwhile, reconnecting');
    retry = setTimeout(() => void connect(), delay);
  };

  const connect = async (): Promise<void> => {
    retry = undefined;
    if (stopped) return;
    const c = new pg.Client({ connectionString: url, application_name: 'pipectl-listen' });
    c.on('notification', () => wake());
    c.on('error', () => {});
    c.on('end', () => {
      if (stopped || client !== c) return;
      client = undefined;
      scheduleRetry('connection lost');
    });
    try {
      await c.connect();
      await c.query(`listen ${jobsChannel}`);
    } catch (err) {
      await c.end().catch(() => {});
      scheduleRetry(coerceError(err).message);
      return;
    }
    if (stopped) {
      await c.end().catch(() => {});
      return;
    }
    client = c;
    failures = 0;
    // Anything sent while we were away is lost: poll now.
    wake();
  };

  void connect();
  return async () => {
    stopped = true;
    clearTimeout(retry);
    const c = client;
    client = undefined;
    await c?.end().catch(() => {});
  };
}

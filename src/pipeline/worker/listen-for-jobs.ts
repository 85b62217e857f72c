import pg from 'pg';
import type { Logger } from 'pino';
import { jobsChannel } from '../queue/enqueue-jobs.js';

/**
 * LISTENs on a dedicated connection and calls `wake` on every notification. If the connection
 * drops it reconnects with backoff; meanwhile the worker's poll still finds every job, so a lost
 * notification only delays work by one poll interval. Returns a function that stops listening.
 */
export async function listenForJobs(url: string, logger: Logger, wake: () => void): Promise<() => Promise<void>> {
  let client: pg.Client | undefined;
  let stopped = false;
  let delay = 250;

  const connect = async (): Promise<void> => {
    if (stopped) return;
    const c = new pg.Client({ connectionString: url, application_name: 'pipectl-listen' });
    c.on('notification', () => wake());
    c.on('error', () => {});
    c.on('end', () => {
      if (stopped || client !== c) return;
      client = undefined;
      logger.warn({ retryInMs: delay }, 'LISTEN connection lost; reconnecting');
      setTimeout(() => void connect().catch(() => {}), delay);
      delay = Math.min(delay * 2, 5000);
    });
    try {
      await c.connect();
      await c.query(`listen ${jobsChannel}`);
      client = c;
      delay = 250;
      // Anything sent while we were away is lost: poll now.
      wake();
    } catch (err) {
      await c.end().catch(() => {});
      if (stopped) return;
      setTimeout(() => void connect().catch(() => {}), delay);
      delay = Math.min(delay * 2, 5000);
      throw err;
    }
  };

  await connect();
  return async () => {
    stopped = true;
    await client?.end().catch(() => {});
  };
}

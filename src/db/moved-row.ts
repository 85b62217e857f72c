import { errorCode } from '../errors.js';

/**
 * Whether PostgreSQL refused to lock or change a row because a concurrent transaction moved it
 * to another partition (SQLSTATE 40001, "tuple to be locked was already moved to another
 * partition due to concurrent update"). `jobs` is partitioned by status (migration 0013), so a
 * job that is cancelled, failed or retried while another statement reaches for it moves under
 * that statement. Unlike an update within one table, PostgreSQL cannot follow the row, so the
 * statement fails; run again, it sees the row where it now is.
 */
export function isMovedRowError(err: unknown): boolean {
  return errorCode(err) === '40001' && err instanceof Error && /moved to another partition/.test(err.message);
}

/**
 * Runs `work` (one statement or one transaction) again when it failed on a row that a concurrent
 * transaction moved between `jobs` partitions; at most `attempts` times in all. Any other error
 * is thrown at once. The race is rare (a job changing status twice at the same moment), so
 * retrying at once is enough.
 */
export async function retryMovedRow<T>(work: () => Promise<T>, attempts = 5): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await work();
    } catch (err) {
      if (attempt >= attempts || !isMovedRowError(err)) throw err;
    }
  }
}

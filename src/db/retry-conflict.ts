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
 * Whether PostgreSQL broke a deadlock by cancelling this statement (SQLSTATE 40P01). Its
 * transaction is rolled back whole, so running it again from the start is safe.
 */
export function isDeadlockError(err: unknown): boolean {
  return errorCode(err) === '40P01';
}

/**
 * Runs `work` (one statement or one transaction) again when it failed only because of a
 * concurrent transaction: a row moved between `jobs` partitions under it, or a deadlock that
 * PostgreSQL broke by rolling it back. At most `attempts` runs in all; any other error is thrown
 * at once. Both are rare races, and the rolled-back work has left nothing behind: a worker's
 * completion that lost a deadlock would otherwise be treated as a failed run, costing the job an
 * attempt and doing its work again. A deadlock is retried after a short random pause, so the two
 * sides do not meet again in step.
 */
export async function retryConflict<T>(work: () => Promise<T>, attempts = 5): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await work();
    } catch (err) {
      if (attempt >= attempts) throw err;
      if (isDeadlockError(err)) await new Promise((r) => setTimeout(r, 5 + Math.random() * 20 * attempt));
      else if (!isMovedRowError(err)) throw err;
    }
  }
}

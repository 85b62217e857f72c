import { parseDurationMs } from '../duration.js';
import { PipectlError } from '../errors.js';

/**
 * The shortest `--lease`. A worker renews its leases every third of the lease (every 15 s at
 * most), so it always gets three heartbeats per lease; but below 2 s a heartbeat is due every
 * few hundred ms, and one slow round trip or busy event loop lets a live worker's lease expire
 * and the worker rescue its own running jobs, burning their attempts.
 */
export const minLeaseMs = 2000;

/** The shortest `--poll-interval`: below it an idle worker is a busy loop of transactions. */
export const minPollIntervalMs = 100;

/** Node timers cannot wait longer (2^31−1 ms, about 24.8 days); a longer delay fires at once. */
const maxTimerMs = 2 ** 31 - 1;

/** `--lease` in seconds; refuses a lease a live worker could not keep (usage error). */
export function parseLeaseSeconds(raw: string): number {
  const ms = parseDurationMs(raw, '--lease');
  if (ms < minLeaseMs) {
    throw new PipectlError(
      'usage',
      `--lease ${raw} is too short: a worker renews its leases every third of the lease, and below 2s a slow heartbeat lets a live worker lose its own jobs — use at least 2s (default 60s)`,
    );
  }
  return ms / 1000;
}

/** `--poll-interval` in ms, between 100ms and Node's longest timer (usage error otherwise). */
export function parsePollIntervalMs(raw: string): number {
  const ms = parseDurationMs(raw, '--poll-interval');
  if (ms < minPollIntervalMs) {
    throw new PipectlError(
      'usage',
      `--poll-interval ${raw} is too short: an idle worker would run a transaction every few ms — use at least 100ms (default 2s)`,
    );
  }
  if (ms > maxTimerMs) throw new PipectlError('usage', `--poll-interval ${raw} is too long — use at most 24d`);
  return ms;
}

/**
 * `--user-agent` as sent: visible ASCII and spaces only. undici refuses anything else in a header,
 * and every request would then fail as if the site were down, retrying every job to exhaustion.
 */
export function parseUserAgent(raw: string): string {
  if (!/^[\x21-\x7e](?:[\x20-\x7e]*[\x21-\x7e])?$/.test(raw)) {
    throw new PipectlError(
      'usage',
      `--user-agent ${JSON.stringify(raw)} cannot be sent in an HTTP header — use visible ASCII characters and spaces only, such as "mybot/1.0 (+https://example.com/bot)"`,
    );
  }
  return raw;
}

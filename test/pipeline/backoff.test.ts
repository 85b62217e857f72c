import { describe, expect, it } from 'vitest';
import { backoffDelay, defaultBackoff, loopErrorBackoff, reconnectBackoff } from '../../src/pipeline/queue/backoff.js';

const schedule = (policy: Parameters<typeof backoffDelay>[1], attempts: number) =>
  Array.from({ length: attempts }, (_, i) => backoffDelay(i + 1, policy));

describe('backoffDelay', () => {
  it('grows exponentially with jitter in the upper half, and is capped', () => {
    const opts = { baseMs: 1000, maxMs: 60_000, jitter: true };
    expect(backoffDelay(1, opts, () => 0)).toBe(500);
    expect(backoffDelay(1, opts, () => 1)).toBe(1000);
    expect(backoffDelay(3, opts, () => 1)).toBe(4000);
    expect(backoffDelay(3, opts, () => 0)).toBe(2000);
    expect(backoffDelay(20, opts, () => 1)).toBe(60_000);
  });

  it('without jitter, doubles from the base to the cap and stays there', () => {
    const opts = { baseMs: 1000, maxMs: 60_000, jitter: false };
    expect(schedule(opts, 8)).toEqual([1000, 2000, 4000, 8000, 16_000, 32_000, 60_000, 60_000]);
    expect(backoffDelay(1, opts, () => 0)).toBe(1000);
    expect(backoffDelay(5000, opts)).toBe(60_000);
  });

  it('treats an attempt below 1 as the first, and keeps a zero base at zero however many attempts', () => {
    expect(backoffDelay(0, { baseMs: 1000, maxMs: 60_000, jitter: false })).toBe(1000);
    expect(backoffDelay(2000, { baseMs: 0, maxMs: 60_000, jitter: true })).toBe(0);
  });

  it('gives each caller the delays it had before it shared this function', () => {
    // withReconnect and the LISTEN connection: 250 ms doubling to 5 s.
    expect(schedule(reconnectBackoff, 7)).toEqual([250, 500, 1000, 2000, 4000, 5000, 5000]);
    // The worker loop after an error: 250·2^min(failures, 5), at most 5 s.
    expect(schedule(loopErrorBackoff, 7)).toEqual([500, 1000, 2000, 4000, 5000, 5000, 5000]);
    // Job retries: 10 s doubling to 1 h, jittered by the worker.
    const jobs = { ...defaultBackoff, jitter: true };
    expect([1, 2, 10, 11].map((a) => backoffDelay(a, jobs, () => 1))).toEqual([10_000, 20_000, 3_600_000, 3_600_000]);
    expect(backoffDelay(1, jobs, () => 0)).toBe(5000);
  });
});

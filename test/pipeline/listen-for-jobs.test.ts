import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { listenForJobs } from '../../src/pipeline/worker/listen-for-jobs.js';

describe('listenForJobs', () => {
  it('never throws when the server cannot be reached, and stops retrying once stopped', async () => {
    const lines: string[] = [];
    const logger = pino({ level: 'warn' }, { write: (line: string) => lines.push(line) });
    const stop = listenForJobs('postgres://postgres@127.0.0.1:1/x', logger, () => {});
    await new Promise((r) => setTimeout(r, 600));
    expect(lines.length).toBeGreaterThanOrEqual(1);
    expect(lines[0]).toContain('LISTEN connection unavailable');
    await stop();
    const after = lines.length;
    await new Promise((r) => setTimeout(r, 1500));
    // A retry left scheduled would keep a stopping worker's process alive (it used to).
    expect(lines.length).toBe(after);
  });
});

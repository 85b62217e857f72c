import type { JobType } from '../../db/schema.js';
import type { WorkerEvent } from './worker.js';

interface StageCounts {
  done: number;
  failed: number;
  retried: number;
}

/** Live per-stage counts on a terminal: one line, redrawn in place on stderr. */
export class ProgressDisplay {
  readonly #counts = new Map<JobType, StageCounts>();
  readonly #started = performance.now();
  #intake = 0;
  #rescued = 0;
  #timer: NodeJS.Timeout | undefined;
  #drawn = false;

  constructor(private readonly stream: NodeJS.WriteStream = process.stderr) {}

  onEvent = (e: WorkerEvent): void => {
    if (e.type === 'intake') this.#intake += e.count;
    else if (e.type === 'rescued') this.#rescued += e.count;
    else if (e.type === 'completed') this.#stage(e.jobType).done++;
    else if (e.type === 'failed') this.#stage(e.jobType)[e.final ? 'failed' : 'retried']++;
  };

  start(): void {
    this.#timer = setInterval(() => this.draw(), 250);
  }

  /** Clears the line so that a log line can be printed above it. */
  clear = (): void => {
    if (this.#drawn) this.stream.write('\r\x1b[K');
    this.#drawn = false;
  };

  draw(): void {
    const seconds = (performance.now() - this.#started) / 1000;
    const done = [...this.#counts.values()].reduce((n, c) => n + c.done + c.failed, 0);
    const parts = [...this.#counts].map(
      ([t, c]) =>
        `${t} ${c.done} done${c.failed ? ` ${c.failed} failed` : ''}${c.retried ? ` ${c.retried} retrying` : ''}`,
    );
    const line = [
      `domains taken in ${this.#intake}`,
      ...parts,
      this.#rescued ? `rescued ${this.#rescued}` : '',
      `${(done / Math.max(seconds, 0.001)).toFixed(1)} jobs/s`,
    ]
      .filter(Boolean)
      .join(' │ ');
    this.stream.write(`\r\x1b[K${line.slice(0, (this.stream.columns ?? 120) - 1)}`);
    this.#drawn = true;
  }

  stop(): void {
    clearInterval(this.#timer);
    this.draw();
    this.stream.write('\n');
  }

  #stage(t: JobType): StageCounts {
    const c = this.#counts.get(t) ?? { done: 0, failed: 0, retried: 0 };
    this.#counts.set(t, c);
    return c;
  }
}

import pg from 'pg';

/** One stage's queue over a run, from the samples. */
export interface StageQueue {
  stage: string;
  /** Seconds after the start at which the queue was first and last seen non-empty. */
  firstSeen: number;
  lastSeen: number;
  /** Total time it was seen non-empty, s: the samples' intervals where it held pending or running jobs. */
  nonEmpty: number;
  /** Most pending jobs seen at once. */
  maxPending: number;
  /** Mean running jobs over the samples where it was non-empty. */
  meanRunning: number;
  /**
   * Mean number of distinct domains among its running jobs over the same samples: a stage that
   * fetches from the sites can go no faster than the per-host limits of that many hosts allow.
   */
  meanDomainsRunning: number;
}

interface Depth {
  pending: number;
  running: number;
  domainsRunning: number;
}

/**
 * Samples every stage's queue depth (pending and running jobs) on its own connection, every
 * `intervalMs`, from `start()` to `stop()`. SQL per sample: one count over the live jobs, which
 * reads the jobs_live partition only (migration 0013).
 */
export class QueueDepthSampler {
  private readonly client: pg.Client;
  private readonly samples: { at: number; depth: Map<string, Depth> }[] = [];
  private timer: NodeJS.Timeout | undefined;
  private started = 0;
  private inFlight: Promise<void> = Promise.resolve();

  constructor(
    url: string,
    private readonly intervalMs = 200,
  ) {
    this.client = new pg.Client({ connectionString: url, application_name: 'pipectl-bench-sampler' });
  }

  async start(): Promise<void> {
    await this.client.connect();
    this.started = performance.now();
    const tick = () => {
      this.inFlight = this.sample().finally(() => {
        if (this.timer !== undefined) this.timer = setTimeout(tick, this.intervalMs);
      });
    };
    this.timer = setTimeout(tick, 0);
  }

  private async sample(): Promise<void> {
    const at = (performance.now() - this.started) / 1000;
    const { rows } = await this.client.query<{ job_type: string } & Depth>(
      `select job_type, count(*) filter (where status = 'pending')::int as pending,
              count(*) filter (where status = 'running')::int as running,
              count(distinct domain_id) filter (where status = 'running')::int as "domainsRunning"
       from jobs where status in ('pending', 'running') group by job_type`,
    );
    this.samples.push({ at, depth: new Map(rows.map(({ job_type, ...depth }) => [job_type, depth])) });
  }

  /** Stops sampling and summarises each stage that was ever non-empty, slowest to drain first. */
  async stop(): Promise<StageQueue[]> {
    const timer = this.timer;
    this.timer = undefined;
    clearTimeout(timer);
    await this.inFlight;
    await this.client.end();
    const stages = new Map<string, StageQueue & { seen: number }>();
    this.samples.forEach((s, i) => {
      const next = this.samples[i + 1]?.at ?? s.at;
      for (const [stage, d] of s.depth) {
        if (d.pending + d.running === 0) continue;
        const q = stages.get(stage) ?? {
          stage,
          firstSeen: s.at,
          lastSeen: s.at,
          nonEmpty: 0,
          maxPending: 0,
          meanRunning: 0,
          meanDomainsRunning: 0,
          seen: 0,
        };
        q.lastSeen = s.at;
        q.nonEmpty += next - s.at;
        q.maxPending = Math.max(q.maxPending, d.pending);
        q.meanRunning += d.running;
        q.meanDomainsRunning += d.domainsRunning;
        q.seen++;
        stages.set(stage, q);
      }
    });
    return [...stages.values()]
      .map(({ seen, ...q }) => ({
        ...q,
        meanRunning: q.meanRunning / seen,
        meanDomainsRunning: q.meanDomainsRunning / seen,
      }))
      .sort((a, b) => b.nonEmpty - a.nonEmpty);
  }

  /** Samples taken. */
  get count(): number {
    return this.samples.length;
  }
}

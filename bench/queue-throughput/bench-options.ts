import { parseArgs } from 'node:util';

/** The configurations the benchmark can run, in the order it runs them. */
export const configurationIds = [
  'pipectl',
  'pipectl-solo',
  'pipectl-record',
  'pipectl-loaded',
  'graphile',
  'graphile-history',
  'graphile-batched',
  'pg-boss',
] as const;
export type ConfigurationId = (typeof configurationIds)[number];

/** Everything one benchmark run needs, resolved once from flags, then env, then defaults. */
export interface BenchOptions {
  /** Jobs per measured run (flag --jobs, env BENCH_JOBS; default 20,000, the minimum). */
  readonly jobs: number;
  /** Jobs in flight at once in every system (flag --concurrency, env BENCH_CONCURRENCY; default 10). */
  readonly concurrency: number;
  /** The PostgreSQL server; only its host and credentials are used, each system gets its own database. */
  readonly databaseUrl: string;
  /** Measured runs per configuration; the median is reported (flag --repeat; default 1). */
  readonly repeat: number;
  /** graphile-worker's `localQueue.size` in both of its configurations (default 2·C, as pipectl's buffer). */
  readonly graphileLocalQueueSize: number;
  /** Which configurations to run (flag --only, comma-separated; default all). */
  readonly only: readonly ConfigurationId[];
  /** Time every statement pipectl sends, as its client sees it (flag --profile). */
  readonly profile: boolean;
  /** Give up on a run that has not finished after this many seconds (default 600). */
  readonly timeoutSeconds: number;
  /** pipectl-loaded: finished jobs already in its database (flag --history; default 0). */
  readonly history: number;
  /** pipectl-loaded: pending jobs of another type already in its database (flag --backlog; default 0). */
  readonly backlog: number;
  /** Keep pipectl-loaded's database at the end, and reuse one loaded the same way (flag --keep-loaded). */
  readonly keepLoaded: boolean;
}

export const minimumJobs = 20_000;
const defaultDatabaseUrl = 'postgres://postgres@127.0.0.1:5432/postgres';

export const usage = `Usage: npx tsx bench/queue-throughput/run.ts [options]

  -n, --jobs N                 jobs per run (env BENCH_JOBS; default ${minimumJobs})
  -c, --concurrency C          jobs in flight per system (env BENCH_CONCURRENCY; default 10)
      --database-url URL       PostgreSQL server (env BENCH_DATABASE_URL; default ${defaultDatabaseUrl})
      --repeat R               runs per configuration, median reported (default 1)
      --graphile-local-queue S graphile-worker localQueue.size (default 2·C)
      --only IDS               comma-separated subset of: ${configurationIds.join(', ')}
      --profile                print pipectl's per-statement client timings
      --timeout SECONDS        abandon a run after this long (default 600)
      --history N              pipectl-loaded: N finished jobs (and their events) already in history
      --backlog N              pipectl-loaded: N pending jobs of another type already queued
                               (pipectl-loaded runs only when one of these is given; the issue's
                               figure is --history 10000000 --backlog 100000)
      --keep-loaded            keep pipectl-loaded's database afterwards, and reuse one loaded
                               with the same --history and --backlog (load once, measure often)
  -h, --help
`;

function positiveInt(name: string, raw: string | undefined, fallback: number, least = 1): number {
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw.replaceAll('_', ''));
  if (!Number.isInteger(value) || value < least) {
    throw new Error(`${name} must be ${least === 0 ? 'a whole number' : 'a positive integer'}, got "${raw}"`);
  }
  return value;
}

/** Reads the command line and environment; throws with a one-line reason on bad input. */
export function parseBenchOptions(argv: string[], env: NodeJS.ProcessEnv): BenchOptions | 'help' {
  const { values } = parseArgs({
    args: argv,
    options: {
      jobs: { type: 'string', short: 'n' },
      concurrency: { type: 'string', short: 'c' },
      'database-url': { type: 'string' },
      repeat: { type: 'string' },
      'graphile-local-queue': { type: 'string' },
      only: { type: 'string' },
      profile: { type: 'boolean', default: false },
      timeout: { type: 'string' },
      history: { type: 'string' },
      backlog: { type: 'string' },
      'keep-loaded': { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
    strict: true,
  });
  if (values.help) return 'help';
  const concurrency = positiveInt('--concurrency', values.concurrency ?? env.BENCH_CONCURRENCY, 10);
  const only = (values.only ?? configurationIds.join(','))
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  for (const id of only) {
    if (!(configurationIds as readonly string[]).includes(id)) {
      throw new Error(`--only: unknown configuration "${id}" (known: ${configurationIds.join(', ')})`);
    }
  }
  return Object.freeze({
    jobs: positiveInt('--jobs', values.jobs ?? env.BENCH_JOBS, minimumJobs),
    concurrency,
    databaseUrl: values['database-url'] ?? env.BENCH_DATABASE_URL ?? defaultDatabaseUrl,
    repeat: positiveInt('--repeat', values.repeat, 1),
    graphileLocalQueueSize: positiveInt('--graphile-local-queue', values['graphile-local-queue'], 2 * concurrency),
    only: Object.freeze(configurationIds.filter((id) => only.includes(id))),
    profile: values.profile,
    timeoutSeconds: positiveInt('--timeout', values.timeout, 600),
    history: positiveInt('--history', values.history, 0, 0),
    backlog: positiveInt('--backlog', values.backlog, 0, 0),
    keepLoaded: values['keep-loaded'],
  });
}

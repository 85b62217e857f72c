/**
 * Queue throughput: N no-op jobs through pipectl's own queue and worker, and, against the same
 * PostgreSQL server in the same run, graphile-worker and pg-boss. See README.md beside this file.
 *
 *   npx tsx bench/queue-throughput/run.ts [--jobs N] [--concurrency C] [--repeat R] [--profile]
 *     [--history N] [--backlog N]
 */
import os from 'node:os';
import {
  databasePrefix,
  databaseUrlFor,
  dropDatabase,
  type RunContext,
  type RunResult,
  recreateDatabase,
  serverContext,
} from './bench-database.js';
import { type BenchOptions, type ConfigurationId, minimumJobs, parseBenchOptions, usage } from './bench-options.js';
import { runGraphileWorker } from './graphile-worker-system.js';
import { runPgBoss } from './pg-boss-system.js';
import { runPipectl } from './pipectl-system.js';
import { loadedAlready, preloadHistory } from './preload-history.js';
import { formatMeasurements, formatRatios, formatTable, int, type Measurement, median } from './report.js';
import { StatementProfile } from './statement-profile.js';

interface Configuration {
  id: ConfigurationId;
  label: string;
  system: string;
  configuration: string;
  /** Suffix of the database it runs in; recreated before every run, unless preloaded. */
  database: string;
  /** Loaded once before the first run and kept across runs (each run adds its N jobs to history). */
  preload?: { history: number; backlog: number };
  run(ctx: RunContext): Promise<RunResult>;
}

/** `profiles` receives, with --profile, each pipectl configuration's statement timings of its last run. */
function configurations(o: BenchOptions, profiles: Map<ConfigurationId, StatementProfile>): Configuration[] {
  const profileFor = (id: ConfigurationId) => {
    if (!o.profile) return undefined;
    const profile = new StatementProfile();
    profiles.set(id, profile);
    return profile;
  };
  const c = o.concurrency;
  const lq = o.graphileLocalQueueSize;
  const all: Configuration[] = [
    {
      id: 'pipectl',
      label: 'pipectl',
      system: 'pipectl',
      configuration: `Worker, claims ≤${2 * c}, group commit of completions`,
      database: 'pipectl',
      run: (ctx) => runPipectl(ctx, { record: false, profile: profileFor('pipectl') }),
    },
    {
      id: 'pipectl-solo',
      label: 'pipectl, solo commits',
      system: 'pipectl',
      configuration: `same, 1 tx per job (groupCommit: false)`,
      database: 'pipectl',
      run: (ctx) => runPipectl(ctx, { record: false, solo: true, profile: profileFor('pipectl-solo') }),
    },
    {
      id: 'pipectl-record',
      label: 'pipectl + record',
      system: 'pipectl',
      configuration: `same, + noop_runs insert in the job's tx`,
      database: 'pipectl',
      run: (ctx) => runPipectl(ctx, { record: true, profile: profileFor('pipectl-record') }),
    },
    {
      id: 'pipectl-loaded',
      label: 'pipectl, loaded',
      system: 'pipectl',
      configuration: `same, ${int(o.history)} finished jobs and ${int(o.backlog)} other pending ones already there`,
      database: 'pipectl_loaded',
      preload: { history: o.history, backlog: o.backlog },
      run: (ctx) => runPipectl(ctx, { record: false, profile: profileFor('pipectl-loaded') }),
    },
    {
      id: 'graphile',
      label: 'graphile like-for-like',
      system: 'graphile-worker',
      configuration: `localQueue ${lq}, completeJobBatchDelay -1 (per job)`,
      database: 'graphile',
      run: (ctx) => runGraphileWorker(ctx, { localQueueSize: lq, completeJobBatchDelay: -1 }),
    },
    {
      id: 'graphile-history',
      label: 'graphile + history',
      system: 'graphile-worker',
      configuration: `like-for-like, + pipectl's history and events (row triggers)`,
      database: 'graphile',
      run: (ctx) => runGraphileWorker(ctx, { localQueueSize: lq, completeJobBatchDelay: -1, keepHistory: true }),
    },
    {
      id: 'graphile-batched',
      label: 'graphile batched',
      system: 'graphile-worker',
      configuration: `localQueue ${lq}, completeJobBatchDelay 0 (batched)`,
      database: 'graphile',
      run: (ctx) => runGraphileWorker(ctx, { localQueueSize: lq, completeJobBatchDelay: 0 }),
    },
    {
      id: 'pg-boss',
      label: 'pg-boss',
      system: 'pg-boss',
      configuration: `${c} × work(), batchSize 100, poll 0.5 s`,
      database: 'pgboss',
      run: (ctx) => runPgBoss(ctx),
    },
  ];
  const loaded = o.history > 0 || o.backlog > 0;
  return all.filter((conf) => o.only.includes(conf.id) && (conf.id !== 'pipectl-loaded' || loaded));
}

const loadAverage = () =>
  os
    .loadavg()
    .map((l) => l.toFixed(2))
    .join(' ');

const databaseName = (suffix: string) => `${databasePrefix}_${suffix}`;

async function dropAll(o: BenchOptions, confs: Configuration[]): Promise<void> {
  const kept = confs.filter((conf) => conf.preload && o.keepLoaded).map((conf) => conf.database);
  for (const suffix of new Set(confs.map((conf) => conf.database))) {
    if (kept.includes(suffix)) continue;
    await dropDatabase(o.databaseUrl, databaseName(suffix)).catch((err: unknown) =>
      console.error(`could not drop ${databaseName(suffix)}: ${(err as Error).message}`),
    );
  }
}

async function main(): Promise<number> {
  let parsed: ReturnType<typeof parseBenchOptions>;
  try {
    parsed = parseBenchOptions(process.argv.slice(2), process.env);
  } catch (err) {
    console.error(`${(err as Error).message}\n\n${usage}`);
    return 2;
  }
  if (parsed === 'help') {
    console.log(usage);
    return 0;
  }
  const o = parsed;
  const profiles = new Map<ConfigurationId, StatementProfile>();
  const confs = configurations(o, profiles);

  const server = await serverContext(o.databaseUrl);
  const cpu = os.cpus()[0]?.model ?? 'unknown CPU';
  console.log('queue throughput: no-op jobs, every system against the same PostgreSQL server, one after another');
  console.log(
    `machine:    nproc ${os.availableParallelism()} (${cpu}), load average ${loadAverage()}, node ${process.version}`,
  );
  console.log(
    `postgresql: ${server.version}, synchronous_commit=${server.synchronousCommit}, fsync=${server.fsync}, shared_buffers=${server.sharedBuffers}`,
  );
  console.log(
    `run:        N=${int(o.jobs)} jobs, C=${o.concurrency}, ${o.repeat} run(s) per configuration (median), pool C+4=${o.concurrency + 4}`,
  );
  if (o.jobs < minimumJobs)
    console.log(`note:       N is below the ${int(minimumJobs)} the issue asks for; figures are indicative only`);
  console.log('');

  const runs = new Map<ConfigurationId, RunResult[]>();
  const failures: string[] = [];
  const interrupted = () => {
    console.error('\ninterrupted: dropping the benchmark databases');
    void dropAll(o, confs).finally(() => process.exit(130));
  };
  process.once('SIGINT', interrupted);
  process.once('SIGTERM', interrupted);
  try {
    // Round-robin, so that a burst of load from elsewhere on the machine spreads over all systems.
    for (let round = 1; round <= o.repeat; round++) {
      for (const conf of confs) {
        if (failures.some((f) => f.startsWith(`${conf.id}:`))) continue;
        try {
          const name = databaseName(conf.database);
          const reuse =
            conf.preload !== undefined &&
            (round > 1 || (o.keepLoaded && (await loadedAlready(databaseUrlFor(o.databaseUrl, name), conf.preload))));
          const url = reuse ? databaseUrlFor(o.databaseUrl, name) : await recreateDatabase(o.databaseUrl, name);
          if (conf.preload && reuse && round === 1) console.error(`  reusing ${name}, loaded by an earlier run`);
          if (conf.preload && !reuse) {
            console.error(`  loading ${databaseName(conf.database)} (not timed) …`);
            const took = await preloadHistory(url, conf.preload, (line) => console.error(line));
            console.error(`  loaded in ${(took / 1000).toFixed(1)} s`);
          }
          const result = await conf.run({
            url,
            jobs: o.jobs,
            concurrency: o.concurrency,
            deadline: performance.now() + o.timeoutSeconds * 1000,
          });
          runs.set(conf.id, [...(runs.get(conf.id) ?? []), result]);
          console.error(
            `  [${round}/${o.repeat}] ${conf.label.padEnd(22)} ${(result.ms / 1000).toFixed(2)} s  ${int((result.jobs / result.ms) * 1000)} jobs/s`,
          );
        } catch (err) {
          failures.push(`${conf.id}: ${(err as Error).message}`);
          console.error(`  [${round}/${o.repeat}] ${conf.label}: FAILED: ${(err as Error).message}`);
        }
      }
    }
  } finally {
    await dropAll(o, confs);
  }

  const measurements = new Map<ConfigurationId, Measurement>();
  for (const conf of confs) {
    const results = runs.get(conf.id);
    if (!results?.length) continue;
    const seconds = median(results.map((r) => r.ms / 1000));
    measurements.set(conf.id, {
      label: conf.label,
      system: conf.system,
      configuration: conf.configuration,
      jobs: o.jobs,
      runs: results.map((r) => r.ms / 1000),
      seconds,
      jobsPerSecond: o.jobs / seconds,
      nodeCpuUsPerJob: median(results.map((r) => (r.cpu.nodeMs * 1000) / r.jobs)),
      postgresCpuUsPerJob: median(results.map((r) => (r.cpu.postgresMs * 1000) / r.jobs)),
      walBytesPerJob: median(results.map((r) => r.cpu.walBytes / r.jobs)),
    });
  }
  console.log('');
  console.log(formatMeasurements([...measurements.values()]));

  const subjects = (['pipectl', 'pipectl-solo', 'pipectl-record', 'pipectl-loaded'] as const).flatMap(
    (id) => measurements.get(id) ?? [],
  );
  const peers = (['graphile', 'graphile-history', 'graphile-batched', 'pg-boss'] as const).flatMap(
    (id) => measurements.get(id) ?? [],
  );
  if (subjects.length > 0 && peers.length > 0) {
    console.log('');
    console.log(formatRatios(subjects, peers));
  }
  console.log(`\nload average after: ${loadAverage()}`);

  for (const [id, profile] of profiles) {
    const rows = profile.rows(o.jobs);
    if (rows.length === 0) continue;
    console.log(
      `\n${id}: client-side time per statement, last run (round trip + server; overlapping across connections)`,
    );
    console.log(
      formatTable(
        ['statement', 'calls', 'total ms', 'mean ms', 'ms/job'],
        rows.map((r) => [r.statement, int(r.calls), int(r.totalMs), r.meanMs.toFixed(3), r.perJobMs.toFixed(3)]),
      ),
    );
  }

  if (failures.length > 0) console.log(`\nfailed:\n${failures.map((f) => `  ${f}`).join('\n')}`);

  // Last, one line each, for scripts.
  const empty = measurements.get('pipectl');
  const loadedRun = measurements.get('pipectl-loaded');
  if (empty && loadedRun) {
    console.log(`\nratio pipectl-loaded/pipectl: ${(loadedRun.jobsPerSecond / empty.jobsPerSecond).toFixed(2)}`);
  }
  const peer = measurements.get('graphile');
  if (empty && peer) {
    console.log(
      `${loadedRun ? '' : '\n'}ratio pipectl/graphile-like-for-like: ${(empty.jobsPerSecond / peer.jobsPerSecond).toFixed(2)}`,
    );
  }
  const solo = measurements.get('pipectl-solo');
  if (empty && solo) {
    console.log(`ratio pipectl/pipectl-solo (group commit): ${(empty.jobsPerSecond / solo.jobsPerSecond).toFixed(2)}`);
  }
  const keeping = measurements.get('graphile-history');
  if (empty && keeping) {
    console.log(`ratio pipectl/graphile-with-history: ${(empty.jobsPerSecond / keeping.jobsPerSecond).toFixed(2)}`);
  }
  return failures.length > 0 ? 1 : 0;
}

process.exitCode = await main();

import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { type TestDatabase, useTestDatabase } from '../helpers/databases.js';
import { serverUrl } from '../helpers/test-env.js';
import { createCpuQuota } from './helpers/cpu-quota.js';
import { assertExpectedOutcomes } from './helpers/invariants.js';
import { crashLoop, killWorkingWorkers } from './helpers/kill-cadence.js';
import { twentyPercentFaults } from './helpers/load-server.js';
import {
  type DisruptContext,
  report,
  runScenario,
  type ScenarioOptions,
  type ScenarioResult,
} from './helpers/scenario.js';
import { itLeaksNoSecrets, withPassword } from './helpers/secrets.js';

/** Domains per fault scenario: at least 1,000 (RELIABILITY_FAULT_DOMAINS to change it). */
const domains = Number(process.env.RELIABILITY_FAULT_DOMAINS ?? 1000);

/** Terminates every pipectl connection to the database (as a failover or an operator would). */
async function terminatePipectlConnections(databaseUrl: string): Promise<number> {
  const admin = new pg.Client({ connectionString: serverUrl });
  await admin.connect();
  try {
    const r = await admin.query(
      `select pg_terminate_backend(pid) from pg_stat_activity where datname = $1 and application_name like 'pipectl%'`,
      [new URL(databaseUrl).pathname.slice(1)],
    );
    return r.rowCount ?? 0;
  } finally {
    await admin.end();
  }
}

/** A scenario on the file's database, through 4 workers × concurrency 8. */
function runFaultScenario(
  t: TestDatabase,
  o: Omit<ScenarioOptions, 'url' | 'db' | 'workers' | 'concurrency'>,
): Promise<ScenarioResult> {
  return runScenario({ ...o, url: withPassword(t.url ?? ''), db: t.db, workers: 4, concurrency: 8 });
}

/**
 * A scenario in which `kill` kills workers, with a short lease (3 s) so that the dead workers'
 * jobs are rescued while it runs; returns it with the number of kills.
 */
async function runKillScenario(
  t: TestDatabase,
  kill: (ctx: DisruptContext) => Promise<number>,
  o: Omit<ScenarioOptions, 'url' | 'db' | 'workers' | 'concurrency' | 'processArgs' | 'disrupt'>,
): Promise<{ r: ScenarioResult; kills: number }> {
  let kills = 0;
  const r = await runFaultScenario(t, {
    ...o,
    processArgs: ['--lease', '3s'],
    // process's default: a job whose worker is killed mid-run waits out the backoff before its
    // next run (rescueExpiredLeases), as in production. At 200ms, a crash loop of 60 s could
    // hand one job to five dying workers in a row and fail it.
    retryDelay: '10s',
    disrupt: async (ctx) => {
      kills = await kill(ctx);
    },
  });
  return { r, kills };
}

describe('fault: kill -9 of a working worker at least every 2 seconds, restarted at once', () => {
  const t = useTestDatabase('postgres');

  it(`loses nothing and runs nothing twice over ${domains} domains`, { timeout: 300_000 }, async () => {
    // A victim has registered and worked 2 s: a supervisor restarts crashed workers, it does
    // not shoot one still loading its modules (that was the "stall": docs/reliability.md).
    const kill = killWorkingWorkers('kill -9', { everyMs: 2000, workedMs: 2000 });
    const { r, kills } = await runKillScenario(t, kill, { label: 'kill -9', domains, timeoutMs: 240_000 });
    report('kill -9', r, { kills });
    expect(kills).toBeGreaterThanOrEqual(5);
    expect(r.startups.killedBeforeRegistration).toBe(0);
    // Every kill left claimed work behind: it was rescued, and still every domain ends as its site says.
    expect(r.figures.rescues).toBeGreaterThan(0);
    expect(r.crash).toEqual({ lost: 0, runTwice: 0, failedUnrun: 0, failedByLease: 0 });
    expect(await assertExpectedOutcomes(t.db)).toBe(domains);
  });

  itLeaksNoSecrets();
});

describe('fault: a crash loop, every worker killed within 3 seconds of registering, for 60 seconds', () => {
  const t = useTestDatabase('postgres');

  it(`completes all ${domains} domains afterwards, no job failed for work it never ran`, {
    timeout: 360_000,
  }, async () => {
    const kill = crashLoop('crash loop', { forMs: 60_000, withinMs: 3000 });
    const { r, kills } = await runKillScenario(t, kill, { label: 'crash loop', domains, timeoutMs: 300_000 });
    report('crash loop', r, { kills });
    // Every slot crashed at least once; how often depends on start-up (~60 kills at 1–2 s, 4 at 32 s).
    expect(kills).toBeGreaterThanOrEqual(4);
    expect(r.figures.rescues).toBeGreaterThan(0);
    // Buffered jobs of the dead got their attempt back, and nothing failed for want of attempts.
    expect(r.crash).toEqual({ lost: 0, runTwice: 0, failedUnrun: 0, failedByLease: 0 });
    expect(await assertExpectedOutcomes(t.db)).toBe(domains);
  });

  itLeaksNoSecrets();
});

/** Domains of the starved scenario, and the bound within which every one must finish. */
const starvedDomains = Number(process.env.RELIABILITY_STARVED_DOMAINS ?? 400);
const starvedBoundMs = 240_000;

// A restart cost a worker about 1.2 CPU-s of start-up under load in session 3 (docs/reliability.md):
// at 0.6 of a core, a kill every 2 s would spend the whole quota on loading modules. One kill
// every 5 s spends well under half of it, and late heartbeats under the quota test the leases
// too. (Every 10 s, the 400 domains finished in 24 s with 2 kills once the queue got faster.)
describe('fault: workers starved to 0.6 of a core (cgroup CPU quota) while one is killed every 5 s', () => {
  const t = useTestDatabase('postgres');

  it(`keeps moving: all ${starvedDomains} domains finish within ${starvedBoundMs / 1000} s`, {
    timeout: 360_000,
  }, async (ctx) => {
    const quota = createCpuQuota(0.6);
    if (typeof quota === 'string') {
      process.stderr.write(`  [starved] skipped: ${quota}\n`);
      ctx.skip(quota);
      return;
    }
    try {
      const kill = killWorkingWorkers('starved', { everyMs: 5000, workedMs: 2000 });
      const { r, kills } = await runKillScenario(t, kill, {
        label: 'starved',
        domains: starvedDomains,
        timeoutMs: starvedBoundMs,
        cpuQuota: quota,
      });
      report('starved', r, { kills, cpuQuota: quota.cores });
      expect(kills).toBeGreaterThanOrEqual(3);
      expect(r.startups.killedBeforeRegistration).toBe(0);
      expect(r.crash).toEqual({ lost: 0, runTwice: 0, failedUnrun: 0, failedByLease: 0 });
      expect(await assertExpectedOutcomes(t.db)).toBe(starvedDomains);
    } finally {
      quota.remove();
    }
  });
});

describe('fault: every database connection terminated, twice', () => {
  const t = useTestDatabase('postgres');

  it(`recovers and finishes all ${domains} domains`, { timeout: 300_000 }, async () => {
    const terminated: number[] = [];
    const url = withPassword(t.url ?? '');
    const r = await runFaultScenario(t, {
      label: 'pg_terminate_backend',
      domains,
      timeoutMs: 240_000,
      disrupt: async ({ done, finished }) => {
        for (const share of [0.3, 0.6]) {
          while (!done() && (await finished()) < domains * share) await sleep(250);
          if (done()) return;
          terminated.push(await terminatePipectlConnections(url));
        }
      },
    });
    report('pg_terminate_backend', r, { terminated });
    expect(terminated).toHaveLength(2);
    for (const n of terminated) expect(n).toBeGreaterThanOrEqual(4);
    expect(r.output).toMatch(/connection lost|worker loop error|heartbeat failed/);
    expect(await assertExpectedOutcomes(t.db)).toBe(domains);
  });

  itLeaksNoSecrets();
});

describe('fault: sites answering 500, resets, 10-second stalls and truncated bodies for 20 % of requests', () => {
  const t = useTestDatabase('postgres');

  it(`ends every one of ${domains} domains with a status and a reason`, { timeout: 300_000 }, async () => {
    const r = await runFaultScenario(t, {
      label: 'flaky sites',
      domains,
      faults: twentyPercentFaults,
      timeoutMs: 240_000,
    });
    const faulted = r.stats.faultedHosts;
    const share = Object.values(r.stats.faults).reduce((a, b) => a + b, 0) / r.stats.requests;
    report('flaky sites', r, { faultShare: Math.round(share * 1000) / 10, faultedDomains: faulted.size });
    expect(share).toBeGreaterThan(0.15);
    for (const n of Object.values(r.stats.faults)) expect(n).toBeGreaterThan(0);
    // A domain none of whose requests met a fault ends exactly as its site says.
    const clean = await assertExpectedOutcomes(t.db, (domain) => faulted.has(domain));
    expect(clean).toBe(domains - faulted.size);
  });

  itLeaksNoSecrets();
});

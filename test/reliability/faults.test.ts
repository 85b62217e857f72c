import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { useTestDatabase } from '../helpers/databases.js';
import { serverUrl } from '../helpers/test-env.js';
import { assertExpectedOutcomes } from './helpers/invariants.js';
import { twentyPercentFaults } from './helpers/load-server.js';
import { report, runScenario } from './helpers/scenario.js';
import { itLeaksNoSecrets, withPassword } from './helpers/secrets.js';

/** Domains per fault scenario: at least 1,000 (RELIABILITY_FAULT_DOMAINS to change it). */
const domains = Number(process.env.RELIABILITY_FAULT_DOMAINS ?? 1000);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

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

describe('fault: kill -9 of one worker every 2 seconds, restarted at once', () => {
  const t = useTestDatabase('postgres');

  it(`loses nothing and runs nothing twice over ${domains} domains`, { timeout: 300_000 }, async () => {
    let kills = 0;
    const r = await runScenario({
      label: 'kill -9',
      url: withPassword(t.url ?? ''),
      db: t.db,
      domains,
      workers: 4,
      concurrency: 8,
      // A short lease, so that the dead worker's jobs are rescued while the scenario runs.
      processArgs: ['--lease', '3s'],
      timeoutMs: 240_000,
      disrupt: async ({ pool, done }) => {
        await sleep(2000);
        while (!done()) {
          await pool.killAndRestart(kills % pool.size);
          kills++;
          await sleep(2000);
        }
      },
    });
    report('kill -9', r, { kills });
    expect(kills).toBeGreaterThanOrEqual(5);
    // Every kill left claimed work behind: it was rescued, and still every domain ends as its site says.
    expect(r.figures.rescues).toBeGreaterThan(0);
    expect(await assertExpectedOutcomes(t.db)).toBe(domains);
  });

  itLeaksNoSecrets();
});

describe('fault: every database connection terminated, twice', () => {
  const t = useTestDatabase('postgres');

  it(`recovers and finishes all ${domains} domains`, { timeout: 300_000 }, async () => {
    const terminated: number[] = [];
    const url = withPassword(t.url ?? '');
    const r = await runScenario({
      label: 'pg_terminate_backend',
      url,
      db: t.db,
      domains,
      workers: 4,
      concurrency: 8,
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
    const r = await runScenario({
      label: 'flaky sites',
      url: withPassword(t.url ?? ''),
      db: t.db,
      domains,
      workers: 4,
      concurrency: 8,
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

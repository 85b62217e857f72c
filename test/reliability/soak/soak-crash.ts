/**
 * `npm run soak:crash`: the kill -9 scenario N times in a row (default 20), then the crash-loop
 * scenario once, each in its own vitest run against TEST_DATABASE_URL; prints one markdown
 * table row per run (the table in docs/reliability.md). Not part of .ci/run.
 *
 *   npm run soak:crash                 # 20 × kill -9 + 1 × crash loop (~20 min on 2 cores)
 *   npm run soak:crash -- --runs 2     # a short check of the soak itself
 *
 * Exits 1 unless every run passed with nothing lost, run twice or failed unrun.
 */
import { spawnSync } from 'node:child_process';
import { parseArgs } from 'node:util';

interface Reliability {
  scenario: string;
  seconds: number;
  kills?: number;
  killedBeforeRegistration: number;
  workersStarted: number;
  startupMs: { p50: number; p99: number; max: number };
  maxHeartbeatGapMs: number;
  crash: { lost: number; runTwice: number; failedUnrun: number; failedByLease: number };
}

interface Row {
  run: string;
  scenario: string;
  pass: boolean;
  wallSeconds: number;
  figures?: Reliability;
  error?: string;
}

const usage = 'usage: npm run soak:crash -- [--runs N] (env SOAK_RUNS; default 20)';
const { values } = parseArgs({ options: { runs: { type: 'string' }, help: { type: 'boolean', short: 'h' } } });
if (values.help) {
  process.stdout.write(`${usage}\n`);
  process.exit(0);
}
const runs = Number(values.runs ?? process.env.SOAK_RUNS ?? 20);
if (!Number.isInteger(runs) || runs < 1) {
  process.stderr.write(`--runs must be a positive integer, got "${values.runs ?? process.env.SOAK_RUNS}"\n${usage}\n`);
  process.exit(2);
}
if (!process.env.TEST_DATABASE_URL) {
  process.stderr.write(
    'set TEST_DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres (the scenarios need PostgreSQL)\n',
  );
  process.exit(2);
}

/** Runs one scenario of test/reliability/faults.test.ts in its own vitest process. */
function runOne(run: string, scenario: string, testName: string): Row {
  const started = performance.now();
  const r = spawnSync(
    'npx',
    ['vitest', 'run', '--config', 'vitest.reliability.config.ts', 'test/reliability/faults.test.ts', '-t', testName],
    { encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 },
  );
  const wallSeconds = Math.round((performance.now() - started) / 1000);
  // biome-ignore lint/suspicious/noControlCharactersInRegex: strips vitest's colour codes.
  const output = `${r.stdout}\n${r.stderr}`.replace(/\x1b\[[0-9;]*m/g, '');
  const line = output.split('\n').find((l) => l.includes('RELIABILITY {'));
  const figures = line === undefined ? undefined : (JSON.parse(line.slice(line.indexOf('{'))) as Reliability);
  const pass = r.status === 0 && figures !== undefined;
  const error = pass
    ? undefined
    : (
        output.split('\n').find((l) => /Error:|AssertionError|not finished after|too slow/.test(l)) ??
        `exit ${r.status}`
      )
        .trim()
        .slice(0, 160);
  return { run, scenario, pass, wallSeconds, figures, error };
}

const header =
  '| run | scenario | result | wall s | pipeline s | kills | killed before registering | spawn → registered p50 / p99 / max ms | largest heartbeat gap of a live worker, ms | lost | run twice | failed unrun | failed by lease |\n' +
  '|---|---|---|---|---|---|---|---|---|---|---|---|---|';

function format(r: Row): string {
  const f = r.figures;
  const c = f?.crash;
  const cell = (v: number | undefined) => (v === undefined ? '–' : String(v));
  return `| ${r.run} | ${r.scenario} | ${r.pass ? 'pass' : `**fail**: ${r.error?.replaceAll('|', '/')}`} | ${r.wallSeconds} | ${cell(f?.seconds)} | ${cell(f?.kills)} | ${cell(f?.killedBeforeRegistration)} | ${f ? `${f.startupMs.p50} / ${f.startupMs.p99} / ${f.startupMs.max}` : '–'} | ${cell(f?.maxHeartbeatGapMs)} | ${cell(c?.lost)} | ${cell(c?.runTwice)} | ${cell(c?.failedUnrun)} | ${cell(c?.failedByLease)} |`;
}

const rows: Row[] = [];
process.stdout.write(
  `soak:crash: ${runs} × kill -9, then 1 × crash loop; started ${new Date().toISOString()}\n\n${header}\n`,
);
const plan = [
  ...Array.from({ length: runs }, (_, i) => ({
    run: String(i + 1),
    scenario: 'kill -9',
    test: 'loses nothing and runs nothing twice',
  })),
  { run: String(runs + 1), scenario: 'crash loop', test: 'no job failed for work it never ran' },
];
for (const p of plan) {
  const row = runOne(p.run, p.scenario, p.test);
  rows.push(row);
  process.stdout.write(`${format(row)}\n`);
}

const passed = rows.filter((r) => r.pass).length;
const measured = rows.filter((r) => r.figures !== undefined);
const clean = measured.every(
  (r) => (r.figures?.crash.lost ?? 0) + (r.figures?.crash.runTwice ?? 0) + (r.figures?.crash.failedUnrun ?? 0) === 0,
);
const gaps = rows.flatMap((r) => (r.figures ? [r.figures.maxHeartbeatGapMs] : []));
const startups = rows.flatMap((r) => (r.figures ? [r.figures.startupMs.max] : []));
process.stdout.write(
  `\n${passed} of ${rows.length} runs passed; largest heartbeat gap of a live worker ${Math.max(0, ...gaps)} ms ` +
    `(goal ≤ 2000 ms, 2 × the 1 s interval at --lease 3s); slowest start-up ${Math.max(0, ...startups)} ms; ` +
    `lost / run twice / failed unrun all 0 in the ${measured.length} runs that reached their figures: ${clean ? 'yes' : 'NO'}\n`,
);
process.exit(passed === rows.length && clean ? 0 : 1);

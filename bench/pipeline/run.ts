/**
 * The pipeline benchmark: WF4 → WF5 → WF7 end to end through `pipectl process` against the
 * PostgreSQL server, and WF5's page import alone. See README.md beside this file.
 *
 *   npm run build && npx tsx bench/pipeline/run.ts [--domains 200] [--pages 100] [--concurrency 16]
 */
import { existsSync } from 'node:fs';
import os from 'node:os';
import { resolveConfig } from '../../src/config.js';
import { migrateToLatest } from '../../src/db/migrator.js';
import { openDatabase } from '../../src/db/open-database.js';
import { defaultInsertBatchSize } from '../../src/pipeline/stages/page-import-stage.js';
import { dropDatabase, recreateDatabase, serverContext } from '../queue-throughput/bench-database.js';
import { type ImportFigures, measurePageImport } from './measure-page-import.js';
import { measurePipeline, type PipelineFigures } from './measure-pipeline.js';
import { type PipelineBenchOptions, parsePipelineBenchOptions, usage } from './pipeline-bench-options.js';

const databaseName = 'pipectl_bench_pipeline';
/** Issue 5's goal for WF5 alone on this 2-core machine. */
const importGoal = 50_000;

const int = (n: number) => Math.round(n).toLocaleString('en-US');
const fixed = (n: number, digits = 1) => n.toFixed(digits);
const median = (xs: number[]) => {
  const sorted = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? (sorted[mid] ?? 0) : ((sorted[mid - 1] ?? 0) + (sorted[mid] ?? 0)) / 2;
};

function printPipeline(o: PipelineBenchOptions, f: PipelineFigures): void {
  const pages = o.domains * o.pagesPerDomain;
  console.log(
    `\nFull pipeline: ${o.domains} domains × ${o.pagesPerDomain} pages (robots.txt → index → ${Math.ceil(o.pagesPerDomain / o.pagesPerSitemap)} urlsets; a mailto and a tel link per page), pipectl process --concurrency ${o.concurrency} --until-idle`,
  );
  console.log(`  wall time (spawn to exit)  ${fixed(f.seconds)} s`);
  console.log(
    `  domains/min                ${fixed((f.domainsComplete / f.seconds) * 60)}   (${int(f.domainsComplete)} complete)`,
  );
  console.log(
    `  pages/s                    ${fixed(f.pages / f.seconds)}   (${int(f.pages)} imported, ${int(f.pagesScanned)} scanned)`,
  );
  console.log(`  contacts/s                 ${fixed(f.contacts / f.seconds)}   (${int(f.contacts)} contacts)`);
  console.log(`  HTTP requests served       ${int(f.requests)}`);
  console.log(`  queue depth per stage (pending + running), ${int(f.samples)} samples every ${o.sampleMs} ms:`);
  console.log(
    '    stage           first seen   last seen   non-empty   max pending   mean running   mean domains running',
  );
  for (const q of f.queues) {
    console.log(
      `    ${q.stage.padEnd(14)} ${`${fixed(q.firstSeen)} s`.padStart(10)} ${`${fixed(q.lastSeen)} s`.padStart(11)} ${`${fixed(q.nonEmpty)} s`.padStart(11)} ${int(q.maxPending).padStart(13)} ${fixed(q.meanRunning).padStart(14)} ${fixed(q.meanDomainsRunning).padStart(22)}`,
    );
  }
  const slowest = f.queues[0];
  if (slowest) {
    console.log(
      `  slowest stage: ${slowest.stage}, its queue non-empty for ${fixed(slowest.nonEmpty)} s of ${fixed(f.seconds)} s`,
    );
  }
  const w = f.worker as { completed?: number; failed?: number; retried?: number } | undefined;
  console.log(
    `  worker: ${w?.completed ?? '?'} jobs completed, ${w?.failed ?? '?'} failed, ${w?.retried ?? '?'} retried; ` +
      `CPU ${fixed(f.workerCpuSeconds)} s (${fixed((f.workerCpuSeconds / f.seconds) * 100, 0)}% of one core)`,
  );
  if (f.shortfalls.length > 0 || pages !== f.pages) {
    console.log(`  WARNING — the run did not do all its work: ${f.shortfalls.join('; ')}`);
  }
  for (const line of f.errors) console.log(`  error log: ${line}`);
}

function printImport(f: ImportFigures, repeat: number): void {
  console.log(
    `\nPage import alone: one sitemap file of ${int(f.urls)} URLs, --max-urls ${f.urls} (median of ${repeat})`,
  );
  console.log(
    `    ${'variant'.padEnd(27)} ${'ms'.padStart(7)} ${'pages/s'.padStart(9)} ${'in SQL'.padStart(8)} ${'stmts'.padStart(6)}   what`,
  );
  for (const v of f.variants) {
    const ms = median(v.ms);
    const rate = v.name === 'count' ? '' : int((f.urls / ms) * 1000);
    const inSql = v.name === 'normalise' ? '' : `${int(median(v.sqlMs))}`;
    const stmts = v.name === 'normalise' ? '' : String(v.statements);
    console.log(
      `    ${v.name.padEnd(27)} ${int(ms).padStart(7)} ${rate.padStart(9)} ${inSql.padStart(8)} ${stmts.padStart(6)}   ${v.what}`,
    );
  }
  const variant = (name: string) => f.variants.find((v) => v.name === name);
  const ms = (name: string) => median(variant(name)?.ms ?? []);
  const run = ms('page_import run()');
  const runSql = median(variant('page_import run()')?.sqlMs ?? []);
  const rate = (f.urls / run) * 1000;
  console.log(
    `  page_import run(): ${int(rate)} pages/s — goal ≥ ${int(importGoal)}/s ${rate >= importGoal ? 'met' : 'NOT met'}`,
  );
  console.log(
    `  where run() time goes: ${int(runSql)} ms in its ${variant('page_import run()')?.statements} statements ` +
      `(the same rows as bare ${defaultInsertBatchSize.toLocaleString('en-US')}-row inserts: ${int(median(variant('bare unnest')?.sqlMs ?? []))} ms), ` +
      `${int(run - runSql)} ms in JavaScript (URL normalisation alone: ${int(ms('normalise'))} ms)`,
  );
  const commit = ms('page_import commit()');
  console.log(
    `  run() + commit(): ${int((f.urls / (run + commit)) * 1000)} pages/s; from loopback (fetch + parse + insert): ${int((f.urls / ms('page_import from loopback')) * 1000)} pages/s`,
  );
}

async function main(): Promise<void> {
  let o: PipelineBenchOptions | 'help';
  try {
    o = parsePipelineBenchOptions(process.argv.slice(2), process.env);
  } catch (err) {
    console.error(`${(err as Error).message}\n\n${usage}`);
    process.exit(2);
  }
  if (o === 'help') {
    console.log(usage);
    return;
  }
  if (o.only.includes('pipeline') && !existsSync('dist/commands/process.js')) {
    console.error('dist/ is missing: run `npm run build` first (the benchmark runs the built CLI).');
    process.exit(2);
  }
  const server = await serverContext(o.databaseUrl);
  console.log(
    `pipectl bench/pipeline — PostgreSQL ${server.version} (synchronous_commit ${server.synchronousCommit}, fsync ${server.fsync}, shared_buffers ${server.sharedBuffers}); ` +
      `${os.availableParallelism()} CPUs, load average ${os
        .loadavg()
        .map((l) => fixed(l, 2))
        .join(' ')}; Node ${process.version}`,
  );
  const url = await recreateDatabase(o.databaseUrl, databaseName);
  const opened = await openDatabase(resolveConfig({ 'database-url': url }, {}), { schema: 'skip' });
  try {
    await migrateToLatest(opened.db);
    if (o.only.includes('pipeline')) {
      printPipeline(
        o,
        await measurePipeline({
          url,
          domains: o.domains,
          pagesPerDomain: o.pagesPerDomain,
          pagesPerSitemap: o.pagesPerSitemap,
          concurrency: o.concurrency,
          sampleMs: o.sampleMs,
        }),
      );
    }
    if (o.only.includes('import')) {
      printImport(await measurePageImport(url, { urls: o.importUrls, repeat: o.repeat }), o.repeat);
    }
  } finally {
    await opened.close();
    if (o.keep) console.log(`\nkept the database: ${url}`);
    else await dropDatabase(o.databaseUrl, databaseName);
  }
}

await main();

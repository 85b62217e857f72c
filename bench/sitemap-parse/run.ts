import { spawn } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { generateSitemap } from './generate-sitemap.js';
import type { Measurement } from './measurement.js';
import { serveFiles } from './serve-files.js';

/*
 * npm run bench:parse — issue 4's benchmark. Generates a 50,000-URL (~13 MB) and a 500,000-URL
 * sitemap (lastmod, changefreq, priority, one hreflang alternate per URL), serves them from
 * 127.0.0.1, and has pipectl (HttpClient + SitemapReader) and the `sitemapper` package fetch and
 * parse each. Every run is a child process of its own, so that its peak RSS is its own, and the
 * two tools alternate run by run, so that a busy machine slows both alike.
 *
 * Prints, per tool and size: URLs/s (wall clock, median of the runs), URLs per CPU-second
 * (user + system time of the process, median: steadier than wall time on a shared machine), the
 * main thread's share of that CPU time (Linux; the rest is V8's background compilers and GC
 * helpers) and peak RSS (max of the runs); then the ratios. Goals: pipectl ≥ 4× sitemapper's
 * URLs/s, and pipectl's peak RSS under 100 MB for both sizes. Exits 1 when a goal is missed.
 *
 * Options: --runs N (default 5), --sizes 50000,500000.
 *
 * Diagnosis only: --diagnostic-node-flags "<flags>" starts every child (both tools) with those
 * Node/V8 flags, to see what a runtime setting would change (docs/design-notes.md uses
 * `--max-semi-space-size=4` to cap the young generation). `pipectl
 * process` does not run with them, so such a run judges no goal and exits 2.
 */

const here = path.dirname(fileURLToPath(import.meta.url));
const arg = (name: string, fallback: string) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? (process.argv[i + 1] ?? fallback) : fallback;
};
const runs = Number(arg('runs', '5'));
const diagnosticFlags = arg('diagnostic-node-flags', '')
  .split(' ')
  .filter((f) => f !== '');
const sizes = arg('sizes', '50000,500000').split(',').map(Number);
const tools = [
  ['pipectl', 'measure-pipectl.js'],
  ['sitemapper', 'measure-sitemapper.js'],
] as const;

function measure(script: string, url: string): Promise<Measurement> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...diagnosticFlags, path.join(here, script), url], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    child.stdout.on('data', (d) => {
      out += d;
    });
    child.on('error', reject);
    child.on('close', (code) => {
      const line = out.trim().split('\n').at(-1) ?? '';
      if (code !== 0 || !line.startsWith('{')) reject(new Error(`${script} exited with ${code}: ${out}`));
      else resolve(JSON.parse(line) as Measurement);
    });
  });
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? 0;
const mb = (bytes: number) => bytes / 1e6;
const fmt = (n: number) => Math.round(n).toLocaleString('en-US');

interface Row {
  size: number;
  bytes: number;
  tool: string;
  urlsPerSec: number;
  urlsPerCpuSec: number;
  /** Median main-thread CPU ms, when the platform reports it. */
  mainCpuMs: number | undefined;
  /** Median CPU ms of all threads. */
  cpuMs: number;
  peakRss: number;
}

const dir = path.join(os.tmpdir(), 'pipectl-bench-sitemaps');
mkdirSync(dir, { recursive: true });
const server = await serveFiles(dir);
const rows: Row[] = [];
let failed = false;
try {
  for (const size of sizes) {
    const file = `sitemap-${size}.xml`;
    const bytes = await generateSitemap(path.join(dir, file), size);
    const url = `${server.origin}/${file}`;
    process.stderr.write(`${fmt(size)} URLs, ${mb(bytes).toFixed(1)} MB: `);
    const results = new Map<string, Measurement[]>(tools.map(([tool]) => [tool, []]));
    for (let i = 0; i < runs; i++) {
      for (const [tool, script] of tools) {
        const m = await measure(script, url);
        if (m.urls !== size || m.error) {
          failed = true;
          process.stderr.write(`\n  ${tool} read ${m.urls} of ${size} URLs${m.error ? `: ${m.error}` : ''}\n`);
        }
        results.get(tool)?.push(m);
        process.stderr.write('.');
      }
    }
    process.stderr.write('\n');
    for (const [tool, list] of results) {
      rows.push({
        size,
        bytes,
        tool,
        urlsPerSec: median(list.map((r) => (r.urls / r.ms) * 1000)),
        urlsPerCpuSec: median(list.map((r) => (r.urls / r.cpuMs) * 1000)),
        mainCpuMs: list.every((r) => r.mainCpuMs !== undefined) ? median(list.map((r) => r.mainCpuMs ?? 0)) : undefined,
        cpuMs: median(list.map((r) => r.cpuMs)),
        peakRss: Math.max(...list.map((r) => r.peakRss)),
      });
    }
  }
} finally {
  await server.close();
}

console.log(
  `\nsitemap fetch + parse over HTTP from 127.0.0.1 — node ${process.version}, ${os.cpus().length} × ${os.cpus()[0]?.model ?? 'cpu'}, load ${os.loadavg()[0]?.toFixed(1)}`,
);
console.log(`${runs} runs per tool and size, alternating, each in its own process; medians, and the max peak RSS\n`);
if (diagnosticFlags.length > 0) {
  console.log(`DIAGNOSTIC RUN: children started with ${diagnosticFlags.join(' ')}; no goal is judged\n`);
}
console.log('URLs      size      tool          URLs/s   URLs/CPU-s   CPU ms (main thread)   peak RSS');
for (const r of rows) {
  const cpu = `${fmt(r.cpuMs)} (${r.mainCpuMs === undefined ? '?' : fmt(r.mainCpuMs)})`;
  console.log(
    `${fmt(r.size).padEnd(10)}${`${mb(r.bytes).toFixed(1)} MB`.padEnd(10)}${r.tool.padEnd(12)}${fmt(r.urlsPerSec).padStart(10)}${fmt(r.urlsPerCpuSec).padStart(13)}${cpu.padStart(23)}${`${mb(r.peakRss).toFixed(0)} MB`.padStart(11)}`,
  );
}
console.log('');
for (const size of sizes) {
  const ours = rows.find((r) => r.size === size && r.tool === 'pipectl');
  const theirs = rows.find((r) => r.size === size && r.tool === 'sitemapper');
  if (!ours || !theirs) continue;
  const ratio = ours.urlsPerSec / theirs.urlsPerSec;
  const cpuRatio = ours.urlsPerCpuSec / theirs.urlsPerCpuSec;
  const fast = ratio >= 4;
  const lean = ours.peakRss < 100e6;
  if (!fast || !lean) failed = true;
  const verdict = (met: boolean) =>
    diagnosticFlags.length > 0
      ? `not judged: diagnostic run, would be ${met ? 'met' : 'missed'}`
      : met
        ? 'met'
        : 'NOT met';
  console.log(
    `${fmt(size)} URLs: pipectl/sitemapper ${ratio.toFixed(2)}× URLs/s (goal ≥ 4×: ${verdict(fast)}), ` +
      `${cpuRatio.toFixed(2)}× URLs/CPU-s; pipectl peak RSS ${mb(ours.peakRss).toFixed(0)} MB ` +
      `(goal < 100 MB: ${verdict(lean)}), sitemapper ${mb(theirs.peakRss).toFixed(0)} MB`,
  );
}
process.exitCode = diagnosticFlags.length > 0 ? 2 : failed ? 1 : 0;

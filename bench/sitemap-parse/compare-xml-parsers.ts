import { spawn } from 'node:child_process';
import { createReadStream, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { XMLParser } from 'fast-xml-parser';
import { SitemapReader } from '../../src/parse/sitemap-reader.js';
import { generateSitemap } from './generate-sitemap.js';

/*
 * The measurement behind docs/design-notes.md "One XML parser": fast-xml-parser (the design's
 * preferred parser, with its options) against pipectl's streaming SitemapReader, parsing
 * the benchmark's files from disk (no network), each run in its own process for its peak RSS.
 *
 * fast-xml-parser 5 has no streaming API: it takes the whole document as one string and returns
 * the whole tree, so its memory grows with the file and nothing can stop it early.
 *
 * Run after `tsc -p bench/sitemap-parse/tsconfig.json`:
 *   node node_modules/.cache/pipectl-bench/bench/sitemap-parse/compare-xml-parsers.js
 */

const [, , mode, file] = process.argv;

async function child(): Promise<void> {
  const cpu = process.cpuUsage();
  const started = performance.now();
  let urls = 0;
  if (mode === 'fast-xml-parser') {
    const parser = new XMLParser({
      htmlEntities: true,
      parseTagValue: false,
      removeNSPrefix: true,
      ignoreAttributes: false,
      isArray: (name) => name === 'url',
    });
    const doc = parser.parse(readFileSync(file ?? '', 'utf8')) as { urlset: { url: unknown[] } };
    urls = doc.urlset.url.length;
  } else {
    const reader = new SitemapReader(createReadStream(file ?? '', { highWaterMark: 64 * 1024 }));
    for await (const batch of reader) urls += batch.length;
  }
  const used = process.cpuUsage(cpu);
  process.stdout.write(
    `${JSON.stringify({ urls, ms: performance.now() - started, cpuMs: (used.user + used.system) / 1000, peakRss: process.resourceUsage().maxRSS * 1024 })}\n`,
  );
}

function run(parser: string, target: string): Promise<{ urls: number; ms: number; cpuMs: number; peakRss: number }> {
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, [fileURLToPath(import.meta.url), parser, target], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    p.stdout.on('data', (d) => {
      out += d;
    });
    p.on('close', (code) => (code === 0 ? resolve(JSON.parse(out)) : reject(new Error(`${parser} exited ${code}`))));
  });
}

async function main(): Promise<void> {
  const dir = path.join(os.tmpdir(), 'pipectl-bench-sitemaps');
  console.log('parser            URLs      URLs/s   URLs/CPU-s   peak RSS   (best of 3, from disk)');
  for (const size of [50_000, 500_000]) {
    const target = path.join(dir, `sitemap-${size}.xml`);
    await generateSitemap(target, size);
    for (const parser of ['fast-xml-parser', 'SitemapReader']) {
      const results = [];
      for (let i = 0; i < 3; i++) results.push(await run(parser, target));
      const best = results.reduce((a, b) => (a.ms <= b.ms ? a : b));
      const bestCpu = Math.min(...results.map((r) => r.cpuMs));
      console.log(
        `${parser.padEnd(16)}${size.toLocaleString('en-US').padStart(9)}${Math.round((best.urls / best.ms) * 1000)
          .toLocaleString('en-US')
          .padStart(10)}${Math.round((best.urls / bestCpu) * 1000)
          .toLocaleString('en-US')
          .padStart(13)}${`${Math.round(Math.max(...results.map((r) => r.peakRss)) / 1e6)} MB`.padStart(11)}`,
      );
    }
  }
}

await (mode === undefined ? main() : child());

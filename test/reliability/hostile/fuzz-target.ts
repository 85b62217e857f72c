/*
 * Runs one parser against hostile documents, in its own process (started by
 * hostile-input.test.ts with a capped V8 heap, so that unbounded memory is a crash, and under a
 * watchdog, so that a hang is a kill):
 *
 *   node --import tsx --max-old-space-size=256 test/reliability/hostile/fuzz-target.ts <target> <seed> <runs>
 *
 * Before each input it writes `> <run> <bytes>` to stdout: the watchdog's heartbeat, and the
 * size of the input that hung if one does. At the end it writes `RESULT <json>`. A property
 * failure (an uncaught error, an input slower than the budget, a malformed result) exits 1
 * with fast-check's report, seed and shrunk counterexample included.
 */
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import { ChecksConfigError } from '../../../src/checks/checks-config-error.js';
import { loadChecksFile } from '../../../src/checks/load-checks-file.js';
import { parseChecksFile } from '../../../src/checks/parse-checks-file.js';
import { extractContacts } from '../../../src/parse/contacts/extract-contacts.js';
import { parseRobotsRules } from '../../../src/parse/robots-rules.js';
import { extractRobotsSitemaps } from '../../../src/parse/robots-sitemaps.js';
import { parseSitemap, SitemapReader } from '../../../src/parse/sitemap-reader.js';
import { fixtureSites } from '../../fixtures/fixture-sites.js';
import type { Route } from '../../fixtures/site-server.js';
import { generatedDomain, generatedResponse } from '../helpers/generated-sites.js';
import { hostileDocuments, htmlTokens, robotsTokens, xmlTokens, yamlTokens } from './mutations.js';

const [target = '', seedArg = '1', runsArg = '200', budgetArg = '3000'] = process.argv.slice(2);
/** Longest one input may take, ms: generous, because the machine is shared. */
const budgetMs = Number(budgetArg);
const root = path.resolve(import.meta.dirname, '../../..');

function routeBodies(match: (path: string, route: Route) => boolean): Buffer[] {
  const out: Buffer[] = [];
  for (const site of Object.values(fixtureSites)) {
    for (const [p, route] of Object.entries(site)) {
      if ('body' in route && match(p, route)) out.push(Buffer.from(route.body));
    }
  }
  return out;
}

const generated = (p: string) =>
  [0, 1, 2, 40, 49].map((i) => Buffer.from(generatedResponse(generatedDomain(i), p)?.body ?? ''));

function isHttpUrl(text: string): boolean {
  try {
    const u = new URL(text);
    return u.protocol === 'http:' || u.protocol === 'https:';
  } catch {
    return false;
  }
}

/** Whether a result has the documented shape; a parser that returns garbage fails like one that throws. */
function check(ok: boolean, what: string): void {
  if (!ok) throw new Error(`malformed result: ${what}`);
}

interface Target {
  seeds: Buffer[];
  tokens: readonly string[];
  /** Largest input; default 1 MiB. */
  maxBytes?: number;
  run(doc: Buffer, asText: boolean, pick: number): Promise<void> | void;
}

const checksDir = path.join(os.tmpdir(), `pipectl-fuzz-checks-${process.pid}`);

const targets: Record<string, () => Target> = {
  robots: () => ({
    seeds: [...routeBodies((p) => p === '/robots.txt'), ...generated('/robots.txt')],
    tokens: robotsTokens,
    run(doc, asText, pick) {
      const body = asText ? doc.toString('utf8') : doc;
      const url = 'https://fuzz.example/robots.txt';
      const sitemaps = extractRobotsSitemaps(body, url);
      check(Array.isArray(sitemaps) && sitemaps.every(isHttpUrl), 'sitemaps must be http(s) URLs');
      const rules = parseRobotsRules(body, url);
      const paths = ['/', '/wp-admin/', '/a/b?c=d', `/${'x'.repeat(pick % 3000)}`, '/%E2%82%AC'];
      for (const p of paths)
        check(typeof rules.isAllowed(`https://fuzz.example${p}`, 'pipectl') === 'boolean', 'isAllowed');
      const delay = rules.crawlDelay('pipectl');
      check(delay === undefined || typeof delay === 'number', 'crawlDelay');
    },
  }),

  sitemap: () => {
    const dir = path.join(root, 'test/parse/fixtures');
    return {
      seeds: [
        ...readdirSync(dir).map((f) => readFileSync(path.join(dir, f))),
        ...routeBodies((p) => /sitemap|\.xml|\.txt|feed/.test(p)),
        ...generated('/sitemap.xml'),
      ],
      tokens: xmlTokens,
      async run(doc, _asText, pick) {
        const whole = parseSitemap(doc);
        check(['urlset', 'index', 'text', 'rss', 'atom', 'invalid'].includes(whole.kind ?? 'invalid'), 'kind');
        check(whole.items.length === whole.entries, 'entries counts the items');
        check(
          whole.items.every((e) => isHttpUrl(e.url)),
          'entry URLs are http(s)',
        );
        check(!JSON.stringify(whole.items).includes('root:x:0:0'), 'no external entity was resolved');
        // Streamed in chunks of a random size, as an HTTP body arrives: it must not throw either.
        const size = 1 + (pick % 4096);
        const chunks = (async function* () {
          for (let i = 0; i < doc.length; i += size) yield doc.subarray(i, i + size);
        })();
        const reader = new SitemapReader(chunks, { maxEntries: 1000 });
        let streamed = 0;
        for await (const batch of reader) streamed += batch.length;
        check(streamed === reader.summary.entries && streamed <= 1000, 'streamed entries');
      },
    };
  },

  contacts: () => ({
    seeds: [
      ...routeBodies((_p, route) => 'type' in route && String(route.type).startsWith('text/html')),
      readFileSync(path.join(root, 'test/parse/fixtures/soft-404.html')),
      ...generated('/'),
      ...generated('/contact/'),
    ],
    tokens: htmlTokens,
    run(doc, asText, pick) {
      const charset = [undefined, 'utf-8', 'windows-1252', 'shift_jis', 'utf-16le', 'x-bogus'][pick % 6];
      const host = ['fuzz.example', 'firma.de', 'shop.co.uk', 'xn--bcher-kva.example'][pick % 4];
      const found = extractContacts(asText ? doc.toString('utf8') : doc, `https://${host}/contact`, { charset });
      check(
        found.emails.every((e) => e.includes('@') && e === e.toLowerCase()),
        'emails are lower-case addresses',
      );
      check(
        found.phones.every((p) => /^\+\d{4,15}$/.test(p)),
        'phones are E.164',
      );
    },
  }),

  checks: () => checksTarget(),
};

function checksTarget(): Target {
  const seeds = [
    readFileSync(path.join(root, 'checks.yml')),
    readFileSync(path.join(root, 'test/report/fixed-run.yml')),
  ];
  // Parse the seeds once, as every real run parses one file: V8 compiles a regular expression
  // on its first use, and one first compiled at the edge of a stack overflow (deep nesting)
  // leaves the process to die later with "RegExpCompiler Allocation failed". A CLI process
  // parses one file, so only the fuzzing process, which parses thousands, could meet that.
  for (const seed of seeds) parseChecksFile(seed.toString('utf8'), 'seed.yml');
  return {
    seeds,
    tokens: yamlTokens,
    // A real checks.yml is about 10 KiB; inputs go up to the generator's 1 MiB (duplicate keys
    // are found in linear time since session 2: the YAML library's own check was quadratic).
    async run(doc, _asText, pick) {
      const expectOnly = (err: unknown) => {
        // The documented failure: an invalid file, with its problems located.
        if (!(err instanceof ChecksConfigError)) throw err;
        check(err.problems.length > 0 && err.problems.every((p) => p.line >= 1 && p.column >= 1), 'problems located');
      };
      try {
        parseChecksFile(doc.toString('utf8'), 'fuzz.yml');
      } catch (err) {
        expectOnly(err);
      }
      // Now and then through the loader, from a file on disk, as `pipectl check --config` reads it.
      if (pick % 8 === 0) {
        const file = path.join(checksDir, 'checks.yml');
        writeFileSync(file, doc);
        await loadChecksFile(file, checksDir).catch(expectOnly);
      }
    },
  };
}

async function main(): Promise<void> {
  const make = targets[target];
  if (!make) throw new Error(`unknown target "${target}": ${Object.keys(targets).join(', ')}`);
  if (target.startsWith('checks')) mkdirSync(checksDir, { recursive: true });
  const t = make();
  let run = 0;
  let slowest = { ms: 0, bytes: 0 };
  let largest = 0;
  const details = await fc.check(
    fc.asyncProperty(
      hostileDocuments(t.seeds, t.tokens, t.maxBytes),
      fc.boolean(),
      fc.nat(),
      async (doc, asText, pick) => {
        run++;
        process.stdout.write(`> ${run} ${doc.length}\n`);
        largest = Math.max(largest, doc.length);
        const timed = async () => {
          const started = performance.now();
          await t.run(doc, asText, pick);
          return performance.now() - started;
        };
        let ms = await timed();
        // On a shared machine one slow run may be noise: a parser is slow only if it is slow twice.
        if (ms > budgetMs) ms = Math.min(ms, await timed());
        if (ms > slowest.ms) slowest = { ms: Math.round(ms), bytes: doc.length };
        if (ms > budgetMs) throw new Error(`took ${Math.round(ms)} ms (budget ${budgetMs} ms) on ${doc.length} bytes`);
      },
    ),
    { seed: Number(seedArg), numRuns: Number(runsArg), endOnFailure: true },
  );
  if (details.failed) {
    // The input that failed, for a rerun by hand: `parseChecksFile(readFileSync(file, 'utf8'), …)`.
    const [doc, asText, pick] = details.counterexample ?? [];
    const file = path.join(root, '.test-results', `fuzz-${target}-${seedArg}.bin`);
    mkdirSync(path.dirname(file), { recursive: true });
    if (doc) writeFileSync(file, doc);
    const cause = details.errorInstance;
    const detail =
      cause instanceof Error ? (cause.stack?.split('\n').slice(0, 6).join('\n') ?? cause.message) : String(cause);
    throw new Error(
      `${target}: input ${details.numRuns} of seed ${seedArg} failed (asText ${asText}, pick ${pick}; input saved to ${path.relative(root, file)}):\n${detail}`,
    );
  }
  const maxRssMb = Math.round(process.resourceUsage().maxRSS / 1024);
  process.stdout.write(`RESULT ${JSON.stringify({ target, runs: run, slowest, largest, maxRssMb })}\n`);
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  },
);

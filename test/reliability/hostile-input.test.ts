import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { domainToASCII } from 'node:url';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SitemapStreamParser } from '../../src/parse/sitemap-stream-parser.js';
import { runCli } from '../helpers/cli.js';
import { useTestDatabase } from '../helpers/databases.js';
import { fuzzHeapMb, runFuzz } from './helpers/run-fuzz.js';
import { itLeaksNoSecrets, recordOutput, withPassword } from './helpers/secrets.js';

/** What writing a string as UTF-8 replaces with U+FFFD. */
const loneSurrogate = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/** Inputs per parser (RELIABILITY_FUZZ_RUNS) and the seed (RELIABILITY_FUZZ_SEED), printed for a rerun. */
const runs = Number(process.env.RELIABILITY_FUZZ_RUNS ?? 1000);
const seed = Number(process.env.RELIABILITY_FUZZ_SEED ?? 20_251_117);

describe(`hostile input: parsers under fast-check (seed ${seed}, ${runs} inputs each)`, () => {
  it.each([
    ['robots', 'the robots.txt parser (Sitemap lines and rules)'],
    ['sitemap', 'the sitemap parser (whole and streamed in random chunks)'],
    ['contacts', 'the contact extractor (text and bytes in any charset)'],
    ['checks', 'the checks.yml loader (inputs up to 1 MiB, aliases included: only located errors)'],
  ])('%s: %s never throws, hangs or exceeds its memory', { timeout: 180_000 }, async (target) => {
    const r = await runFuzz(target, seed, runs);
    expect(r.hung, r.output).toBeUndefined();
    expect(r.code, r.output).toBe(0);
    expect(r.result?.runs).toBe(runs);
    expect(r.result?.maxRssMb, 'resident memory of the fuzzing process').toBeLessThan(fuzzHeapMb + 256);
    process.stderr.write(`  RELIABILITY ${JSON.stringify({ scenario: `fuzz ${target}`, seed, ...r.result })}\n`);
  });

  it('reads a sitemap trickled one byte per chunk in linear time', () => {
    // A hostile server can send a body a byte at a time. Found by this suite: an XML
    // declaration naming UTF-16 over ASCII bytes, repeated, made the parser built on
    // htmlparser2's Tokenizer take 56 s for 39 KB in 1-byte chunks.
    for (const unit of [
      '<?xml version="1.0" encoding="UTF-16"?>',
      '<?xml version="1.0" encoding="UTF-8"?>',
      '<url><loc>https://a.example/p</loc></url>',
    ]) {
      const doc = Buffer.from(`<urlset>${unit.repeat(Math.ceil(80_000 / unit.length))}`);
      const started = performance.now();
      const parser = new SitemapStreamParser();
      for (let i = 0; i < doc.length; i++) parser.write(doc.subarray(i, i + 1));
      parser.end();
      expect(performance.now() - started, unit).toBeLessThan(5000);
    }
  });
});

describe('hostile input: pipectl domains add --file with 10,000 lines of junk and names', () => {
  const t = useTestDatabase('postgres');

  it('adds every valid name once, rejects every junk line with one reason each, exits 1', {
    timeout: 120_000,
  }, async () => {
    const valid = fc.oneof(
      fc
        .tuple(fc.stringMatching(/^[a-z][a-z0-9-]{0,20}[a-z0-9]$/), fc.constantFrom('com', 'de', 'co.uk', 'shop'))
        .map(([name, tld]) => ({ line: `${name}.${tld}`, domain: `${name}.${tld}` })),
      fc
        .stringMatching(/^[a-z][a-z0-9]{2,12}$/)
        .map((n) => ({ line: `https://WWW.${n.toUpperCase()}.com/about?x=1`, domain: `www.${n}.com` })),
      fc.stringMatching(/^[a-z]{3,10}$/).map((n) => ({ line: `  ${n}.example.  `, domain: `${n}.example` })),
      fc
        .constantFrom('bücher-haus.de', '😀.example.com', 'ÉCOLE.fr')
        .map((line) => ({ line, domain: domainToASCII(line.toLowerCase()) })),
    );
    const junk = fc.oneof(
      fc.constantFrom(
        'localhost',
        '127.0.0.1',
        '2130706433',
        '0177.0.0.1',
        '[::1]',
        '::ffff:127.0.0.1',
        '10.0.0.1:8080',
        'not a domain',
        '-leading-hyphen.com',
        'trailing-hyphen-.com',
        'double..dot.com',
        'under_score.com',
        'ftp://files.example.com/',
        'javascript:alert(1)',
        'mailto:info@example.com',
        '<script>alert(1)</script>',
        '.com',
        'example.123',
        `${'a'.repeat(64)}.com`,
        `${'abcdefghi.'.repeat(26)}com`,
        '%00.example.com',
        'exa mple.com',
        "'; drop table domains; --",
        '\u0000.example.com',
        'http://',
        'https://user:pass@/',
      ),
      // Never a URL (no scheme can start with ~) and always with a blank inside: junk whatever the string.
      fc.string({ unit: 'binary', maxLength: 40 }).map((s) => `~${s.replace(/[\n\r#]/g, '')} junk`),
    );
    const lines: { line: string; domain?: string }[] = fc
      .sample(
        fc.oneof({ weight: 1, arbitrary: valid }, { weight: 1, arbitrary: junk.map((line) => ({ line })) }),
        { seed, numRuns: 10_000 },
        // A lone surrogate cannot be written as UTF-8: the file would hold U+FFFD instead.
      )
      .map((l) => ({ ...l, line: l.line.replace(loneSurrogate, '\uFFFD') }));
    const file = path.join(mkdtempSync(path.join(os.tmpdir(), 'pipectl-junk-')), 'domains.txt');
    writeFileSync(file, `${lines.map((l) => l.line).join('\n')}\n`);
    const env = { DATABASE_URL: withPassword(t.url ?? '') };

    const first = await runCli(['domains', 'add', '--file', file, '--json'], { env });
    recordOutput(first);
    expect(first.code, first.stderr).toBe(1);
    const out = JSON.parse(first.stdout) as {
      added: number;
      present: number;
      rejected: number;
      results: { input: string; outcome: string; reason?: string; domain?: string }[];
    };
    // One result per line, in order; every rejected line has a reason of its own.
    expect(out.results).toHaveLength(lines.length);
    const wanted = new Set(lines.flatMap((l) => (l.domain ? [l.domain] : [])));
    out.results.forEach((r, i) => {
      const line = lines[i] as { line: string; domain?: string };
      expect(r.input).toBe(line.line.trim());
      if (line.domain !== undefined) expect(r, line.line).toMatchObject({ domain: line.domain });
      else expect(r, JSON.stringify(line.line)).toMatchObject({ outcome: 'rejected', reason: expect.any(String) });
      if (r.outcome === 'rejected') expect(r.reason?.length ?? 0).toBeGreaterThan(3);
    });
    expect(out.rejected).toBe(lines.filter((l) => l.domain === undefined).length);
    expect(out.added).toBe(wanted.size);
    expect(out.added + out.present + out.rejected).toBe(lines.length);
    const stored = await t.db.selectFrom('domains').select(['domain', 'sitemap_analysis_status']).execute();
    expect(new Set(stored.map((d) => d.domain))).toEqual(wanted);
    expect(new Set(stored.map((d) => d.sitemap_analysis_status))).toEqual(new Set(['queued']));

    // Again, for people: one `rejected "…": reason` line on stderr per rejected line, nothing added twice.
    const again = await runCli(['domains', 'add', '--file', file], { env });
    recordOutput(again);
    expect(again.code).toBe(1);
    const reasons = again.stderr.split('\n').filter((l) => l.startsWith('rejected '));
    expect(reasons).toHaveLength(out.rejected);
    expect(again.stdout).toContain(`0 added, ${lines.length - out.rejected} already present, ${out.rejected} rejected`);
  });

  itLeaksNoSecrets();
});

/*
 * Hostile checks.yml through the CLI (found by this suite in session 1, fixed in 619f3c9 and
 * session 2): the YAML library's own exceptions and its quadratic duplicate-key check.
 */
describe('hostile checks.yml: pipectl checks validate reports a located problem, exit 2', () => {
  async function validate(text: string) {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'pipectl-hostile-checks-'));
    const file = path.join(dir, 'checks.yml');
    writeFileSync(file, text);
    const r = await runCli(['checks', 'validate', '--config', file, '--json']);
    const out = JSON.parse(r.stdout) as {
      valid: boolean;
      problems: { line: number; column: number; message: string }[];
    };
    return { ...r, out };
  }

  it.each([
    ['an unresolved alias', 'checks: *missing\n', 1, /Unresolved alias/],
    [
      'an alias bomb (billion laughs in YAML)',
      'a: &a [x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]\nc: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]\nd: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c]\ne: [*d, *d, *d, *d, *d, *d, *d, *d, *d]\n',
      1,
      /Excessive alias count/,
    ],
    ['a block sequence nested 5,000 deep, then a key', `${'- '.repeat(5000)}\nb: 1\n`, 1, /stack/],
    [
      '60,000 keys in one map, one repeated (600 KB)',
      `checks: []\n${Array.from({ length: 60_000 }, (_, i) => `k${i}: v`).join('\n')}\nk7: again\n`,
      60_002,
      /duplicate key "k7"/,
    ],
  ])('%s', { timeout: 30_000 }, async (_what, text, line, message) => {
    const r = await validate(text);
    expect(r.code).toBe(2);
    expect(r.out.valid).toBe(false);
    expect(r.out.problems[0]?.line).toBe(line);
    expect(r.out.problems[0]?.message).toMatch(/^invalid YAML: /);
    expect(r.out.problems[0]?.message).toMatch(message);
    expect(r.ms).toBeLessThan(10_000);
  });
});

import { readFileSync } from 'node:fs';
import { describe, expect, it, vi } from 'vitest';
import { locateXmlError, xmlErrorWindowBytes } from '../../src/parse/locate-xml-error.js';
import { parseSitemap, SitemapReader } from '../../src/parse/sitemap-reader.js';

// Counts the validator's runs: a valid sitemap must never reach it.
const validator = vi.hoisted(() => ({ runs: 0 }));
vi.mock('fast-xml-parser', async (importOriginal) => {
  const actual = await importOriginal<typeof import('fast-xml-parser')>();
  return {
    ...actual,
    XMLValidator: {
      validate: (...args: Parameters<typeof actual.XMLValidator.validate>) => {
        validator.runs++;
        return actual.XMLValidator.validate(...args);
      },
    },
  };
});

const fixture = (name: string) => readFileSync(new URL(`./fixtures/${name}`, import.meta.url));
const truncated =
  'truncated: the document ended before its root element closed; complete entries before the cut are kept';

/** Reads a document the way WF4 does: streamed in chunks, locating XML errors. */
async function read(document: string | Buffer, chunkSize = 4096) {
  const bytes = typeof document === 'string' ? Buffer.from(document) : document;
  const chunks = (async function* () {
    for (let at = 0; at < bytes.length; at += chunkSize) yield bytes.subarray(at, at + chunkSize);
  })();
  const reader = new SitemapReader(chunks, { locateXmlErrors: true });
  let entries = 0;
  for await (const batch of reader) entries += batch.length;
  return { ...reader.summary, streamed: entries };
}

const url = (i: number) => `  <url><loc>https://a.example/page-${i}</loc></url>\n`;

describe('the first XML error of a sitemap that failed', () => {
  it('is located by line and column: a urlset closed as a sitemapindex', async () => {
    const doc = await read(fixture('mismatched-close.xml'), 64);
    expect(doc).toMatchObject({ kind: 'urlset', entries: 2, streamed: 2, complete: false });
    expect(doc.error).toBe(
      `${truncated}; first XML error at line 5, column 1: Expected closing tag 'urlset' (opened in line 2, col 1) instead of closing tag 'sitemapindex'.`,
    );
  });

  it('is located in a document with no root element', async () => {
    const doc = await read('<?xml version="1.0"?>\n< urlset>https://a.example/\n');
    expect(doc.kind).toBe('invalid');
    expect(doc.error).toMatch(
      /^no root element: the document is empty or is not XML; first XML error at line 2, column \d+: Invalid space after '<'\.$/,
    );
  });

  it('adds nothing to a document that was only cut off: the elements left open are what "truncated" says', async () => {
    expect((await read(fixture('truncated.xml'))).error).toBe(truncated);
  });

  it('is looked for only in the first window of a long document, which is all the reader keeps', async () => {
    const entries = Math.ceil((2 * xmlErrorWindowBytes) / url(0).length);
    const body = Array.from({ length: entries }, (_, i) => url(i)).join('');
    const early = await read(`<urlset>\n</sitemapindex>\n${body}`, 16 * 1024);
    expect(early.entries).toBe(entries);
    expect(early.error).toMatch(/; first XML error at line 2, column 1: Expected closing tag 'urlset'/);
    // The window ends inside an entry: that cut is not reported as an error of the document.
    const late = await read(`<urlset>\n${body}</sitemapindex>\n`, 16 * 1024);
    expect(late.entries).toBe(entries);
    expect(late.error).toBe(truncated);
  });

  it('is never looked for in a sitemap that did not fail, nor in one that is no sitemap at all', async () => {
    const before = validator.runs;
    for (const name of ['yoast-index.xml', 'hreflang.xml', 'rss.xml', 'atom.xml', 'sitemap.txt', 'soft-404.html']) {
      await read(fixture(name));
    }
    await read('<error><code>404</code></error>');
    expect(validator.runs).toBe(before);
    await read(fixture('mismatched-close.xml'));
    expect(validator.runs).toBe(before + 1);
  });

  it('is not looked for unless asked: parseSitemap and a plain SitemapReader keep the error as it was', async () => {
    expect(parseSitemap(fixture('mismatched-close.xml')).error).toBe(truncated);
    const reader = new SitemapReader(
      (async function* () {
        yield fixture('mismatched-close.xml');
      })(),
    );
    expect((await reader.count()).error).toBe(truncated);
  });
});

describe('locateXmlError', () => {
  it('clips a message that quotes a long name from the document', async () => {
    const where = await locateXmlError(`<urlset><url></${'x'.repeat(5000)}></urlset>`, false);
    expect(where).toMatch(/^line 1, column 14: Expected closing tag 'url' .{100,}…$/);
    expect(where?.length).toBeLessThan(240);
  });

  it('returns null for well-formed XML, and for a prefix cut inside a tag or an entity', async () => {
    expect(await locateXmlError('<urlset><url><loc>https://a.example/</loc></url></urlset>', false)).toBeNull();
    expect(await locateXmlError('<urlset><url><loc>https://a.example/?a=1&amp', true)).toBeNull();
    expect(await locateXmlError('<urlset><url><loc>https://a.example/</loc></url><url a="', true)).toBeNull();
  });
});

import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { SitemapEntry } from '../../src/parse/sitemap-entry.js';
import { parseSitemap } from '../../src/parse/sitemap-reader.js';
import { SitemapStreamParser } from '../../src/parse/sitemap-stream-parser.js';

const fixture = (name: string) => readFileSync(new URL(`./fixtures/${name}`, import.meta.url));
const urls = (entries: SitemapEntry[]) => entries.map((e) => e.url);

describe('urlset', () => {
  it('reads every field of a full entry', () => {
    const doc = parseSitemap(`<?xml version="1.0" encoding="UTF-8"?>
      <urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
        <url>
          <loc>https://jenkinseyecare.com/contact-us</loc>
          <lastmod>2025-11-14T09:03:51+00:00</lastmod>
          <changefreq>monthly</changefreq>
          <priority>0.8</priority>
        </url>
      </urlset>`);
    expect(doc).toMatchObject({ kind: 'urlset', entries: 1, skipped: 0, complete: true, error: null });
    expect(doc.items).toEqual([
      {
        url: 'https://jenkinseyecare.com/contact-us',
        lastmod: new Date('2025-11-14T09:03:51Z'),
        changefreq: 'monthly',
        priority: 0.8,
      },
    ]);
  });

  it('reads a single-child list', () => {
    const doc = parseSitemap(fixture('no-namespace.xml'));
    expect(doc.kind).toBe('urlset');
    expect(urls(doc.items)).toEqual(['https://brightsmile-dental.com/contact']);
  });

  it('reads an urlset without a namespace declaration', () => {
    expect(
      parseSitemap(
        '<urlset><url><loc>https://a.example/</loc></url><url><loc>https://a.example/b</loc></url></urlset>',
      ),
    ).toMatchObject({ kind: 'urlset', entries: 2 });
  });

  it('reads prefixed namespaces and ignores a prefixed hreflang alternate', () => {
    const doc = parseSitemap(fixture('prefixed.xml'));
    expect(doc.kind).toBe('urlset');
    expect(doc.items.map((e) => [e.url, e.priority])).toEqual([
      ['https://brightsmile-dental.com/', 1],
      ['https://brightsmile-dental.com/services/whitening', 0.6],
    ]);
  });

  it('never turns hreflang alternates into page URLs', () => {
    const doc = parseSitemap(fixture('hreflang.xml'));
    expect(urls(doc.items)).toEqual([
      'https://www.oakridge-plumbing.com/english/page.html',
      'https://www.oakridge-plumbing.com/deutsch/page.html',
    ]);
  });

  it('never turns image, video or news extension URLs into page URLs', () => {
    expect(urls(parseSitemap(fixture('shopify-products.xml')).items)).toEqual([
      'https://harborbooks.co.uk/products/the-lighthouse-keeper',
      'https://harborbooks.co.uk/products/tide-tables-2026',
    ]);
    expect(urls(parseSitemap(fixture('news-video.xml')).items)).toEqual([
      'https://sunset-yoga.com/news/studio-opening',
      'https://sunset-yoga.com/videos/morning-flow',
    ]);
  });

  it('ignores an extension element with an undeclared prefix, even one placed directly in <url>', () => {
    const doc = parseSitemap(`<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"><url>
      <image:loc>https://cdn.example/picture.jpg</image:loc><loc>https://a.example/page</loc></url></urlset>`);
    expect(urls(doc.items)).toEqual(['https://a.example/page']);
  });

  it('decodes entities and numeric references, reads CDATA, skips comments, trims whitespace', () => {
    const doc = parseSitemap(fixture('entities-cdata.xml'));
    expect(urls(doc.items)).toEqual([
      'https://harborbooks.co.uk/search?author=Bront%C3%AB&sort=title',
      'https://harborbooks.co.uk/list?a=1&b=2',
      'https://harborbooks.co.uk/caf%C3%A9?x=%22y%22&z=%27w%27%3C%3E',
      'https://harborbooks.co.uk/kept',
      'https://harborbooks.co.uk/last',
    ]);
    // Empty, blank, relative and non-http locs are skipped and counted; the rest are kept.
    expect(doc).toMatchObject({ entries: 5, skipped: 4, complete: true, error: null });
  });

  it('decodes entities around a CDATA section but not inside it', () => {
    const doc = parseSitemap(
      '<urlset><url><loc>https://a.example/?a=1&amp;<![CDATA[b=&amp;]]>&amp;c=3</loc></url></urlset>',
    );
    expect(urls(doc.items)).toEqual(['https://a.example/?a=1&b=&amp;&c=3']);
  });

  it('keeps the first <loc> of an entry that has two', () => {
    const doc = parseSitemap(
      '<urlset><url><loc>https://a.example/1</loc><loc>https://a.example/2</loc></url></urlset>',
    );
    expect(urls(doc.items)).toEqual(['https://a.example/1']);
  });

  it('validates lastmod, changefreq and priority per entry without failing the document', () => {
    const doc = parseSitemap(`<urlset>
      <url><loc>https://a.example/1</loc><lastmod>2025-02-30</lastmod><changefreq>sometimes</changefreq><priority>high</priority></url>
      <url><loc>https://a.example/2</loc><lastmod>2025-02</lastmod><changefreq>Daily</changefreq><priority>1.5</priority></url>
      <url><loc>https://a.example/3</loc><lastmod>2025-02-03T04:05:06.7-01:00</lastmod><priority>.3</priority></url>
    </urlset>`);
    expect(doc.items.map((e) => [e.lastmod?.toISOString() ?? null, e.changefreq, e.priority])).toEqual([
      [null, null, null],
      ['2025-02-01T00:00:00.000Z', 'daily', null],
      ['2025-02-03T05:05:06.700Z', null, 0.3],
    ]);
  });

  it('reads a document in a declared legacy encoding', () => {
    expect(urls(parseSitemap(fixture('latin1.xml')).items)).toEqual(['https://harborbooks.co.uk/caf%C3%A9']);
  });

  it('reads a UTF-16 document with its BOM', () => {
    const text = '<?xml version="1.0" encoding="UTF-16"?><urlset><url><loc>https://a.example/ü</loc></url></urlset>';
    const le = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text, 'utf16le')]);
    expect(urls(parseSitemap(le).items)).toEqual(['https://a.example/%C3%BC']);
  });

  it('reads a UTF-8 BOM, leading whitespace and a stylesheet processing instruction', () => {
    const doc = parseSitemap(
      `\uFEFF\n\n  <?xml version="1.0"?><?xml-stylesheet type="text/xsl" href="/s.xsl"?><urlset><url><loc>https://a.example/</loc></url></urlset>`,
    );
    expect(doc).toMatchObject({ kind: 'urlset', entries: 1 });
  });
});

describe('sitemap index', () => {
  it('lists child sitemaps with their lastmod', () => {
    const doc = parseSitemap(fixture('yoast-index.xml'));
    expect(doc).toMatchObject({ kind: 'index', entries: 3, complete: true, error: null });
    expect(doc.items[1]).toEqual({
      url: 'https://jenkinseyecare.com/page-sitemap.xml',
      lastmod: new Date('2025-11-14T09:03:51Z'),
      changefreq: null,
      priority: null,
    });
  });

  it('reads a prefixed index and skips a relative child', () => {
    const doc = parseSitemap(`<s:sitemapindex xmlns:s="http://www.sitemaps.org/schemas/sitemap/0.9">
      <s:sitemap><s:loc>sitemap-2.xml</s:loc></s:sitemap>
      <s:sitemap><s:loc>https://a.example/sitemap-1.xml</s:loc></s:sitemap></s:sitemapindex>`);
    expect(doc).toMatchObject({ kind: 'index', entries: 1, skipped: 1 });
    expect(urls(doc.items)).toEqual(['https://a.example/sitemap-1.xml']);
  });
});

describe('plain text', () => {
  it('reads one URL per line: BOM, CRLF, surrounding spaces; skips relative lines and prose', () => {
    const doc = parseSitemap(fixture('sitemap.txt'));
    expect(doc).toMatchObject({ kind: 'text', entries: 4, skipped: 2, error: null });
    expect(urls(doc.items)).toEqual([
      'https://harborbooks.co.uk/',
      'https://harborbooks.co.uk/about',
      'https://harborbooks.co.uk/contact',
      'https://harborbooks.co.uk/events',
    ]);
  });

  it('is invalid when the first line is not a URL', () => {
    expect(parseSitemap('Not Found\nhttps://a.example/')).toMatchObject({
      kind: 'invalid',
      entries: 0,
      error: expect.stringContaining('neither XML nor a URL'),
    });
    expect(parseSitemap('{"error": "not found"}')).toMatchObject({ kind: 'invalid' });
  });
});

describe('feeds', () => {
  it('reads RSS 2.0 items: <link>, else a permalink <guid>; pubDate as lastmod; ignores HTML in content', () => {
    const doc = parseSitemap(fixture('rss.xml'));
    expect(doc).toMatchObject({ kind: 'rss', entries: 2, skipped: 1 });
    expect(doc.items.map((e) => [e.url, e.lastmod?.toISOString()])).toEqual([
      ['https://jenkinseyecare.com/blog/dry-eye-in-winter', '2025-11-04T15:30:00.000Z'],
      ['https://jenkinseyecare.com/blog/kids-eye-exams', '2025-10-13T09:00:00.000Z'],
    ]);
  });

  it('reads RSS 1.0 (RDF) items', () => {
    const doc =
      parseSitemap(`<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns="http://purl.org/rss/1.0/" xmlns:dc="http://purl.org/dc/elements/1.1/">
      <channel rdf:about="https://a.example/"><link>https://a.example/</link></channel>
      <item rdf:about="https://a.example/p1"><link>https://a.example/p1</link><dc:date>2025-01-02</dc:date></item>
    </rdf:RDF>`);
    expect(doc).toMatchObject({ kind: 'rss', entries: 1 });
    expect(doc.items[0]).toMatchObject({ url: 'https://a.example/p1', lastmod: new Date('2025-01-02T00:00:00Z') });
  });

  it('reads Atom entries: the alternate link, updated over published; not the feed’s own links', () => {
    const doc = parseSitemap(fixture('atom.xml'));
    expect(doc).toMatchObject({ kind: 'atom', entries: 2, skipped: 0 });
    expect(doc.items.map((e) => [e.url, e.lastmod?.toISOString()])).toEqual([
      ['https://sunset-yoga.com/blog/winter-schedule', '2025-11-02T18:30:02.000Z'],
      ['https://sunset-yoga.com/blog/teacher-training', '2025-09-01T00:00:00.000Z'],
    ]);
  });
});

describe('Atom 0.3 feeds', () => {
  it('date entries with <modified> over <issued>, whichever comes first, and with <issued> alone', () => {
    const doc = parseSitemap(`<?xml version="1.0" encoding="utf-8"?>
    <feed version="0.3" xmlns="http://purl.org/atom/ns#">
      <title>Old blog</title><link rel="alternate" type="text/html" href="https://old.example/"/>
      <modified>2004-01-01T00:00:00Z</modified>
      <entry><link rel="alternate" type="text/html" href="https://old.example/a"/>
        <issued>2003-12-13T08:29:29-04:00</issued><modified>2003-12-14T18:30:02Z</modified></entry>
      <entry><link rel="alternate" type="text/html" href="https://old.example/b"/>
        <modified>2003-11-02T10:00:00Z</modified><issued>2003-11-01T10:00:00Z</issued><created>2003-10-01T10:00:00Z</created></entry>
      <entry><link rel="alternate" type="text/html" href="https://old.example/c"/><issued>2003-09-01</issued></entry>
    </feed>`);
    expect(doc).toMatchObject({ kind: 'atom', entries: 3, skipped: 0 });
    expect(doc.items.map((e) => [e.url, e.lastmod?.toISOString()])).toEqual([
      ['https://old.example/a', '2003-12-14T18:30:02.000Z'],
      ['https://old.example/b', '2003-11-02T10:00:00.000Z'],
      ['https://old.example/c', '2003-09-01T00:00:00.000Z'],
    ]);
  });
});

describe('hostile and broken documents', () => {
  it('keeps every complete entry of a truncated document and says it was cut', () => {
    const doc = parseSitemap(fixture('truncated.xml'));
    expect(doc.kind).toBe('urlset');
    expect(urls(doc.items)).toEqual(['https://oakridge-plumbing.com/a', 'https://oakridge-plumbing.com/b']);
    expect(doc.complete).toBe(false);
    expect(doc.error).toMatch(/truncated/);
  });

  it('keeps complete entries when cut inside a tag or an entity', () => {
    const full =
      '<urlset><url><loc>https://a.example/1</loc></url><url><loc>https://a.example/2&amp;x</loc></url></urlset>';
    for (let cut = 0; cut < full.length; cut++) {
      const doc = parseSitemap(full.slice(0, cut));
      const expected = cut >= full.indexOf('</url>') + 6 ? 1 : 0;
      expect(doc.entries, `cut at ${cut}`).toBeGreaterThanOrEqual(expected);
      expect(doc.entries, `cut at ${cut}`).toBeLessThanOrEqual(cut >= full.lastIndexOf('</url>') + 6 ? 2 : 1);
    }
  });

  it('never expands DOCTYPE entities (billion laughs)', () => {
    const started = performance.now();
    const doc = parseSitemap(fixture('billion-laughs.xml'));
    expect(performance.now() - started).toBeLessThan(1000);
    expect(doc.kind).toBe('urlset');
    expect(urls(doc.items)).toEqual(['https://example.org/&lol9;', 'https://example.org/safe']);
    expect(doc.skipped).toBe(1);
  });

  it('never resolves external entities (XXE)', () => {
    const doc = parseSitemap(fixture('xxe.xml'));
    expect(JSON.stringify(doc.items)).not.toContain('root:');
    expect(urls(doc.items)).toEqual(['https://example.org/page?x=&remote;']);
  });

  it('marks an HTML page served as a sitemap (soft 404) invalid, with none of its links', () => {
    const doc = parseSitemap(fixture('soft-404.html'));
    expect(doc).toMatchObject({ kind: 'invalid', entries: 0, error: expect.stringContaining('HTML page') });
    expect(parseSitemap('<html><body>Not found</body></html>').kind).toBe('invalid');
    expect(parseSitemap('<!doctype html><urlset><url><loc>https://a.example/</loc></url></urlset>').kind).toBe(
      'invalid',
    );
  });

  it.each([
    ['an empty body', ''],
    ['only whitespace', '  \n\t '],
    ['an unknown root element', '<error><code>404</code></error>'],
    ['only an XML declaration', '<?xml version="1.0"?>'],
    ['gzip bytes that were not decompressed', Buffer.from([0x1f, 0x8b, 0x08, 0x00, 0x00])],
  ])('marks %s invalid', (_why, body) => {
    const doc = parseSitemap(body);
    expect(doc.kind).toBe('invalid');
    expect(doc.entries).toBe(0);
    expect(doc.error).toBeTruthy();
  });

  it('gives up on absurdly deep nesting instead of growing without end', () => {
    const doc = parseSitemap(`<urlset>${'<a>'.repeat(5000)}`);
    expect(doc).toMatchObject({
      kind: 'invalid',
      entries: 0,
      error: expect.stringContaining('nested more than 1000 deep'),
    });
  });

  it('rejects an overlong <loc> without holding all of it', () => {
    const doc = parseSitemap(`<urlset><url><loc>https://a.example/${'x'.repeat(100_000)}</loc></url></urlset>`);
    expect(doc).toMatchObject({ entries: 0, skipped: 1, complete: true });
  });
});

describe('streaming', () => {
  const documents = [
    'yoast-index.xml',
    'shopify-products.xml',
    'hreflang.xml',
    'news-video.xml',
    'prefixed.xml',
    'entities-cdata.xml',
    'rss.xml',
    'atom.xml',
    'truncated.xml',
    'sitemap.txt',
    'latin1.xml',
    'soft-404.html',
  ];

  function parseInChunks(bytes: Buffer, cuts: number[]) {
    const parser = new SitemapStreamParser();
    const entries: SitemapEntry[] = [];
    let at = 0;
    for (const cut of [...new Set(cuts)].sort((a, b) => a - b)) {
      parser.write(bytes.subarray(at, cut));
      entries.push(...parser.takeEntries());
      at = cut;
    }
    parser.write(bytes.subarray(at));
    const summary = parser.end();
    entries.push(...parser.takeEntries());
    return { ...summary, items: entries };
  }

  it.each(documents)('gives the same result for %s whatever the chunk boundaries', (name) => {
    const bytes = fixture(name);
    const whole = parseSitemap(bytes);
    const byteByByte = parseInChunks(
      bytes,
      Array.from({ length: bytes.length }, (_, i) => i),
    );
    expect(byteByByte).toEqual(whole);
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: bytes.length }), { maxLength: 12 }), (cuts) => {
        expect(parseInChunks(bytes, cuts)).toEqual(whole);
      }),
      { numRuns: 50 },
    );
  });

  it('decodes UTF-8 split anywhere, in ASCII chunks and others alike', () => {
    // Chunks of pure ASCII skip the decoder. What must come out as from one piece: characters cut
    // by a chunk boundary; a U+FEFF after the first chunk (text there, not a BOM to drop, even as
    // the first byte the decoder sees); a byte that is not UTF-8 (U+FFFD in its place, not later).
    const ascii = Array.from({ length: 40 }, (_, i) => `<url><loc>https://a.example/${i}</loc></url>`).join('');
    const odd = '<url><loc>https://a.example/\uFEFF-caf\u00e9-\u20ac-\u{1F600}</loc></url>';
    const bytes = Buffer.concat([
      Buffer.from(`\uFEFF<urlset>${ascii}${odd}<url><loc>https://a.example/x`, 'utf8'),
      Buffer.from([0xc3]),
      Buffer.from(`y</loc></url>${ascii}</urlset>`, 'utf8'),
    ]);
    const whole = parseSitemap(bytes);
    expect(urls(whole.items).slice(40, 42)).toEqual([
      'https://a.example/%EF%BB%BF-caf%C3%A9-%E2%82%AC-%F0%9F%98%80',
      'https://a.example/x%EF%BF%BDy',
    ]);
    expect(
      parseInChunks(
        bytes,
        Array.from({ length: bytes.length }, (_, i) => i),
      ),
    ).toEqual(whole);
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: bytes.length }), { maxLength: 12 }), (cuts) => {
        expect(parseInChunks(bytes, cuts)).toEqual(whole);
      }),
      { numRuns: 200 },
    );
  });

  it('stops at maxEntries and reports itself done, without an error', () => {
    const parser = new SitemapStreamParser({ maxEntries: 2 });
    const entry = (i: number) => `<url><loc>https://a.example/${i}</loc><lastmod>2025-01-01</lastmod></url>\n`;
    parser.write(Buffer.from(`<urlset>${Array.from({ length: 30 }, (_, i) => entry(i)).join('')}`));
    expect(parser.done).toBe(true);
    parser.write(Buffer.from(`${entry(31)}</urlset>`));
    expect(parser.takeEntries()).toHaveLength(2);
    expect(parser.end()).toMatchObject({ kind: 'urlset', entries: 2, error: null });
  });
});

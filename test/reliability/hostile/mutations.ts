import fc from 'fast-check';

/*
 * Hostile inputs for the parsers: arbitrary bytes and text, and realistic documents mutated
 * the way the network and careless generators mutate them — cut short, bytes flipped, nasty
 * tokens inserted, slices repeated or dropped, two documents spliced.
 */

/** Tokens that have broken parsers somewhere, for every kind of document. */
export const commonTokens = [
  '\u0000',
  '\uFEFF',
  '\uFFFE',
  '\uD800',
  '\uDFFF',
  '\r',
  '\r\n',
  '\t',
  '\u2028',
  '%00',
  '%',
  '\\',
  '"',
  "'",
  '`',
  '${',
  '{{',
  '}}',
  'http://[::1',
  'http://%zz/',
  'javascript:alert(1)',
  'file:///etc/passwd',
  'http://127.0.0.1:1/',
  '//evil.example/x',
  '\u202Egnp.exe',
  'Ａ＠ｂ．ｃｏｍ',
  'xn--',
  '😀',
  '\u0301\u0301\u0301',
];

export const xmlTokens = [
  '<!DOCTYPE x [<!ENTITY a "&b;&b;&b;&b;&b;&b;&b;&b;"><!ENTITY b "&c;&c;&c;&c;&c;&c;&c;&c;"><!ENTITY c "lol">]>',
  '<!DOCTYPE x [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>',
  '<!DOCTYPE x [<!ENTITY % p SYSTEM "http://127.0.0.1:1/evil.dtd"> %p;]>',
  '&xxe;',
  '&a;',
  '&#0;',
  '&#x10FFFF;',
  '&#xD800;',
  '&#99999999999999999999;',
  '&#x;',
  '&amp;amp;',
  '&',
  '<![CDATA[',
  ']]>',
  '<!--',
  '-->',
  '<?xml version="1.0" encoding="UTF-16"?>',
  '<?xml version="1.0" encoding="x-no-such-charset"?>',
  '<?xml-stylesheet href="x.xsl"?>',
  '<loc>',
  '</loc>',
  '<url>',
  '</url>',
  '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">',
  '</urlset>',
  '<sitemapindex>',
  '<sitemap><loc>https://a.example/child.xml</loc></sitemap>',
  '<url><loc>https://a.example/p?a=1&amp;b=2</loc><lastmod>2025-13-45T99:99</lastmod><priority>NaN</priority></url>',
  '<a:loc xmlns:a="http://www.sitemaps.org/schemas/sitemap/0.9">',
  '<rss><channel><item><link>',
  '<feed xmlns="http://www.w3.org/2005/Atom"><entry><link href="',
  '<html><body>',
  '<',
  '>',
  '/>',
  '="',
  '\u001F\u008B\u0008',
];

export const robotsTokens = [
  'Sitemap:',
  'sitemap :',
  'SITEMAP:\t',
  'Sitemap: /relative.xml',
  'Sitemap: //other.example/s.xml',
  'Sitemap: http://',
  'Sitemap: ftp://a.example/s.xml',
  'User-agent: *',
  'User-agent: pipectl',
  'Disallow: /',
  'Disallow: /*$*$*$*$*$*$*$*$',
  `Allow: /${'*'.repeat(500)}x`,
  'Crawl-delay: 1e309',
  'Crawl-delay: -1',
  '#',
  ':',
];

export const htmlTokens = [
  'mailto:',
  '<a href="mailto:',
  '@',
  '[at]',
  ' (at) ',
  ' [dot] ',
  '&#64;',
  '&commat;',
  '&#x40;',
  'data-cfemail="',
  'data-cfemail="42zz"',
  'tel:+',
  '<a href="tel:',
  '+1 (555) 010-',
  '+44 20 7946 0',
  'logo@2x.png',
  'v1.2.3',
  '2025-11-14',
  '<script>',
  '</script>',
  '<style>',
  '<!--',
  '<meta charset="utf-16">',
  '<meta http-equiv="content-type" content="text/html; charset=x-mac-nothing">',
  '<noscript>',
  '<textarea>',
  '<template>',
  '<svg><![CDATA[',
];

export const yamlTokens = [
  '&a ',
  '*a',
  '<<: *a',
  '!!js/function "function(){}"',
  '!!python/object/apply:os.system ["id"]',
  '!!binary',
  '!custom',
  '? ',
  '---\n',
  '...\n',
  '%YAML 1.1\n',
  '%TAG ! tag:x,2000:\n',
  '{',
  '}',
  '[',
  ']',
  '- ',
  ': ',
  '|',
  '>-',
  '"\\u0000"',
  ':param',
  ':older_than',
  'sql: |\n      select 1',
  'severity: fail',
  'warn: "> 1"',
  'fail: "between 5 and"',
  'params:\n      x: { type: interval, default: 1 minute }',
  'timeout: 99999999999999999999s',
  '  ',
  '\t',
  'a: &a [x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]\nc: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]\nd: [*c, *c, *c, *c, *c, *c, *c, *c, *c]\n',
];

/** Largest input the mutations build by default (bytes): big enough for quadratic behaviour to show. */
export const defaultMaxBytes = 1024 * 1024;

type Mutation =
  | { op: 'truncate'; at: number }
  | { op: 'flip'; at: number[]; mask: number }
  | { op: 'insert'; at: number; token: string; times: number }
  | { op: 'repeat'; from: number; to: number; times: number }
  | { op: 'delete'; from: number; to: number }
  | { op: 'splice'; at: number; other: number };

/** A position in [0, length] from a fraction, so that mutations fit any document. */
const pos = (fraction: number, length: number) => Math.floor(fraction * (length + 1));

function apply(doc: Buffer, m: Mutation, seeds: readonly Buffer[], maxBytes: number): Buffer {
  const n = doc.length;
  switch (m.op) {
    case 'truncate':
      return doc.subarray(0, pos(m.at, n));
    case 'flip': {
      const out = Buffer.from(doc);
      for (const f of m.at) {
        const i = Math.min(pos(f, n), n - 1);
        if (i >= 0) out[i] = (out[i] ?? 0) ^ m.mask;
      }
      return out;
    }
    case 'insert': {
      const at = pos(m.at, n);
      const token = Buffer.from(m.token.repeat(m.times));
      return Buffer.concat([doc.subarray(0, at), token, doc.subarray(at)]);
    }
    case 'repeat': {
      const [a, b] = [pos(m.from, n), pos(m.to, n)].sort((x, y) => x - y) as [number, number];
      const slice = doc.subarray(a, b);
      const times = Math.min(m.times, Math.floor(maxBytes / Math.max(1, slice.length)));
      return Buffer.concat([doc.subarray(0, b), ...Array<Buffer>(times).fill(slice), doc.subarray(b)]);
    }
    case 'delete': {
      const [a, b] = [pos(m.from, n), pos(m.to, n)].sort((x, y) => x - y) as [number, number];
      return Buffer.concat([doc.subarray(0, a), doc.subarray(b)]);
    }
    case 'splice': {
      const other = seeds[m.other % seeds.length] ?? Buffer.alloc(0);
      const at = pos(m.at, n);
      return Buffer.concat([doc.subarray(0, at), other.subarray(pos(1 - m.at, other.length))]);
    }
  }
}

/**
 * Hostile documents of at most `maxBytes`: seeds mutated 1–4 times, raw random bytes, and random
 * text (full Unicode), with token runs long enough to expose quadratic parsing.
 */
export function hostileDocuments(
  seeds: readonly Buffer[],
  tokens: readonly string[],
  maxBytes = defaultMaxBytes,
): fc.Arbitrary<Buffer> {
  const fraction = fc.double({ min: 0, max: 1, noNaN: true });
  const allTokens = [...tokens, ...commonTokens];
  const mutation: fc.Arbitrary<Mutation> = fc.oneof(
    fc.record({ op: fc.constant('truncate' as const), at: fraction }),
    fc.record({
      op: fc.constant('flip' as const),
      at: fc.array(fraction, { minLength: 1, maxLength: 8 }),
      mask: fc.integer({ min: 1, max: 255 }),
    }),
    fc.record({
      op: fc.constant('insert' as const),
      at: fraction,
      token: fc.constantFrom(...allTokens),
      times: fc.oneof(fc.constant(1), fc.integer({ min: 1, max: 20 }), fc.constantFrom(1000, 20_000)),
    }),
    fc.record({
      op: fc.constant('repeat' as const),
      from: fraction,
      to: fraction,
      times: fc.oneof(fc.integer({ min: 2, max: 10 }), fc.constantFrom(1000, 100_000)),
    }),
    fc.record({ op: fc.constant('delete' as const), from: fraction, to: fraction }),
    fc.record({ op: fc.constant('splice' as const), at: fraction, other: fc.nat() }),
  );
  const mutated = fc
    .record({
      seed: fc.integer({ min: 0, max: seeds.length - 1 }),
      mutations: fc.array(mutation, { minLength: 1, maxLength: 4 }),
    })
    .map(({ seed, mutations }) =>
      mutations.reduce((doc, m) => apply(doc, m, seeds, maxBytes).subarray(0, maxBytes), seeds[seed] as Buffer),
    );
  return fc.oneof(
    { weight: 6, arbitrary: mutated },
    { weight: 1, arbitrary: fc.uint8Array({ maxLength: 4096 }).map((b) => Buffer.from(b)) },
    {
      weight: 1,
      arbitrary: fc.string({ unit: 'binary', maxLength: 2000 }).map((s) => Buffer.from(s)),
    },
    {
      weight: 1,
      arbitrary: fc
        .array(fc.oneof(fc.constantFrom(...allTokens), fc.string({ maxLength: 8 })), { maxLength: 200 })
        .map((parts) => Buffer.from(parts.join(''))),
    },
  );
}

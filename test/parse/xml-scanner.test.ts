import fc from 'fast-check';
import { type QuoteType, Tokenizer } from 'htmlparser2';
import { describe, expect, it } from 'vitest';
import { maxCarry, type XmlScanHandler, XmlScanner } from '../../src/parse/xml-scanner.js';

/** A token as a plain value; consecutive text pieces are merged, and so are CDATA pieces (empty ones dropped). */
type Token =
  | ['text', string]
  | ['cdata', string]
  | ['open', string, [string, string | null][], boolean]
  | ['close', string]
  | ['declaration', string];

function push(tokens: Token[], token: Token): void {
  if ((token[0] === 'text' || token[0] === 'cdata') && token[1] === '') return;
  const last = tokens[tokens.length - 1];
  if (last !== undefined && (token[0] === 'text' || token[0] === 'cdata') && last[0] === token[0]) {
    last[1] += token[1];
  } else tokens.push(token);
}

/** The scanner's tokens for a document written in the given pieces. */
function scan(pieces: string[], options: { attributes?: boolean } = {}): Token[] {
  const tokens: Token[] = [];
  let open: Token & { 0: 'open' } = ['open', '', [], false];
  const handler: XmlScanHandler = {
    ontext: (t, s, e) => push(tokens, ['text', t.slice(s, e)]),
    oncdata: (t, s, e) => push(tokens, ['cdata', t.slice(s, e)]),
    onopentag: (t, s, e) => {
      open = ['open', t.slice(s, e), [], false];
      return options.attributes ?? true;
    },
    onattribute: (t, ns, ne, vs, ve) => open[2].push([t.slice(ns, ne), vs < 0 ? null : t.slice(vs, ve)]),
    onopentagend: (selfClosing) => {
      open[3] = selfClosing;
      tokens.push(open);
    },
    onclosetag: (t, s, e) => tokens.push(['close', t.slice(s, e)]),
    ondeclaration: (t, s, e) => tokens.push(['declaration', t.slice(s, e)]),
  };
  const scanner = new XmlScanner(handler);
  for (const piece of pieces) scanner.write(piece);
  scanner.end();
  return tokens;
}

/** htmlparser2's tokenizer in XML mode, without entity decoding: the reference. */
function reference(document: string): Token[] {
  const tokens: Token[] = [];
  let open: Token & { 0: 'open' } = ['open', '', [], false];
  let attribute: [string, string | null] = ['', null];
  const at = (s: number, e: number) => document.slice(s, e);
  const tokenizer = new Tokenizer(
    { xmlMode: true, decodeEntities: false },
    {
      ontext: (s, e) => push(tokens, ['text', at(s, e)]),
      ontextentity: () => {},
      oncdata: (s, e, offset) => push(tokens, ['cdata', at(s, e - offset)]),
      onopentagname: (s, e) => {
        open = ['open', at(s, e), [], false];
      },
      onattribname: (s, e) => {
        attribute = [at(s, e), null];
      },
      onattribdata: (s, e) => {
        attribute[1] = (attribute[1] ?? '') + at(s, e);
      },
      onattribentity: () => {},
      onattribend: (quote: QuoteType) => {
        // QuoteType.NoValue is 0.
        open[2].push([attribute[0], quote === 0 ? null : (attribute[1] ?? '')]);
      },
      onopentagend: () => tokens.push(open),
      onselfclosingtag: () => {
        open[3] = true;
        tokens.push(open);
      },
      onclosetag: (s, e) => tokens.push(['close', at(s, e)]),
      ondeclaration: (s, e) => tokens.push(['declaration', at(s, e)]),
      onprocessinginstruction: () => {},
      oncomment: () => {},
      onend: () => {},
    },
  );
  tokenizer.write(document);
  tokenizer.end();
  return tokens;
}

/** Splits a document at the given offsets. */
function cut(document: string, offsets: number[]): string[] {
  const pieces: string[] = [];
  let from = 0;
  for (const offset of [...new Set(offsets)].sort((a, b) => a - b)) {
    pieces.push(document.slice(from, offset));
    from = offset;
  }
  pieces.push(document.slice(from));
  return pieces;
}

describe('XmlScanner', () => {
  it('reports text, tags with their attributes, CDATA and declarations; skips comments and PIs', () => {
    expect(
      scan([
        '<?xml version="1.0"?><!DOCTYPE urlset><urlset a="1" b=\'2\' c=3 d><!-- <url> --><url><loc>x&amp;y</loc>',
        '<x:link href = "h" />\n<![CDATA[<b>]]></url></urlset>',
      ]),
    ).toEqual([
      ['declaration', 'DOCTYPE urlset'],
      [
        'open',
        'urlset',
        [
          ['a', '1'],
          ['b', '2'],
          ['c', '3'],
          ['d', null],
        ],
        false,
      ],
      ['open', 'url', [], false],
      ['open', 'loc', [], false],
      ['text', 'x&amp;y'],
      ['close', 'loc'],
      ['open', 'x:link', [['href', 'h']], true],
      ['text', '\n'],
      ['cdata', '<b>'],
      ['close', 'url'],
      ['close', 'urlset'],
    ]);
  });

  it('reads a `<` that cannot start a tag as text', () => {
    expect(scan(['<a>1 < 2 <> 3</a>'])).toEqual([
      ['open', 'a', [], false],
      ['text', '1 < 2 <> 3'],
      ['close', 'a'],
    ]);
  });

  it('leaves attributes out when the handler does not want them', () => {
    expect(scan(['<a href="x">'], { attributes: false })).toEqual([['open', 'a', [], false]]);
  });

  it('gives the same tokens whatever the chunk boundaries', () => {
    const document =
      '<?xml version="1.0"?>\n<!DOCTYPE x [<!ENTITY e "v">]><r xmlns="u"><!-- a -- b --->' +
      '<e a="1>2" b=\'"\'/><![CDATA[x]]]]><![CDATA[>]]>t&amp;<x:y/></r >';
    const whole = scan([document]);
    for (let i = 0; i <= document.length; i++) expect(scan(cut(document, [i])), `cut at ${i}`).toEqual(whole);
    expect(scan([...document])).toEqual(whole);
  });

  it('reads markup as htmlparser2 does, in one piece or in many', () => {
    const name = fc.constantFrom('url', 'loc', 'x:link', 'a', 'rss', 'dc:date');
    const space = fc.constantFrom('', ' ', '\n', '\t', '  ');
    const value = fc.stringMatching(/^[a-z0-9 <>/&;=:'.-]{0,8}$/);
    const attribute = fc.oneof(
      fc
        .tuple(fc.constantFrom('href', 'rel', 'xmlns', 'xmlns:x'), space, space, value)
        .map(([n, s1, s2, v]) => `${n}${s1}=${s2}"${v.replaceAll('"', '')}"`),
      fc.tuple(fc.constantFrom('a', 'b'), value).map(([n, v]) => `${n}='${v.replaceAll("'", '')}'`),
      fc.tuple(fc.constantFrom('c', 'd'), fc.stringMatching(/^[a-z0-9/]{1,5}$/)).map(([n, v]) => `${n}=${v}`),
      fc.constantFrom('e', 'f'),
    );
    const piece = fc.oneof(
      { weight: 4, arbitrary: fc.stringMatching(/^[a-z0-9 \n&;.:/]{1,12}$/) },
      {
        weight: 4,
        arbitrary: fc
          .tuple(
            name,
            fc.array(fc.tuple(fc.constantFrom(' ', '\n', '  '), attribute), { maxLength: 3 }),
            space,
            fc.boolean(),
          )
          .map(
            ([n, attrs, s, selfClosing]) =>
              `<${n}${attrs.map(([sp, a]) => sp + a).join('')}${s}${selfClosing ? '/>' : '>'}`,
          ),
      },
      { weight: 4, arbitrary: fc.tuple(name, space).map(([n, s]) => `</${n}${s}>`) },
      { weight: 1, arbitrary: fc.stringMatching(/^[a-z <>\]-]{0,10}$/).map((c) => `<!--${c.replaceAll('--', '')}-->`) },
      { weight: 1, arbitrary: fc.stringMatching(/^[a-z <>&-]{0,10}$/).map((c) => `<![CDATA[${c}]]>`) },
      {
        weight: 1,
        arbitrary: fc.constantFrom(
          '<?xml version="1.0"?>',
          '<!DOCTYPE urlset>',
          '<!doctype html>',
          '< a',
          '</>',
          '</ >',
          '<//a>',
          '<!>',
          '<!->',
          '<![CDA>',
          '<!-->',
          '<!--->',
          '<a =x>',
          '<a/ b>',
          '<a<b>',
          '<?>',
          '>',
          '<',
        ),
      },
    );
    fc.assert(
      fc.property(fc.array(piece, { maxLength: 30 }), fc.array(fc.nat(), { maxLength: 6 }), (pieces, cuts) => {
        // Whatever construct the pieces leave open is closed, and the document ends on a tag: at
        // the end of input htmlparser2 turns an unfinished construct into text, the scanner drops it.
        const document = `${pieces.join('')}-->]]>"'>'">"<z/>`;
        const expected = reference(document);
        expect(scan([document]), document).toEqual(expected);
        expect(
          scan(
            cut(
              document,
              cuts.map((c) => c % (document.length + 1)),
            ),
          ),
        ).toEqual(expected);
      }),
      { numRuns: 3000 },
    );
  });

  it('streams an overlong comment, CDATA section, declaration or tag with bounded carry', () => {
    const long = 'x'.repeat(3 * maxCarry);
    const document = `<r><!--${long}--><![CDATA[${long}]]><!DOCTYPE ${long}><a b="${long}" c="1"/><b>t</b></r>`;
    const pieces = Array.from({ length: Math.ceil(document.length / 1000) }, (_, i) =>
      document.slice(i * 1000, (i + 1) * 1000),
    );
    // Long values summarised, so that a failure stays readable.
    const brief = (tokens: Token[]) =>
      tokens.map((t) => (t[0] === 'cdata' || t[0] === 'declaration' ? [t[0], t[1].slice(0, 10), t[1].length] : t));
    const tokens = scan(pieces);
    const declaration = tokens.find((t) => t[0] === 'declaration')?.[1] ?? '';
    expect(declaration.length).toBeGreaterThan(maxCarry - 1000);
    expect(declaration.length).toBeLessThan(maxCarry + 1000);
    expect(brief(tokens)).toEqual([
      ['open', 'r', [], false],
      ['cdata', 'xxxxxxxxxx', long.length],
      // Only its beginning: enough to tell an HTML DOCTYPE.
      ['declaration', 'DOCTYPE xx', expect.any(Number)],
      // Too long to hold: read by its name alone.
      ['open', 'a', [], true],
      ['open', 'b', [], false],
      ['text', 't'],
      ['close', 'b'],
      ['close', 'r'],
    ]);
  });

  it('drops a construct the document ends in', () => {
    expect(scan(['<a>text<b c="'])).toEqual([
      ['open', 'a', [], false],
      ['text', 'text'],
    ]);
  });
});

/** What an `XmlScanner` reports. Ranges are indexes into `text`, the scanner's current buffer. */
export interface XmlScanHandler {
  /** Character data between markup. One run of text may arrive in several pieces. */
  ontext(text: string, start: number, end: number): void;
  /** The content of a CDATA section, literal. A long section may arrive in several pieces. */
  oncdata(text: string, start: number, end: number): void;
  /** A start tag's name. Return true to have its attributes reported before `onopentagend`. */
  onopentag(text: string, start: number, end: number): boolean;
  /** One attribute of the start tag just reported; the value range is -1, -1 when it has no value. */
  onattribute(text: string, nameStart: number, nameEnd: number, valueStart: number, valueEnd: number): void;
  /** The end of the start tag just reported: `<a>` or `<a/>`. */
  onopentagend(selfClosing: boolean): void;
  onclosetag(text: string, start: number, end: number): void;
  /** A `<!…>` declaration other than a comment or CDATA (a DOCTYPE); possibly only its beginning. */
  ondeclaration(text: string, start: number, end: number): void;
}

/**
 * The longest start tag, close tag or declaration held across a chunk boundary to be read whole.
 * Real sitemaps stay far below it (an `<urlset>` with ten namespace declarations is under 1 KiB;
 * an `xhtml:link` with a 2,048-character href about 2.1 KiB). A longer one is read as it streams
 * instead: its name if that fits, no attributes, then skipped to its end.
 */
export const maxCarry = 16 * 1024;

// Modes for a construct that continues past the end of a chunk.
const inText = 0;
const inComment = 1;
const inCdata = 2;
/** Inside an overlong declaration or processing instruction: skip to `>`. */
const inSkipToGt = 3;
/** Inside an overlong start tag: skip to its `>` outside quotes. */
const inTagRest = 4;
/** Inside an overlong close tag: skip to `>`. */
const inCloseRest = 5;

const GT = 0x3e;
const SLASH = 0x2f;
const BANG = 0x21;
const QUESTION = 0x3f;
const EQ = 0x3d;
const DQ = 0x22;
const SQ = 0x27;

function isSpace(c: number): boolean {
  return c === 0x20 || c === 0x0a || c === 0x09 || c === 0x0d || c === 0x0c;
}

// Character classes for the runs a tag is made of, as bits in a table: a loop over `charCodeAt`
// with one table load per character is as fast as hand-written comparisons once V8 optimises it,
// and much cheaper before (no call per character while the code still runs unoptimised, which
// is the first few thousand tags of every document).
const SPACE_BIT = 1;
const SLASH_BIT = 2;
const GT_BIT = 4;
const EQ_BIT = 8;
const charClass = new Uint8Array(128);
for (const c of [0x20, 0x09, 0x0a, 0x0d, 0x0c]) charClass[c] = SPACE_BIT;
charClass[SLASH] = SLASH_BIT;
charClass[GT] = GT_BIT;
charClass[EQ] = EQ_BIT;

/** A start tag's name ends at whitespace, `/` or `>`. */
const tagNameStop = SPACE_BIT | SLASH_BIT | GT_BIT;
/** A close tag's name, and an unquoted attribute value, end at whitespace or `>`. */
const closeNameStop = SPACE_BIT | GT_BIT;
/** An attribute's name ends at whitespace, `/`, `>` or `=`. */
const attributeNameStop = SPACE_BIT | SLASH_BIT | GT_BIT | EQ_BIT;

/** The index of the first character from `from` on in one of the `stop` classes (or the end). */
function runEnd(text: string, from: number, stop: number): number {
  const n = text.length;
  let j = from;
  while (j < n) {
    const c = text.charCodeAt(j);
    if (c < 128 && (charClass[c] as number) & stop) break;
    j++;
  }
  return j;
}

/** The index of the first character from `from` on that is not whitespace (or the end). */
function spaceEnd(text: string, from: number): number {
  const n = text.length;
  let j = from;
  while (j < n) {
    const c = text.charCodeAt(j);
    if (c >= 128 || ((charClass[c] as number) & SPACE_BIT) === 0) break;
    j++;
  }
  return j;
}

/**
 * A flat copy of a string. `slice` returns a view that keeps its whole parent alive; the round
 * trip through a buffer does not, so a small carried tail never pins a 64 KiB chunk.
 */
export function copyString(text: string): string {
  return text.length === 0 ? '' : Buffer.from(text, 'utf16le').toString('utf16le');
}

/** 1 when `text` has `token` at `at`, 0 when it does not, -1 when the text ends before that is known. */
function matchAt(text: string, at: number, token: string): number {
  for (let k = 0; k < token.length; k++) {
    if (at + k >= text.length) return -1;
    if (text.charCodeAt(at + k) !== token.charCodeAt(k)) return 0;
  }
  return 1;
}

/**
 * A streaming XML tokenizer for documents read for their data, like sitemaps and feeds. It
 * reports text, CDATA, start tags with their attributes, close tags and declarations; comments
 * and processing instructions are skipped. Entities are not decoded (the caller decodes the few
 * values it keeps) and a DOCTYPE is never interpreted, so declared entities cannot expand.
 *
 * It reads markup the way htmlparser2's tokenizer does in XML mode, forgiving as a browser:
 * unquoted and valueless attributes are accepted, a `<` that cannot start a tag is text, a
 * declaration ends at the first `>`, a comment at the first `-->` (`<!-->` is an empty one).
 *
 * Why not htmlparser2's `Tokenizer`, which pipectl used before: that one dispatches every
 * character through a state machine of method calls, which is cheap once V8 has optimised it but
 * costly until then, and a 50,000-URL sitemap is read mostly before then. This one finds `<`, the
 * end of text, of quoted values, comments and CDATA with `indexOf` (native at every tier) and
 * scans names with one table load per character. On bench/sitemap-parse's 50,000-URL file (fetch
 * and parse, other changes of the same commit aside), main-thread CPU went from 208 to 166 ms, and
 * with V8's optimising compiler off (`--no-opt`, what the unoptimised start costs) from 1,897 to
 * 591 ms. test/parse/xml-scanner.test.ts checks it against htmlparser2 on generated markup.
 *
 * Memory: a construct cut by the end of a chunk is carried to the next one, up to `maxCarry`
 * characters (text, comments and CDATA are handed over or skipped as they stream, with at most two
 * characters carried), so the scanner never holds more than one chunk plus that.
 */
export class XmlScanner {
  /**
   * Whether `ontext` is called. A reader that keeps text only inside some elements turns it off
   * outside them: a sitemap has more runs of whitespace between tags than fields.
   */
  textWanted = true;
  private pending = '';
  private mode = inText;
  private stopped = false;
  /** In `inTagRest`: the quote character of the attribute value being skipped, or 0. */
  private quote = 0;
  /** In `inTagRest`: whether the last character outside quotes was a `/`. */
  private slash = false;
  /** When a construct continues into the next chunk: the index of the current text to carry from. */
  private carryAt = 0;
  /** Attribute ranges of the start tag being read: name start, name end, value start, value end. */
  private readonly attrs: number[] = [];

  constructor(private readonly handler: XmlScanHandler) {}

  /** Reads the next piece of the document. */
  write(chunk: string): void {
    if (this.stopped) return;
    const text = this.pending.length === 0 ? chunk : this.pending + chunk;
    this.pending = '';
    const carry = this.scan(text);
    if (carry < text.length && !this.stopped) this.pending = copyString(text.slice(carry));
  }

  /** Stops reading, even in the middle of the current chunk; later input is ignored. */
  stop(): void {
    this.stopped = true;
    this.pending = '';
  }

  /** The end of the input: a construct still open (a truncated document) is dropped. */
  end(): void {
    this.stop();
  }

  /** Scans `text` and returns the index from which it must be carried to the next chunk. */
  private scan(text: string): number {
    const n = text.length;
    let i = 0;
    if (this.mode !== inText) {
      i = this.resume(text);
      if (i < 0) return this.carryAt;
    }
    const h = this.handler;
    while (i < n && !this.stopped) {
      const lt = text.indexOf('<', i);
      if (lt < 0) {
        if (this.textWanted) h.ontext(text, i, n);
        return n;
      }
      if (lt > i && this.textWanted) h.ontext(text, i, lt);
      if (lt + 1 >= n) return lt;
      const c = text.charCodeAt(lt + 1);
      let next: number;
      if (c === SLASH) next = this.closeTag(text, lt);
      else if (c === BANG) next = this.bang(text, lt);
      else if (c === QUESTION) next = this.skipToGt(text, lt, lt + 2, false);
      else if (c === GT || isSpace(c)) {
        // Not markup: the `<` is text.
        if (this.textWanted) h.ontext(text, lt, lt + 1);
        next = lt + 1;
      } else next = this.openTag(text, lt);
      if (next < 0) return lt;
      // A comment, CDATA section or overlong construct goes on in the next chunk.
      if (this.mode !== inText) return this.carryAt;
      i = next;
    }
    return n;
  }

  /**
   * Continues a construct begun in an earlier chunk: returns where scanning goes on, or -1 when
   * the construct goes on past this chunk too (`carryAt` then says what to keep).
   */
  private resume(text: string): number {
    const n = text.length;
    switch (this.mode) {
      case inComment: {
        const end = text.indexOf('-->');
        if (end >= 0) {
          this.mode = inText;
          return end + 3;
        }
        // `-->` may straddle the boundary: keep two characters.
        this.carryAt = Math.max(0, n - 2);
        return -1;
      }
      case inCdata: {
        const end = text.indexOf(']]>');
        if (end >= 0) {
          if (end > 0) this.handler.oncdata(text, 0, end);
          this.mode = inText;
          return end + 3;
        }
        this.carryAt = Math.max(0, n - 2);
        if (this.carryAt > 0) this.handler.oncdata(text, 0, this.carryAt);
        return -1;
      }
      case inSkipToGt:
      case inCloseRest: {
        const gt = text.indexOf('>');
        if (gt >= 0) {
          this.mode = inText;
          return gt + 1;
        }
        this.carryAt = n;
        return -1;
      }
      default: {
        // inTagRest
        const end = this.tagRest(text, 0);
        if (end < 0) {
          this.carryAt = n;
          return -1;
        }
        this.mode = inText;
        this.handler.onopentagend(this.slash);
        return end;
      }
    }
  }

  /** `</name …>`: returns the index after it, or -1 to carry it. */
  private closeTag(text: string, lt: number): number {
    const n = text.length;
    const k = spaceEnd(text, lt + 2);
    const e = runEnd(text, k, closeNameStop);
    const named = e > k && text.charCodeAt(k) !== SLASH;
    if (named && e < n && text.charCodeAt(e) === GT) {
      this.handler.onclosetag(text, k, e);
      return e + 1;
    }
    const gt = text.indexOf('>', e);
    if (gt < 0) {
      if (n - lt <= maxCarry) return -1;
      // Overlong: report the name if it is whole, then skip to the `>`.
      if (named && e < n) this.handler.onclosetag(text, k, e);
      this.mode = inCloseRest;
      this.carryAt = n;
      return n;
    }
    if (named) this.handler.onclosetag(text, k, e);
    // `</>` and `</ >` are text; `<//…>` is a bogus comment (htmlparser2 reads them so).
    else if (e === k && this.textWanted) this.handler.ontext(text, lt, gt + 1);
    return gt + 1;
  }

  /** `<!--`, `<![CDATA[` or another `<!…>` declaration. */
  private bang(text: string, lt: number): number {
    const n = text.length;
    const comment = matchAt(text, lt, '<!--');
    if (comment === 1) {
      // The opener's dashes may end it: `<!-->` and `<!--->` are complete comments.
      const end = text.indexOf('-->', lt + 2);
      if (end >= 0) return end + 3;
      this.mode = inComment;
      this.carryAt = Math.max(lt + 2, n - 2);
      return n;
    }
    const cdata = comment === -1 ? -1 : matchAt(text, lt, '<![CDATA[');
    if (cdata === -1) return -1;
    if (cdata === 1) {
      const start = lt + 9;
      const end = text.indexOf(']]>', start);
      if (end >= 0) {
        this.handler.oncdata(text, start, end);
        return end + 3;
      }
      this.mode = inCdata;
      // `]]>` may straddle the boundary: keep two characters, hand over the rest.
      this.carryAt = Math.max(start, n - 2);
      if (this.carryAt > start) this.handler.oncdata(text, start, this.carryAt);
      return n;
    }
    // As htmlparser2 does, the character after `<!` (after `<!-`, the one after the dash) is taken
    // without a look: `<!>x>` is one declaration, `>x`.
    const from = text.charCodeAt(lt + 2) === 0x2d /* - */ ? lt + 4 : lt + 3;
    return this.skipToGt(text, lt, from, true);
  }

  /**
   * A declaration (`<!…>`, reported) or a processing instruction (`<?…>`, skipped), to the first
   * `>` from `from` on.
   */
  private skipToGt(text: string, lt: number, from: number, report: boolean): number {
    const gt = text.indexOf('>', from);
    if (gt >= 0) {
      if (report) this.handler.ondeclaration(text, lt + 2, gt);
      return gt + 1;
    }
    if (text.length - lt <= maxCarry) return -1;
    if (report) this.handler.ondeclaration(text, lt + 2, text.length);
    this.mode = inSkipToGt;
    this.carryAt = text.length;
    return text.length;
  }

  /** A start tag `<name attr="value" …>` or `<name …/>`: returns the index after it, or -1 to carry it. */
  private openTag(text: string, lt: number): number {
    const n = text.length;
    const nameEnd = runEnd(text, lt + 1, tagNameStop);
    let j = nameEnd;
    let count = 0;
    let selfClosing = false;
    const attrs = this.attrs;
    for (;;) {
      j = spaceEnd(text, j);
      if (j >= n) return this.overlongTag(text, lt, nameEnd);
      const c = text.charCodeAt(j);
      if (c === GT) {
        j++;
        break;
      }
      if (c === SLASH) {
        j = spaceEnd(text, j + 1);
        if (j >= n) return this.overlongTag(text, lt, nameEnd);
        if (text.charCodeAt(j) === GT) {
          selfClosing = true;
          j++;
          break;
        }
        // A stray `/` inside a tag is ignored.
        continue;
      }
      const nameStart = j;
      // The first character is taken as it is, `=` included (`<a =x>` has an attribute `=x`).
      const attrNameEnd = runEnd(text, j + 1, attributeNameStop);
      j = spaceEnd(text, attrNameEnd);
      let valueStart = -1;
      let valueEnd = -1;
      if (j < n && text.charCodeAt(j) === EQ) {
        j = spaceEnd(text, j + 1);
        if (j >= n) return this.overlongTag(text, lt, nameEnd);
        const q = text.charCodeAt(j);
        if (q === DQ || q === SQ) {
          valueStart = j + 1;
          valueEnd = text.indexOf(q === DQ ? '"' : "'", valueStart);
          if (valueEnd < 0) return this.overlongTag(text, lt, nameEnd);
          j = valueEnd + 1;
        } else {
          valueStart = j;
          valueEnd = runEnd(text, j, closeNameStop);
          j = valueEnd;
        }
      }
      attrs[count] = nameStart;
      attrs[count + 1] = attrNameEnd;
      attrs[count + 2] = valueStart;
      attrs[count + 3] = valueEnd;
      count += 4;
    }
    const h = this.handler;
    if (h.onopentag(text, lt + 1, nameEnd) && !this.stopped) {
      for (let k = 0; k < count; k += 4) {
        h.onattribute(text, attrs[k] ?? 0, attrs[k + 1] ?? 0, attrs[k + 2] ?? -1, attrs[k + 3] ?? -1);
      }
    }
    if (!this.stopped) h.onopentagend(selfClosing);
    return j;
  }

  /**
   * A start tag that does not end in this chunk: carried whole if it is short enough, otherwise
   * reported by its name alone (empty if even that does not fit) and skipped as it streams.
   */
  private overlongTag(text: string, lt: number, nameEnd: number): number {
    const n = text.length;
    if (n - lt <= maxCarry) return -1;
    this.handler.onopentag(text, lt + 1, nameEnd < n ? nameEnd : lt + 1);
    this.quote = 0;
    this.slash = false;
    const end = this.tagRest(text, nameEnd);
    if (end < 0) {
      this.mode = inTagRest;
      this.carryAt = n;
      return n;
    }
    if (!this.stopped) this.handler.onopentagend(this.slash);
    return end;
  }

  /** Skips the rest of a start tag from `from`: the index after its `>`, or -1 if it goes on. */
  private tagRest(text: string, from: number): number {
    for (let j = from; j < text.length; j++) {
      const c = text.charCodeAt(j);
      if (this.quote !== 0) {
        if (c === this.quote) this.quote = 0;
      } else if (c === DQ || c === SQ) {
        this.quote = c;
        this.slash = false;
      } else if (c === GT) {
        return j + 1;
      } else if (!isSpace(c)) {
        this.slash = c === SLASH;
      }
    }
    return -1;
  }
}

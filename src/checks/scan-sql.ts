/** A `:name` placeholder found in a check's SQL, at its character offset (of the colon). */
export interface Placeholder {
  name: string;
  offset: number;
}

/** What the scanner found in a check's SQL, outside string literals, quoted identifiers and comments. */
export interface SqlScan {
  /** Every `:name` placeholder, in order of appearance (a name may repeat). */
  placeholders: Placeholder[];
  /** Offsets of positional `$1` parameters: a check must name its parameters instead. */
  positional: number[];
  /** Offsets of `;` that end a statement. */
  semicolons: number[];
  /** The first word of the statement (`select`, `with`, `update`…), lower-cased; '' if there is none. */
  firstKeyword: string;
}

const identStart = /[A-Za-z_]/;
const identChar = /[A-Za-z0-9_$]/;

/**
 * Scans SQL the way PostgreSQL's lexer splits it, far enough to tell placeholders from text
 * that only looks like one: `::casts`, `'string :literals'`, `E'escaped \' strings'`,
 * `$tag$ dollar-quoted bodies $tag$`, `"quoted :identifiers"`, `-- line` and nested
 * `/* block *\/` comments. `:=` (named function arguments) is not a placeholder either.
 * Array slices written `a[1:n]` would read as a placeholder `:n`; write `a[1 : n]`.
 */
export function scanSql(text: string): SqlScan {
  const scan: SqlScan = { placeholders: [], positional: [], semicolons: [], firstKeyword: '' };
  let i = 0;
  const n = text.length;
  const prevIsIdent = (at: number) => at > 0 && identChar.test(text[at - 1] ?? '');
  while (i < n) {
    const c = text[i] as string;
    const next = text[i + 1];
    if (c === '-' && next === '-') {
      const end = text.indexOf('\n', i);
      i = end === -1 ? n : end + 1;
    } else if (c === '/' && next === '*') {
      i = skipBlockComment(text, i);
    } else if (c === "'") {
      const escapes = (text[i - 1] === 'E' || text[i - 1] === 'e') && !prevIsIdent(i - 1);
      i = skipQuoted(text, i, "'", escapes);
    } else if (c === '"') {
      i = skipQuoted(text, i, '"', false);
    } else if (c === '$' && !prevIsIdent(i)) {
      const tag = /^\$([A-Za-z_][A-Za-z0-9_]*)?\$/.exec(text.slice(i));
      if (tag) {
        const close = text.indexOf(tag[0], i + tag[0].length);
        i = close === -1 ? n : close + tag[0].length;
      } else {
        if (/[0-9]/.test(next ?? '')) scan.positional.push(i);
        i += 1;
      }
    } else if (c === ':' && next === ':') {
      i += 2;
    } else if (c === ':' && identStart.test(next ?? '')) {
      let end = i + 1;
      while (end < n && /[A-Za-z0-9_]/.test(text[end] ?? '')) end += 1;
      scan.placeholders.push({ name: text.slice(i + 1, end), offset: i });
      i = end;
    } else if (c === ';') {
      scan.semicolons.push(i);
      i += 1;
    } else if (identStart.test(c) && !prevIsIdent(i)) {
      let end = i + 1;
      while (end < n && identChar.test(text[end] ?? '')) end += 1;
      if (scan.firstKeyword === '') scan.firstKeyword = text.slice(i, end).toLowerCase();
      i = end;
    } else {
      i += 1;
    }
  }
  return scan;
}

function skipBlockComment(text: string, start: number): number {
  // PostgreSQL block comments nest, unlike C's.
  let depth = 0;
  let i = start;
  while (i < text.length) {
    if (text.startsWith('/*', i)) {
      depth += 1;
      i += 2;
    } else if (text.startsWith('*/', i)) {
      depth -= 1;
      i += 2;
      if (depth === 0) return i;
    } else {
      i += 1;
    }
  }
  return text.length;
}

function skipQuoted(text: string, start: number, quote: string, backslashEscapes: boolean): number {
  let i = start + 1;
  while (i < text.length) {
    const c = text[i];
    if (backslashEscapes && c === '\\') {
      i += 2;
    } else if (c === quote) {
      // A doubled quote is an escaped quote, not the end.
      if (text[i + 1] === quote) i += 2;
      else return i + 1;
    } else {
      i += 1;
    }
  }
  return text.length;
}

/**
 * How many leading bytes of a sitemap a reader keeps so that `locateXmlError` can look at them: a
 * bound on what a failed document costs, enough for the first ~1,000 entries of a urlset.
 */
export const xmlErrorWindowBytes = 256 * 1024;

/** Errors XMLValidator reports only at the end of its input: elements still open, or none at all. */
const atEndOfInput = /^(?:Start tag expected|Unclosed tag |Invalid '\[)/;

/** Longest validator message kept: it quotes names from the document, which can be any length. */
const maxMessageLength = 200;

/**
 * Where an XML document first breaks XML's rules, as `line 4, column 1: Expected closing tag …`,
 * by fast-xml-parser's `XMLValidator`; null when it finds nothing, or only that elements are
 * still open at the end (a reader that got here already says the document was cut off).
 *
 * The streaming reader stays the parser; this runs only once a document has failed, and loads
 * the validator then, so valid sitemaps never pay for it.
 *
 * @param text the document, or its first `xmlErrorWindowBytes` when `cut`: then it is read up to
 *   its last `<`, so that a tag or entity cut by the window is not reported as an error
 */
export async function locateXmlError(text: string, cut: boolean): Promise<string | null> {
  const { XMLValidator } = await import('fast-xml-parser');
  const result = XMLValidator.validate(cut ? text.slice(0, Math.max(0, text.lastIndexOf('<'))) : text);
  if (result === true || atEndOfInput.test(result.err.msg)) return null;
  const { line, col, msg } = result.err;
  const message = msg.length <= maxMessageLength ? msg : `${msg.slice(0, maxMessageLength - 1)}…`;
  return `line ${line}, column ${col}: ${message}`;
}

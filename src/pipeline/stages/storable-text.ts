/**
 * Text as a PostgreSQL `text` column can hold it: NUL (U+0000), which PostgreSQL refuses in text
 * (SQLSTATE 22021) and which a site can put in anything quoted from it, becomes U+FFFD. Other
 * characters pass: Node already writes lone surrogates as U+FFFD. One `includes` for clean text.
 */
export function storableText<T extends string | null>(text: T): T {
  return (text?.includes('\u0000') ? text.replaceAll('\u0000', '\uFFFD') : text) as T;
}

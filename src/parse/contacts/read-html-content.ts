import { Tokenizer } from 'htmlparser2';

/** What contact extraction reads from a page: its visible text and the values it hides in attributes. */
export interface HtmlContent {
  /** Visible text with entities decoded; block boundaries become newlines, inline ones join directly. */
  text: string;
  /** Every `href` in the document, entities decoded, in document order. */
  hrefs: string[];
  /** Every `data-cfemail` value (Cloudflare's obfuscated addresses). */
  cfEmails: string[];
}

/**
 * Elements whose content is code, never contact text (Sentry DSNs, npm CDN paths, CSS). The
 * tokenizer reads script and style content as raw text, so they cannot nest; templates can.
 */
const rawTextElements = new Set(['script', 'style']);

/**
 * Elements that end a line of text. Joining inline elements directly keeps
 * `info<span>@</span>firma.de` whole; breaking at blocks keeps a label in one cell from
 * running into a number in the next (`<td>Tel</td><td>Order 2024</td>`).
 */
// biome-ignore format: a long list of tag names
const blockElements = new Set([
  'address', 'article', 'aside', 'blockquote', 'br', 'dd', 'div', 'dl', 'dt', 'fieldset', 'figcaption', 'figure',
  'footer', 'form', 'h1', 'h2', 'h3', 'h4', 'h5', 'h6', 'header', 'hr', 'li', 'main', 'nav', 'ol', 'option', 'p',
  'pre', 'section', 'table', 'tbody', 'td', 'tfoot', 'th', 'thead', 'tr', 'ul', 'title', 'body', 'html', 'head',
]);

/** Attribute values kept per document: more links than this are not a contact page's. */
const maxAttributeValues = 20_000;

/**
 * Reads an HTML document with htmlparser2's tokenizer and collects what contact extraction
 * needs; text inside script, style and template elements is skipped.
 *
 * Why the tokenizer and not htmlparser2's Parser: the Parser keeps the open elements in an
 * array it `unshift`s and searches on every tag, which is quadratic in the nesting depth, so a
 * hostile page of 500,000 unclosed `<div>`s takes minutes. Extraction needs no element tree,
 * only "inside a script?" and "is this a block?", so it runs on the tokenizer in linear time.
 */
export function readHtmlContent(html: string): HtmlContent {
  const parts: string[] = [];
  const hrefs: string[] = [];
  const cfEmails: string[] = [];
  let rawText: string | undefined; // the script or style element we are inside
  let templateDepth = 0;
  let tagName = '';
  let attributeName = '';
  let attributeValue = '';

  const visible = () => rawText === undefined && templateDepth === 0;
  const openTag = (name: string, selfClosing: boolean) => {
    if (blockElements.has(name)) parts.push('\n');
    if (selfClosing) return;
    if (rawTextElements.has(name)) rawText = name;
    else if (name === 'template') templateDepth++;
  };

  const tokenizer = new Tokenizer(
    { xmlMode: false, decodeEntities: true },
    {
      ontext(start, end) {
        if (visible()) parts.push(html.slice(start, end));
      },
      ontextentity(codepoint) {
        if (visible()) parts.push(String.fromCodePoint(codepoint));
      },
      onopentagname(start, end) {
        tagName = html.slice(start, end).toLowerCase();
      },
      onattribname(start, end) {
        attributeName = html.slice(start, end).toLowerCase();
        attributeValue = '';
      },
      onattribdata(start, end) {
        attributeValue += html.slice(start, end);
      },
      onattribentity(codepoint) {
        attributeValue += String.fromCodePoint(codepoint);
      },
      onattribend() {
        if (attributeName === 'href' && hrefs.length < maxAttributeValues) hrefs.push(attributeValue);
        if (attributeName === 'data-cfemail' && cfEmails.length < maxAttributeValues) cfEmails.push(attributeValue);
      },
      onopentagend() {
        openTag(tagName, false);
      },
      onselfclosingtag() {
        openTag(tagName, true);
      },
      onclosetag(start, end) {
        const name = html.slice(start, end).toLowerCase();
        if (name === rawText) rawText = undefined;
        else if (name === 'template' && templateDepth > 0) templateDepth--;
        if (blockElements.has(name)) parts.push('\n');
      },
      oncdata() {},
      oncomment() {},
      ondeclaration() {},
      onprocessinginstruction() {},
      onend() {},
    },
  );
  tokenizer.write(html);
  tokenizer.end();
  return { text: parts.join(''), hrefs, cfEmails };
}

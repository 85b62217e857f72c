import { domainToASCII, domainToUnicode } from 'node:url';
import { isIanaTld } from './is-iana-tld.js';

/**
 * Endings of asset file names. `logo@2x.png` and `jquery@3.7.1.min.js` already fail the TLD
 * check; this list also covers the extensions that happen to be real TLDs (`.zip`, `.mov`,
 * `.map`), where an address is far less likely than a file name.
 */
// biome-ignore format: one family of extensions per line
const assetExtensions = new Set([
  'png', 'jpg', 'jpeg', 'gif', 'svg', 'webp', 'avif', 'ico', 'bmp', 'tif', 'tiff', 'heic',
  'css', 'scss', 'js', 'mjs', 'cjs', 'ts', 'jsx', 'tsx', 'json', 'map', 'wasm',
  'woff', 'woff2', 'ttf', 'otf', 'eot',
  'mp4', 'webm', 'mov', 'mp3', 'wav', 'ogg', 'pdf', 'zip', 'gz', 'tgz', 'xml', 'txt', 'php', 'html', 'htm',
]);

/**
 * Domains that stand for "an address goes here" in templates, forms and documentation
 * (RFC 2606 reserves `example.*`; the rest are the stock placeholders of site builders).
 * Matched against the whole domain or any parent of it.
 */
// biome-ignore format: grouped by kind
const placeholderDomains = new Set([
  'example.com', 'example.net', 'example.org', 'example.edu',
  'domain.com', 'domain.net', 'domain.org', 'yourdomain.com', 'your-domain.com', 'mydomain.com',
  'yoursite.com', 'your-site.com', 'mysite.com', 'yourwebsite.com', 'website.com',
  'yourcompany.com', 'your-company.com', 'company.com', 'yourbusiness.com',
  'email.com', 'youremail.com', 'sample.com', 'test.com',
]);

/**
 * Local parts that are template text, not a mailbox (`your-email@…`, `name@…`, `john.doe@…`).
 * Kept short on purpose: `mail@` and `email@` are real mailboxes at many small firms.
 */
// biome-ignore format: grouped by kind
const placeholderLocalParts = new Set([
  'your', 'youremail', 'your.email', 'your-email', 'your_email', 'yourname', 'your.name', 'your-name',
  'name', 'user', 'username', 'someone', 'somebody',
  'john.doe', 'johndoe', 'jane.doe', 'janedoe', 'firstname.lastname', 'first.last',
  'vorname.nachname', 'max.mustermann', 'prenom.nom', 'xxx',
]);

/** A retina asset suffix as the first domain label: `icon@2x.png`, `hero@1.5x.webp`. */
const retinaLabel = /^\d{1,2}x$/;
/** What RFC 5321 allows in a DNS label once IDNs are in their ASCII form. */
const asciiLabel = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;
/** Local-part characters this extractor accepts (the dot-atom subset people publish). */
const localPart = /^[\p{L}\p{N}_%+-]+(?:\.[\p{L}\p{N}_%+-]+)*$/u;

/**
 * Validates an address split at its `@` and returns it in stored form, lower-cased (with an IDN
 * domain in Unicode form), or undefined when it is not a publishable address: bad syntax, a TLD
 * the root zone does not delegate, an asset file name, or a placeholder.
 *
 * Sentence punctuation around the address is tolerated: a leading `.` on the local part and
 * trailing `.`/`-` on the domain (`write to info@firma.de.`) are trimmed before validation.
 */
export function normalizeEmail(rawLocal: string, rawDomain: string): string | undefined {
  const local = rawLocal.replace(/^[.+-]+/, '').toLowerCase();
  const domain = rawDomain.replace(/[.-]+$/, '').toLowerCase();
  if (local.length === 0 || local.length > 64 || !localPart.test(local)) return undefined;
  if (domain.length === 0 || domain.length > 253) return undefined;

  const ascii = domainToASCII(domain);
  if (ascii === '') return undefined;
  const labels = ascii.split('.');
  if (labels.length < 2 || !labels.every((label) => asciiLabel.test(label))) return undefined;
  const tld = labels[labels.length - 1] ?? '';
  if (!isIanaTld(tld) || tld === 'arpa') return undefined;
  if (assetExtensions.has(tld) || retinaLabel.test(labels[0] ?? '')) return undefined;

  for (let i = 0; i < labels.length - 1; i++) {
    if (placeholderDomains.has(labels.slice(i).join('.'))) return undefined;
  }
  if (placeholderLocalParts.has(local)) return undefined;

  return `${local}@${domainToUnicode(ascii)}`;
}

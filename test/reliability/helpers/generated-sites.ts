import { createHash } from 'node:crypto';

/*
 * Many small generated sites for the load and fault scenarios, one per domain, served by
 * Host header (see load-server.ts). A domain's index decides its shape, so a test knows what
 * every domain must end as without reading the server's log:
 *
 *   80 %  robots.txt names one sitemap (absolute, relative or lower-case `sitemap:`); a urlset
 *         of 2–3 pages; every page has the domain's info@ address, the first also sales@;
 *   10 %  robots.txt names none and every well-known path is a 404: `complete`, with a reason;
 *    6 %  no robots.txt; /sitemap.xml found by the well-known probe;
 *    2 %  robots.txt names a sitemap that is a 404: `error`, with a reason (permanent);
 *    2 %  a urlset of 3 pages: one a 404 (`error`), one a PDF (`skipped`), one with contacts.
 */

export type SiteKind = 'robots-sitemap' | 'no-sitemap' | 'probed-sitemap' | 'missing-sitemap' | 'mixed-pages';

const trades = ['bakery', 'dental', 'plumbing', 'yoga', 'books', 'garage', 'florist', 'law'] as const;

/** The i-th generated domain (0-based): `bakery-00000.com`, `dental-00001.net`… */
export function generatedDomain(i: number): string {
  const tld = ['com', 'net', 'org', 'co.uk'][i % 4];
  return `${trades[i % trades.length]}-${String(i).padStart(5, '0')}.${tld}`;
}

/** Which index a generated domain has, or undefined for any other name. */
export function generatedIndex(host: string): number | undefined {
  const m = /^[a-z]+-(\d{5})\.(?:com|net|org|co\.uk)$/.exec(host);
  if (!m) return undefined;
  const i = Number(m[1]);
  return generatedDomain(i) === host ? i : undefined;
}

export function siteKind(i: number): SiteKind {
  const slot = i % 50;
  if (slot < 40) return 'robots-sitemap';
  if (slot < 45) return 'no-sitemap';
  if (slot < 48) return 'probed-sitemap';
  if (slot < 49) return 'missing-sitemap';
  return 'mixed-pages';
}

/** What a domain must end as when nothing went wrong on the way. */
export interface ExpectedOutcome {
  status: 'complete' | 'error';
  /** `sitemap_analysis_error` must be set (a reason) — always for `error`, and for a complete domain without pages. */
  reason: boolean;
  pages: number;
  /** contact_scan_status of its pages, sorted. */
  pageStatuses: string[];
  /** Its contacts' values, sorted. */
  emails: string[];
}

function pageCount(i: number): number {
  return 2 + (i % 2);
}

export function expectedOutcome(i: number): ExpectedOutcome {
  const host = generatedDomain(i);
  const kind = siteKind(i);
  switch (kind) {
    case 'no-sitemap':
      return { status: 'complete', reason: true, pages: 0, pageStatuses: [], emails: [] };
    // A sitemap the site declares but serves as a 404 is the site's defect, not pipectl's: the
    // domain completes with the reason (docs/architecture.md, "A site's defect is an outcome").
    case 'missing-sitemap':
      return { status: 'complete', reason: true, pages: 0, pageStatuses: [], emails: [] };
    case 'mixed-pages':
      return {
        status: 'complete',
        reason: false,
        pages: 3,
        pageStatuses: ['complete', 'error', 'skipped'],
        emails: [`info@${host}`],
      };
    default: {
      const n = pageCount(i);
      return {
        status: 'complete',
        reason: false,
        pages: n,
        pageStatuses: Array<string>(n).fill('complete'),
        emails: [`info@${host}`, `sales@${host}`],
      };
    }
  }
}

/** One answer of a generated site. */
export interface GeneratedResponse {
  status: number;
  type: string;
  body: string;
}

const xmlHead = '<?xml version="1.0" encoding="UTF-8"?>\n';
const notFound: GeneratedResponse = { status: 404, type: 'text/html; charset=utf-8', body: '<h1>Not Found</h1>' };

function urlset(locs: string[]): string {
  const urls = locs.map((loc, k) => `  <url><loc>${loc}</loc><lastmod>2025-0${(k % 9) + 1}-14</lastmod></url>`);
  return `${xmlHead}<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n${urls.join('\n')}\n</urlset>\n`;
}

function htmlPage(title: string, body: string): GeneratedResponse {
  return {
    status: 200,
    type: 'text/html; charset=utf-8',
    body: `<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8"><title>${title}</title></head>\n<body>\n${body}\n</body></html>\n`,
  };
}

function xmlDoc(body: string): GeneratedResponse {
  return { status: 200, type: 'application/xml; charset=utf-8', body };
}

function text(body: string): GeneratedResponse {
  return { status: 200, type: 'text/plain; charset=utf-8', body };
}

/** The page paths a domain's sitemap lists. */
function pagePaths(i: number): string[] {
  if (siteKind(i) === 'mixed-pages') return ['/contact/', '/gone/', '/menu.pdf'];
  return ['/', '/contact/', '/about/'].slice(0, pageCount(i));
}

function robotsFor(i: number, origin: string): GeneratedResponse | undefined {
  const rules = 'User-agent: *\nDisallow: /wp-admin/\n';
  switch (siteKind(i)) {
    case 'no-sitemap':
      return text(`# no sitemap here\n${rules}`);
    case 'probed-sitemap':
      return undefined;
    case 'missing-sitemap':
      return text(`${rules}\nSitemap: ${origin}/sitemaps/pages.xml\n`);
    default: {
      // Three spellings of the same directive, as real sites write it.
      const line = [
        `Sitemap: ${origin}/sitemap.xml`,
        'sitemap: /sitemap.xml',
        `SITEMAP : ${origin}/sitemap.xml # main`,
      ][i % 3];
      return text(`${rules}\n${line}\n`);
    }
  }
}

/**
 * How the generated site `host` answers `path`, or undefined when `host` is not generated.
 * Pure: the same request always gets the same answer.
 */
export function generatedResponse(host: string, path: string): GeneratedResponse | undefined {
  const i = generatedIndex(host);
  if (i === undefined) return undefined;
  const origin = `http://${host}`;
  const kind = siteKind(i);
  if (path === '/robots.txt') return robotsFor(i, origin) ?? notFound;
  if (path === '/sitemap.xml' && kind !== 'no-sitemap' && kind !== 'missing-sitemap') {
    return xmlDoc(urlset(pagePaths(i).map((p) => `${origin}${p}`)));
  }
  if (!pagePaths(i).includes(path)) return notFound;
  if (path === '/gone/') return notFound;
  if (path === '/menu.pdf') return { status: 200, type: 'application/pdf', body: '%PDF-1.4\n%âãÏÓ\n' };
  const title = `${trades[i % trades.length]} ${i}`;
  if (path === '/contact/') {
    return htmlPage(
      `Contact – ${title}`,
      `<h1>Contact</h1><p>Write to <a href="mailto:info@${host}">info@${host}</a>.</p><img src="/img/logo@2x.png">`,
    );
  }
  // The first page also has an obfuscated address: sales [at] bakery-00000 [dot] com.
  const extra = path === '/' ? `<p>Sales: sales [at] ${host.replace(/\./g, ' [dot] ')}</p>` : '';
  return htmlPage(
    title,
    `<h1>${title}</h1><p>Questions? INFO@${host.toUpperCase()}</p>${extra}<p>v2.4.1, 2025-11-14</p>`,
  );
}

/** A stable number in [0, 1) for a string: decides faults by URL, reproducibly across runs. */
export function unitHash(text: string): number {
  return createHash('sha1').update(text).digest().readUInt32BE(0) / 2 ** 32;
}

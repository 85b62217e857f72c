import { gzipSync } from 'node:zlib';
import type { Route, Site } from '../../src/demo/site-server.js';

/*
 * The sites of the WF4 → WF5 → WF7 end-to-end test, served by src/demo/site-server.ts on
 * 127.0.0.1. test/fixtures/fixture-sites.ts covers WF4's failure modes; these add what WF5 and
 * WF7 meet: off-site and subdomain URLs, duplicates and fragments in a sitemap, robots.txt rules
 * for pipectl's own User-Agent, pages that 404 or are not HTML, and every way a page publishes
 * (or seems to publish) an email address or a phone number.
 *
 * alpenblick-hotel.de    robots.txt with a relative Sitemap line; a gzip-encoded index of a urlset
 *                        (duplicates, a fragment, an upper-case host, invalid fields, an off-site
 *                        URL, a subdomain, a PDF, a 404), a real .xml.gz child and a child that
 *                        answers 500; /intern/ disallowed; German contacts (region DE).
 * harbour-dental.co.uk   A plain-text sitemap; robots.txt groups for Googlebot, pipectl and *;
 *                        Cloudflare-protected addresses both ways; UK numbers (region GB).
 * lakeshore-realty.com   No robots.txt: /sitemap.xml is a gzip-encoded index with a nested index;
 *                        mailto lists, entity-encoded and AT/DOT addresses, tel: with an extension;
 *                        a national number on a .com, which has no region to read it in.
 * quiet-pottery.com      robots.txt lists no sitemap and every well-known path is a 404.
 * closed-florist.com     robots.txt names one sitemap, and it is a 404.
 */

const xml = (body: string) => `<?xml version="1.0" encoding="UTF-8"?>\n${body}\n`;

interface UrlEntry {
  loc: string;
  lastmod?: string;
  changefreq?: string;
  priority?: string;
}

const urlset = (urls: UrlEntry[]) =>
  xml(
    `<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n${urls
      .map(
        (u) =>
          `  <url><loc>${u.loc}</loc>${u.lastmod ? `<lastmod>${u.lastmod}</lastmod>` : ''}${
            u.changefreq ? `<changefreq>${u.changefreq}</changefreq>` : ''
          }${u.priority ? `<priority>${u.priority}</priority>` : ''}</url>`,
      )
      .join('\n')}\n</urlset>`,
  );

const sitemapIndex = (locs: string[]) =>
  xml(
    `<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n${locs
      .map((loc) => `  <sitemap><loc>${loc}</loc><lastmod>2025-11-14T09:03:51+00:00</lastmod></sitemap>`)
      .join('\n')}\n</sitemapindex>`,
  );

/** A page as a small-business CMS renders it: a script with a CDN asset name, a logo, a footer. */
const html = (title: string, main: string, footer = ''): Route => ({
  type: 'text/html; charset=utf-8',
  body: `<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>${title}</title>
<script src="https://cdn.jsdelivr.net/npm/bootstrap@5.3.0/dist/js/bootstrap.bundle.min.js"></script>
<script>window.chatWidget = { fallbackEmail: "support@chatvendor.io" };</script></head>
<body><header><img src="/img/logo@2x.png" alt="${title}"></header>
<main><h1>${title}</h1>
${main}
</main>
<footer>${footer} · v2.4.1 · 2025-11-14</footer></body></html>
`,
});

const text = (body: string): Route => ({ type: 'text/plain; charset=utf-8', body });

/** Cloudflare's email obfuscation: a key byte, then every byte of the address XOR the key, in hex. */
export function cloudflareEmail(email: string, key: number): string {
  const hex = (n: number) => n.toString(16).padStart(2, '0');
  return hex(key) + [...Buffer.from(email, 'utf8')].map((b) => hex(b ^ key)).join('');
}

const alpen = 'http://alpenblick-hotel.de';
const alpenFooter = 'Hotel Alpenblick · Tel.: +49 8821 73090 · Fax: +49 8821 730 999';

const alpenblick: Site = {
  '/robots.txt': text('User-agent: *\nDisallow: /intern/\n\nSitemap: /sitemap_index.xml\n'),
  '/sitemap_index.xml': {
    gzip: true,
    body: sitemapIndex([`${alpen}/page-sitemap.xml`, `${alpen}/zimmer-sitemap.xml.gz`, `${alpen}/news-sitemap.xml`]),
  },
  '/page-sitemap.xml': {
    body: urlset([
      { loc: `${alpen}/`, lastmod: '2025-11-03T07:15:00+01:00', changefreq: 'weekly', priority: '1.0' },
      { loc: `${alpen}/kontakt`, lastmod: '2025-10-20', priority: '0.8' },
      { loc: `${alpen}/impressum`, changefreq: 'yearly', priority: '0.3' },
      { loc: `${alpen}/intern/dienstplan` },
      { loc: `${alpen}/anreise#karte`, changefreq: 'fortnightly', priority: '2.0' },
      { loc: 'http://Alpenblick-Hotel.DE/wellness' },
      { loc: `${alpen}/kontakt`, lastmod: '2024-01-01' },
      { loc: 'https://www.booking.com/hotel/de/alpenblick.html' },
      { loc: 'http://shop.alpenblick-hotel.de/gutscheine' },
      { loc: `${alpen}/prospekt-2026.pdf` },
      { loc: `${alpen}/alte-preise` },
    ]),
  },
  '/zimmer-sitemap.xml.gz': {
    type: 'application/x-gzip',
    body: gzipSync(
      urlset([
        { loc: `${alpen}/zimmer/einzelzimmer`, lastmod: '2025-06-30T12:00:00Z' },
        { loc: `${alpen}/zimmer/doppelzimmer`, lastmod: '2025-06-30T12:00:00Z' },
      ]),
    ),
  },
  '/news-sitemap.xml': {
    status: 500,
    type: 'text/html',
    body: '<h1>Fatal error: Allowed memory size exhausted</h1>',
  },
  '/': html('Hotel Alpenblick', '<p>Familiengeführt seit 1962, mitten in Garmisch.</p>', alpenFooter),
  '/kontakt': html(
    'Kontakt',
    [
      '<p>Reservierung: <a href="mailto:Rezeption@Alpenblick-Hotel.de?subject=Anfrage%20Zimmer">Rezeption@Alpenblick-Hotel.de</a></p>',
      '<p>Telefon: 08821 73090 · <a href="tel:+49-8821-730-912">Direktwahl Bankett</a></p>',
      '<p>Allgemeine Fragen: info(at)alpenblick-hotel.de</p>',
      '<p>Buchungsnummer bitte angeben, z. B. 2024-118834. Anreise ab 14.11.2025.</p>',
    ].join('\n'),
    alpenFooter,
  ),
  '/impressum': html(
    'Impressum',
    [
      '<p>Alpenblick GmbH, Zugspitzstraße 12, 82467 Garmisch-Partenkirchen</p>',
      '<p>E-Mail: buchhaltung&#64;alpenblick-hotel.de</p>',
      '<p>Handelsregister: HRB 123456 · USt-IdNr.: DE 129273398 · Server 192.168.10.21</p>',
      '<p>Muster für Ihre Anfrage: vorname.nachname@alpenblick-hotel.de</p>',
    ].join('\n'),
    alpenFooter,
  ),
  '/intern/dienstplan': html('Dienstplan', '<p>Nachtdienst: personal@alpenblick-hotel.de, Tel.: 08821 730 111</p>'),
  '/anreise': html(
    'Anreise',
    '<p>Mit der Bahn bis Garmisch-Partenkirchen, dann 5 Minuten zu Fuß. Abholung aus dem Ausland buchen: +49 8821 730 930</p>',
  ),
  '/wellness': html('Wellness', '<p>Spa-Termine: spa [at] alpenblick-hotel [dot] de</p>'),
  '/prospekt-2026.pdf': { type: 'application/pdf', body: '%PDF-1.7 prospekt@alpenblick-hotel.de' },
  '/zimmer/einzelzimmer': html('Einzelzimmer', '<p>Ab 89,00 € pro Nacht, 18 m².</p>'),
  '/zimmer/doppelzimmer': html('Doppelzimmer', '<p>Ab 139,00 € pro Nacht. Gruppen: Telefon 08821 730 920</p>'),
};

const alpenShop: Site = {
  '/gutscheine': html('Gutscheine', '<p>Gutscheine per E-Mail: gutscheine@alpenblick-hotel.de</p>'),
};

const harbour = 'http://harbour-dental.co.uk';
const harbourFooter = `Harbour Dental Practice · Phone: 020 7946 0018 · <a href="/cdn-cgi/l/email-protection" class="__cf_email__" data-cfemail="${cloudflareEmail('reception@harbour-dental.co.uk', 0x3c)}">[email&#160;protected]</a>`;

const harbourDental: Site = {
  '/robots.txt': text(
    [
      'User-agent: Googlebot',
      'Disallow: /fees',
      '',
      'User-agent: pipectl',
      'Disallow: /patients/',
      '',
      'User-agent: *',
      'Disallow: /patients/',
      'Disallow: /fees',
      '',
      `Sitemap: ${harbour}/sitemap.txt`,
      '',
    ].join('\n'),
  ),
  '/sitemap.txt': text(
    [
      `${harbour}/`,
      `${harbour}/contact`,
      `${harbour}/fees`,
      `${harbour}/patients/portal`,
      'https://www.nhs.uk/services/dentist/harbour-dental-practice/V12345',
      `${harbour}/team`,
      '',
    ].join('\n'),
  ),
  '/': html('Harbour Dental Practice', '<p>NHS and private dentistry on the waterfront.</p>', harbourFooter),
  '/contact': html(
    'Contact us',
    [
      `<p>Appointments: <a href="/cdn-cgi/l/email-protection#${cloudflareEmail('appointments@harbour-dental.co.uk', 0x9a)}"><span class="__cf_email__">[email&#160;protected]</span></a></p>`,
      '<p>Out of hours: Tel 0161 496 0753</p>',
      '<p>Write to us (e.g. name@example.com) and quote your NHS number.</p>',
      '<p>Practice code V12345 · registered 14.11.2025 · leaflet ISBN 978-0-14-103614-4</p>',
    ].join('\n'),
    harbourFooter,
  ),
  '/fees': html(
    'Fees',
    '<p>Questions about your bill: billing@harbour-dental.co.uk</p><p>Invoice no. 2024-118834 · price list v3.1</p>',
    harbourFooter,
  ),
  '/patients/portal': html('Patient portal', '<p>records@harbour-dental.co.uk</p>'),
  '/team': html(
    'Our team',
    '<p>Dr Priya Shah BDS: priya.shah [at] harbour-dental [dot] co [dot] uk · Mobile: 07911 123456</p>',
    harbourFooter,
  ),
};

const lake = 'http://lakeshore-realty.com';

const lakeshore: Site = {
  '/sitemap.xml': {
    gzip: true,
    body: sitemapIndex([`${lake}/sitemap-pages.xml`, `${lake}/sitemap-listings-index.xml`]),
  },
  '/sitemap-pages.xml': {
    body: urlset([
      { loc: `${lake}/`, changefreq: 'daily' },
      { loc: `${lake}/contact`, lastmod: '2025-09-01T00:00:00-05:00' },
      { loc: `${lake}/agents/maria-lopez` },
    ]),
  },
  '/sitemap-listings-index.xml': { body: sitemapIndex([`${lake}/sitemap-listings.xml`]) },
  '/sitemap-listings.xml': {
    gzip: true,
    body: urlset([
      { loc: `${lake}/listings/412-oak-street`, lastmod: '2025-11-14', priority: '0.5' },
      { loc: 'https://www.zillow.com/homedetails/412-Oak-St-Chicago-IL/123456_zpid/' },
    ]),
  },
  '/': html('Lakeshore Realty', '<p>Homes on the North Shore since 1987.</p>'),
  '/contact': html(
    'Contact',
    [
      '<p><a href="mailto:sales@lakeshore-realty.com,rentals%40lakeshore-realty.com?cc=boss@lakeshore-realty.com&amp;subject=Hello">Sales and rentals</a></p>',
      '<p>Front desk: <a href="tel:+1-312-555-0142;ext=204">312-555-0142 ext. 204</a> · Phone: (312) 555-0100</p>',
      '<p>Office: office&#64;lakeshore-realty.com</p>',
      '<p>Not: info@lakeshore-realty.comm or your-name@lakeshore-realty.com; icons sprite@2x.png</p>',
      '<p class="credits">Styles: https://cdn.jsdelivr.net/npm/bootstrap@5.3.0/dist/css/bootstrap.min.css</p>',
    ].join('\n'),
  ),
  '/agents/maria-lopez': html(
    'Maria Lopez',
    '<p>maria.lopez AT lakeshore-realty DOT com · Mobile: +1 312 555 0199 · Assistant: j.chen&#x40;lakeshore-realty.com</p>',
  ),
  '/listings/412-oak-street': html(
    '412 Oak Street',
    '<p>MLS #11223344 · built 1998 · listed 2025-11-14</p><p>Showings: tel. +1 312-555-0188</p>',
  ),
};

const quietPottery: Site = {
  '/robots.txt': text('User-agent: *\nDisallow:\n'),
  '/': html('Quiet Pottery', '<p>Hand-thrown stoneware. hello@quiet-pottery.com</p>'),
};

const closedFlorist: Site = {
  '/robots.txt': text('User-agent: *\nSitemap: http://closed-florist.com/sitemap.xml\n'),
};

/** Every site of the test, by host. */
export const pipelineSites: Record<string, Site> = {
  'alpenblick-hotel.de': alpenblick,
  'shop.alpenblick-hotel.de': alpenShop,
  'harbour-dental.co.uk': harbourDental,
  'lakeshore-realty.com': lakeshore,
  'quiet-pottery.com': quietPottery,
  'closed-florist.com': closedFlorist,
};

/** The domains a user adds (shop.alpenblick-hotel.de is reached only as a subdomain). */
export const pipelineDomains = [
  'alpenblick-hotel.de',
  'harbour-dental.co.uk',
  'lakeshore-realty.com',
  'quiet-pottery.com',
  'closed-florist.com',
];

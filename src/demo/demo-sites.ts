import type { Route, Site } from './site-server.js';

// The demo's fixture sites: small businesses of the kind the pipeline crawls, each showing one
// thing a real crawler meets. Everything is served from 127.0.0.1; nothing leaves the machine.

const xml = (body: string): Route => ({ body: `<?xml version="1.0" encoding="UTF-8"?>\n${body}` });
const text = (body: string): Route => ({ body, type: 'text/plain; charset=utf-8' });

function urlset(origin: string, paths: string[], lastmod = '2025-11-01'): string {
  const urls = paths
    .map(
      (p) =>
        `  <url>\n    <loc>${origin}${p}</loc>\n    <lastmod>${lastmod}</lastmod>\n    <changefreq>monthly</changefreq>\n  </url>`,
    )
    .join('\n');
  return `<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n${urls}\n</urlset>`;
}

function sitemapIndex(locs: string[]): string {
  return `<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n${locs.map((l) => `  <sitemap><loc>${l}</loc></sitemap>`).join('\n')}\n</sitemapindex>`;
}

/** Cloudflare's email obfuscation: a key byte, then every byte XOR the key, in hex. */
function cloudflareEmail(email: string, key = 0x5a): string {
  const hex = (n: number) => n.toString(16).padStart(2, '0');
  return hex(key) + [...Buffer.from(email)].map((b) => hex(b ^ key)).join('');
}

function page(title: string, body: string): Route {
  return {
    type: 'text/html; charset=utf-8',
    body: `<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>${title}</title>
<script>var cdn = "https://cdn.example.net/bootstrap@5.3.0/dist/js/bootstrap.min.js";</script></head>
<body><header><img src="/img/logo@2x.png" alt="logo"></header><main><h1>${title}</h1>${body}</main>
<footer>© 2025 · v2.4.1 · updated 2025-01-15</footer></body></html>`,
  };
}

const jenkins = 'http://jenkinseyecare.com';
const oakridge = 'http://oakridge-plumbing.com';
const harbor = 'http://harborbooks.co.uk';
const sunset = 'http://sunset-yoga.com';
const vinyl = 'http://vintage-vinyl.shop';
const lakeside = 'http://lakeside-vet.com';
const maplewood = 'http://maplewood-dentistry.com';

/** Sites crawled in the demo's first part, by domain. */
export const healthySites: Record<string, Site> = {
  // robots.txt with a lower-case, relative Sitemap line pointing at a sitemap index, which lists
  // a urlset and a nested index whose only child is gzip-compressed.
  'oakridge-plumbing.com': {
    '/robots.txt': text('User-agent: *\nDisallow: /admin/\n\nsitemap: /sitemap_index.xml\n'),
    '/sitemap_index.xml': xml(
      sitemapIndex([`${oakridge}/sitemap-pages.xml`, `${oakridge}/sitemap-services-index.xml`]),
    ),
    '/sitemap-services-index.xml': xml(sitemapIndex([`${oakridge}/sitemap-services.xml.gz`])),
    '/sitemap-pages.xml': xml(urlset(oakridge, ['/', '/contact', '/about'])),
    '/sitemap-services.xml.gz': { ...xml(urlset(oakridge, ['/services/drains', '/services/boilers'])), gzip: true },
    '/': page('Oakridge Plumbing', '<p>24/7 emergency plumbing in Oakridge.</p>'),
    '/contact': page(
      'Contact Oakridge Plumbing',
      '<p>Call <a href="tel:+1-503-555-0142">(503) 555-0142</a> or write to <a href="mailto:office@oakridge-plumbing.com?subject=Quote">office@oakridge-plumbing.com</a>.</p>',
    ),
    '/about': page('About us', '<p>Family owned since 1986. Questions: jobs&#64;oakridge-plumbing.com</p>'),
    '/services/drains': page('Drain cleaning', '<p>Tel: +1 503 555 0199</p>'),
    '/services/boilers': page('Boilers', '<p>Boiler service and repair.</p>'),
  },
  // A plain-text sitemap named in robots.txt; a UK number and an [at]/[dot] email.
  'harborbooks.co.uk': {
    '/robots.txt': text('User-agent: *\nAllow: /\nSitemap: http://harborbooks.co.uk/sitemap.txt\n'),
    '/sitemap.txt': text(`${harbor}/\n${harbor}/visit-us\n${harbor}/events\n`),
    '/': page('Harbor Books', '<p>Second-hand books by the harbour.</p>'),
    '/visit-us': page('Visit us', '<p>Telephone: 020 7946 0958 · shop [at] harborbooks [dot] co [dot] uk</p>'),
    '/events': page('Events', '<p>Readings every Thursday. Book at events@harborbooks.co.uk.</p>'),
  },
  // A sitemap index with one broken child (HTTP 500): the good child is still imported.
  'sunset-yoga.com': {
    '/robots.txt': text(`User-agent: *\nSitemap: ${sunset}/sitemap.xml\n`),
    '/sitemap.xml': xml(sitemapIndex([`${sunset}/sitemap-classes.xml`, `${sunset}/sitemap-blog.xml`])),
    '/sitemap-classes.xml': xml(urlset(sunset, ['/', '/schedule'])),
    '/sitemap-blog.xml': { status: 500, type: 'text/html', body: '<h1>500 Internal Server Error</h1>' },
    '/': page('Sunset Yoga', '<p>Classes every evening at sunset.</p>'),
    '/schedule': page(
      'Schedule',
      `<p>Questions? <a href="/cdn-cgi/l/email-protection#${cloudflareEmail('namaste@sunset-yoga.com')}"><span class="__cf_email__" data-cfemail="${cloudflareEmail('namaste@sunset-yoga.com')}">[email&#160;protected]</span></a></p>`,
    ),
  },
  // No robots.txt and no sitemap anywhere: WF4 completes with the reason recorded.
  'brightsmile-dental.com': {
    '/': page('BrightSmile Dental', '<p>Call us: +1 (212) 555-0123</p>'),
  },
  // robots.txt disallows part of the site: those pages are skipped by WF7, with the reason.
  'vintage-vinyl.shop': {
    '/robots.txt': text(`User-agent: *\nDisallow: /account/\nSitemap: ${vinyl}/sitemap.xml\n`),
    '/sitemap.xml': xml(urlset(vinyl, ['/', '/contact', '/account/orders'])),
    '/': page('Vintage Vinyl', '<p>Records from the 60s to the 90s.</p>'),
    '/contact': page('Contact', '<p>Email hello (at) vintage-vinyl (dot) shop — we answer within a day.</p>'),
    '/account/orders': page('Orders', '<p>private@vintage-vinyl.shop</p>'),
  },
};

/** Sites of the incident replay: submitted by a service that never started their jobs. */
export const replaySites: Record<string, Site> = {
  'jenkinseyecare.com': {
    '/robots.txt': text(`User-agent: *\nSitemap: ${jenkins}/sitemap.xml\n`),
    '/sitemap.xml': xml(sitemapIndex([`${jenkins}/sitemap-main.xml`, `${jenkins}/sitemap-doctors.xml`])),
    '/sitemap-main.xml': xml(urlset(jenkins, ['/', '/contact', '/insurance'])),
    '/sitemap-doctors.xml': xml(urlset(jenkins, ['/doctors/jenkins', '/doctors/patel'])),
    '/': page('Jenkins Eye Care', '<p>Eye exams, glasses and contact lenses.</p>'),
    '/contact': page(
      'Contact',
      '<p><a href="tel:+15415550187">541-555-0187</a> · <a href="mailto:frontdesk@jenkinseyecare.com">frontdesk@jenkinseyecare.com</a></p>',
    ),
    '/insurance': page('Insurance', '<p>We accept most vision plans.</p>'),
    '/doctors/jenkins': page('Dr. Jenkins', '<p>Appointments: appointments&#x40;jenkinseyecare.com</p>'),
    '/doctors/patel': page('Dr. Patel', '<p>Optometrist.</p>'),
  },
  'lakeside-vet.com': {
    '/robots.txt': text(`Sitemap: ${lakeside}/sitemap.xml\n`),
    '/sitemap.xml': xml(urlset(lakeside, ['/', '/emergencies'])),
    '/': page('Lakeside Vet', '<p>Caring for pets since 1998.</p>'),
    '/emergencies': page('Emergencies', '<p>Emergency line: <a href="tel:+1-612-555-0110">612-555-0110</a></p>'),
  },
  'maplewood-dentistry.com': {
    '/robots.txt': text(`Sitemap: ${maplewood}/sitemap.xml\n`),
    '/sitemap.xml': xml(urlset(maplewood, ['/', '/book'])),
    '/': page('Maplewood Dentistry', '<p>Gentle dentistry for the whole family.</p>'),
    '/book': page(
      'Book',
      '<p>Write to <a href="mailto:smile@maplewood-dentistry.com">smile@maplewood-dentistry.com</a></p>',
    ),
  },
};

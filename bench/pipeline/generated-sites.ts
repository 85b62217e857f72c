import { once } from 'node:events';
import { createServer } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

/** The shape of the generated web: how many sites, and how each is laid out. */
export interface GeneratedSitesOptions {
  /** Sites, named bench-shop-001.com, bench-shop-002.com, … */
  domains: number;
  /** Pages per site, each with one email address and one phone number. */
  pagesPerDomain: number;
  /** Pages per urlset; a site's sitemap index lists ceil(pages / this) urlsets. */
  pagesPerSitemap: number;
}

export interface GeneratedSites {
  readonly port: number;
  readonly domains: readonly string[];
  /** One `--connect-to` rule that sends every host, on any port, to this server. */
  readonly connectTo: string;
  /** Requests answered so far. */
  requests(): number;
  close(): Promise<void>;
}

export const domainName = (i: number) => `bench-shop-${String(i).padStart(3, '0')}.com`;

/**
 * The contacts page `i` of a site publishes: a mailto link and a tel link. Phones are US numbers
 * in the 555-01xx range that libphonenumber accepts, unique within a site for up to 100 pages.
 */
export function pageContacts(domain: string, i: number): { email: string; phone: string } {
  const line = String((i - 1) % 100).padStart(2, '0');
  return { email: `staff-${i}@${domain}`, phone: `+1-202-555-01${line}` };
}

function robots(domain: string): string {
  return `User-agent: *\nDisallow: /cart/\n\nSitemap: http://${domain}/sitemap_index.xml\n`;
}

function sitemapIndex(domain: string, sitemaps: number): string {
  const entries = Array.from(
    { length: sitemaps },
    (_, k) => `<sitemap><loc>http://${domain}/sitemap-${k + 1}.xml</loc></sitemap>`,
  );
  return `<?xml version="1.0" encoding="UTF-8"?>\n<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n${entries.join('\n')}\n</sitemapindex>\n`;
}

function urlset(domain: string, first: number, last: number): string {
  const entries: string[] = [];
  for (let i = first; i <= last; i++) {
    entries.push(
      `<url><loc>http://${domain}/page/${i}</loc><lastmod>2025-11-14</lastmod><changefreq>weekly</changefreq><priority>0.5</priority></url>`,
    );
  }
  return `<?xml version="1.0" encoding="UTF-8"?>\n<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n${entries.join('\n')}\n</urlset>\n`;
}

function page(domain: string, i: number): string {
  const { email, phone } = pageContacts(domain, i);
  return `<!DOCTYPE html><html><head><meta charset="utf-8"><title>Product ${i} – ${domain}</title></head>
<body><header><img src="/img/logo@2x.png" alt=""></header>
<main><h1>Product ${i}</h1><p>Hand-made, shipped in 2 days. Order no. 2025-${i}.</p>
<p>Questions? <a href="mailto:${email}?subject=Product%20${i}">${email}</a> · <a href="tel:${phone}">${phone}</a></p></main>
<footer>© 2025 ${domain} · v1.2.3</footer></body></html>\n`;
}

/**
 * An HTTP server on 127.0.0.1 that generates every site on request, so that 200 sites of 100
 * pages cost no memory: `http://bench-shop-007.com/robots.txt` names `/sitemap_index.xml`, which
 * lists the urlsets, which list `/page/1` … `/page/N`. Everything else is a 404.
 */
export async function startGeneratedSites(options: GeneratedSitesOptions): Promise<GeneratedSites> {
  const domains = Array.from({ length: options.domains }, (_, i) => domainName(i + 1));
  const known = new Set(domains);
  const sitemaps = Math.ceil(options.pagesPerDomain / options.pagesPerSitemap);
  let requests = 0;
  const sockets = new Set<Socket>();
  const server = createServer((req, res) => {
    requests++;
    const host = String(req.headers.host ?? '')
      .replace(/:\d+$/, '')
      .toLowerCase();
    const path = req.url ?? '/';
    const send = (type: string, body: string) =>
      res.writeHead(200, { 'content-type': type, 'content-length': Buffer.byteLength(body) }).end(body);
    if (!known.has(host)) return void res.writeHead(404).end();
    if (path === '/robots.txt') return send('text/plain; charset=utf-8', robots(host));
    if (path === '/sitemap_index.xml') return send('application/xml', sitemapIndex(host, sitemaps));
    const sitemap = /^\/sitemap-(\d+)\.xml$/.exec(path);
    const k = Number(sitemap?.[1]);
    if (sitemap && k >= 1 && k <= sitemaps) {
      const first = (k - 1) * options.pagesPerSitemap + 1;
      return send(
        'application/xml',
        urlset(host, first, Math.min(k * options.pagesPerSitemap, options.pagesPerDomain)),
      );
    }
    const pageMatch = /^\/page\/(\d+)$/.exec(path);
    const i = Number(pageMatch?.[1]);
    if (pageMatch && i >= 1 && i <= options.pagesPerDomain) return send('text/html; charset=utf-8', page(host, i));
    res.writeHead(404, { 'content-type': 'text/html' }).end('<h1>Not found</h1>');
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const port = (server.address() as AddressInfo).port;
  return {
    port,
    domains,
    connectTo: `::127.0.0.1:${port}`,
    requests: () => requests,
    close: async () => {
      for (const socket of sockets) socket.destroy();
      server.close();
      await once(server, 'close');
    },
  };
}

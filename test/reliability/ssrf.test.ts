import { lookup } from 'node:dns/promises';
import os from 'node:os';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FetchError } from '../../src/fetch/fetch-error.js';
import { HttpClient } from '../../src/fetch/http-client.js';
import { nonPublicAddress } from '../../src/fetch/non-public-address.js';
import { runCli } from '../helpers/cli.js';
import { useTestDatabase } from '../helpers/databases.js';
import { type Listening, listen, recorded } from './helpers/listen.js';
import { itLeaksNoSecrets, withPassword } from './helpers/secrets.js';

describe('security: the SSRF guard, end to end through pipectl process', () => {
  const t = useTestDatabase('postgres');
  let canary: Listening;
  let sites: Listening;

  /** Names this host maps to a private address in /etc/hosts (its own name usually is). */
  let hostsFileNames: string[] = [];

  beforeAll(async () => {
    const own = os.hostname();
    const addresses = await lookup(own, { all: true }).catch(() => []);
    if (addresses.length > 0 && addresses.every((a) => nonPublicAddress(a.address) !== undefined))
      hostsFileNames = [own];
    // Whatever reaches this port on loopback got past the guard.
    canary = await listen((_req, res) => res.end('you should not be here'), 0, ['127.0.0.1', '::1']);
    const c = canary.port;
    const xml = (body: string) => `<?xml version="1.0" encoding="UTF-8"?>\n${body}`;
    const laughs = Array.from({ length: 9 }, (_, i) => `<!ENTITY lol${i + 1} "${`&lol${i};`.repeat(10)}">`).join('\n');
    // The public-looking sites, reached through --connect-to for their first hop only.
    const routes: Record<
      string,
      Record<string, { status?: number; location?: string; type?: string; body?: string }>
    > = {
      'public-looking.shop-example.com': {
        '/robots.txt': { status: 302, location: `http://127.0.0.1:${c}/robots.txt` },
      },
      'metadata.shop-example.com': {
        '/robots.txt': { status: 301, location: 'http://169.254.169.254/latest/meta-data/' },
      },
      'six-to-four.shop-example.com': { '/robots.txt': { status: 307, location: `http://[2002:7f00:1::]:${c}/` } },
      'pages.shop-example.com': {
        '/robots.txt': { type: 'text/plain', body: 'User-agent: *\nAllow: /\nSitemap: /sitemap.xml\n' },
        '/sitemap.xml': {
          body: xml(
            '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"><url><loc>http://pages.shop-example.com/contact/</loc></url><url><loc>http://pages.shop-example.com/ok/</loc></url></urlset>',
          ),
        },
        '/contact/': { status: 302, location: `http://localhost:${c}/admin` },
        '/ok/': { type: 'text/html', body: '<p>Write to hello@shop-example.com</p>' },
      },
      'xxe.shop-example.com': {
        '/robots.txt': { type: 'text/plain', body: 'Sitemap: http://xxe.shop-example.com/sitemap.xml\n' },
        '/sitemap.xml': {
          body: xml(`<!DOCTYPE urlset [
  <!ENTITY passwd SYSTEM "file:///etc/passwd">
  <!ENTITY remote SYSTEM "http://127.0.0.1:${c}/xxe">
  <!ENTITY % dtd SYSTEM "http://127.0.0.1:${c}/evil.dtd"> %dtd;
]>
<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
  <url><loc>http://xxe.shop-example.com/a?x=&passwd;</loc></url>
  <url><loc>http://xxe.shop-example.com/b?x=&remote;</loc></url>
  <url><loc>http://xxe.shop-example.com/safe</loc></url>
</urlset>`),
        },
      },
      'laughs.shop-example.com': {
        '/robots.txt': { type: 'text/plain', body: 'Sitemap: /sitemap.xml\n' },
        '/sitemap.xml': {
          body: xml(`<!DOCTYPE urlset [\n<!ENTITY lol0 "lol">\n${laughs}\n]>
<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
  <url><loc>http://laughs.shop-example.com/&lol9;</loc></url>
  <url><loc>http://laughs.shop-example.com/safe</loc></url>
</urlset>`),
        },
      },
    };
    sites = await listen((req, res) => {
      const host = String(req.headers.host ?? '').replace(/:\d+$/, '');
      const route = routes[host]?.[req.url ?? '/'];
      if (!route) {
        res.writeHead(404);
        res.end();
        return;
      }
      res.writeHead(route.status ?? 200, {
        'content-type': route.type ?? 'application/xml',
        ...(route.location ? { location: route.location } : {}),
      });
      res.end(route.body ?? '');
    });
  });
  afterAll(async () => {
    await canary?.close();
    await sites?.close();
  });

  it('refuses every private address, however it is spelled or reached, and never connects to it', {
    timeout: 120_000,
  }, async () => {
    const c = canary.port;
    // Inserted by plain SQL, as an upstream system might: `domains add` would refuse most of them.
    const refused = [
      `localhost:${c}`,
      ...hostsFileNames.map((name) => `${name}:${c}`),
      `[::1]:${c}`,
      `[::ffff:127.0.0.1]:${c}`,
      `2130706433:${c}`,
      `0177.0.0.1:${c}`,
      `0x7f.1:${c}`,
      `127.1:${c}`,
      `0.0.0.0:${c}`,
      `[::]:${c}`,
      'public-looking.shop-example.com',
      'metadata.shop-example.com',
      'six-to-four.shop-example.com',
    ];
    const fine = ['pages.shop-example.com', 'xxe.shop-example.com', 'laughs.shop-example.com'];
    await sql`insert into domains (domain, sitemap_analysis_status) select unnest(${[...refused, ...fine]}::text[]), 'queued'`.execute(
      t.db,
    );
    const mapped = ['public-looking', 'metadata', 'six-to-four', 'pages', 'xxe', 'laughs'].map(
      (name) => `${name}.shop-example.com::127.0.0.1:${sites.port}`,
    );
    const started = performance.now();
    const r = recorded(
      await runCli(
        [
          'process',
          '--until-idle',
          '--scheme',
          'http',
          '--concurrency',
          '8',
          '--log-format',
          'json',
          '--retry-delay',
          '100ms',
        ],
        { env: { DATABASE_URL: withPassword(t.url ?? ''), PIPECTL_CONNECT_TO: mapped.join(',') }, timeoutMs: 120_000 },
      ),
    );
    expect(r.code, r.stderr).toBe(0);
    expect(canary.connections(), 'connections that reached the loopback canary').toBe(0);

    const domains = await t.db
      .selectFrom('domains')
      .select(['domain', 'sitemap_analysis_status as status', 'sitemap_analysis_error as error'])
      .execute();
    const byName = new Map(domains.map((d) => [d.domain, d]));
    for (const name of refused) {
      const d = byName.get(name);
      // A refusal is the site's outcome (design §5): the domain completes, with the reason.
      expect(d?.status, name).toBe('complete');
      expect(d?.error, name).toMatch(/refused to connect to .*(loopback|unspecified|link-local)/);
    }
    // A refusal is permanent: one attempt, no retries, and the job completes.
    const { rows: attempts } = await sql<{ domain: string; attempts: number }>`
      select d.domain, j.attempts from jobs j join domains d on d.id = j.domain_id
      where j.job_type = 'sitemap' and d.domain = any(${refused}::text[]) and (j.status <> 'complete' or j.attempts <> 1)
    `.execute(t.db);
    expect(attempts).toEqual([]);

    // A page that redirects to loopback is an error of its own; its sibling is scanned.
    const pages = await sql<{ url: string; status: string; error: string | null }>`
      select url, contact_scan_status as status, contact_scan_error as error from pages order by url
    `.execute(t.db);
    const contact = pages.rows.find((p) => p.url.endsWith('/contact/'));
    expect(contact?.status).toBe('error');
    expect(contact?.error).toMatch(/refused to connect to localhost \((127\.0\.0\.1|::1)\): a loopback address/);
    expect(pages.rows.find((p) => p.url.endsWith('/ok/'))?.status).toBe('complete');

    // XML external entities stay literal text and are never fetched; entities never expand.
    expect(byName.get('xxe.shop-example.com')?.status).toBe('complete');
    expect(byName.get('laughs.shop-example.com')?.status).toBe('complete');
    const { rows: leaks } = await sql<{ n: number; longest: number }>`
      select count(*) filter (where url like '%root:%' or url like '%lollol%')::int as n, max(length(url))::int as longest
      from pages
    `.execute(t.db);
    expect(leaks[0]?.n).toBe(0);
    expect(leaks[0]?.longest).toBeLessThan(200);
    expect(pages.rows.map((p) => p.url)).toContain('http://xxe.shop-example.com/safe');
    expect(pages.rows.map((p) => p.url)).toContain('http://laughs.shop-example.com/safe');
    expect(performance.now() - started).toBeLessThan(60_000);
  });
});

describe('security: the HTTP client refuses names that resolve to private addresses', () => {
  let canary: Listening;
  beforeAll(async () => {
    canary = await listen((_req, res) => res.end('no'), 0, ['127.0.0.1', '::1']);
  });
  afterAll(async () => canary?.close());

  // A resolver standing in for DNS (or an /etc/hosts line): public-looking names, private answers.
  const answers: Record<string, string[]> = {
    'intranet.shop-example.com': ['10.0.0.5'],
    'router.shop-example.com': ['192.168.1.1'],
    'metadata.shop-example.com': ['169.254.169.254'],
    'cgnat.shop-example.com': ['100.64.0.1'],
    'hosts-file.shop-example.com': ['127.0.0.1'],
    'v6-loopback.shop-example.com': ['::1'],
    'v6-mapped.shop-example.com': ['::ffff:127.0.0.1'],
    'v6-ula.shop-example.com': ['fd00::1'],
    'v6-link-local.shop-example.com': ['fe80::1'],
    'nat64.shop-example.com': ['64:ff9b::7f00:1'],
    'all-private.shop-example.com': ['127.0.0.1', '10.1.2.3', '::1'],
  };

  it.each(Object.keys(answers))('refuses %s before connecting', async (name) => {
    const client = new HttpClient({ lookupAll: async (host) => answers[host] ?? [], connectTimeoutMs: 2000 });
    try {
      const err = await client.fetch(`http://${name}:${canary.port}/`).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(FetchError);
      expect((err as FetchError).code).toBe('ssrf_refused');
      expect((err as FetchError).permanent).toBe(true);
    } finally {
      await client.close();
    }
    expect(canary.connections()).toBe(0);
  });
});

itLeaksNoSecrets();

import { lookup } from 'node:dns/promises';
import { once } from 'node:events';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CheckRun } from '../../src/checks/check-result.js';
import { FetchError } from '../../src/fetch/fetch-error.js';
import { HttpClient } from '../../src/fetch/http-client.js';
import { nonPublicAddress } from '../../src/fetch/non-public-address.js';
import { type CliResult, runCli } from '../helpers/cli.js';
import { useTestDatabase } from '../helpers/databases.js';
import { addSecret, databasePassword, itLeaksNoSecrets, recordOutput, withPassword } from './helpers/secrets.js';

/** A server on 127.0.0.1 (and ::1 when the host has it) that counts every connection it gets. */
interface Listening {
  port: number;
  connections: () => number;
  close: () => Promise<void>;
}

async function listen(
  handler: (req: IncomingMessage, res: ServerResponse) => void,
  port = 0,
  hosts = ['127.0.0.1'],
): Promise<Listening> {
  const servers: Server[] = [];
  let connections = 0;
  let chosen = port;
  for (const host of hosts) {
    const server = createServer(handler);
    server.on('connection', () => connections++);
    server.on('error', () => {});
    server.listen(chosen, host);
    const result = await Promise.race([
      once(server, 'listening').then(() => true),
      once(server, 'error').then(() => false),
    ]);
    if (!result) continue;
    chosen = (server.address() as AddressInfo).port;
    servers.push(server);
  }
  return {
    port: chosen,
    connections: () => connections,
    close: async () => {
      for (const s of servers) {
        s.closeAllConnections();
        s.close();
      }
    },
  };
}

function tempFile(name: string, text: string): string {
  const file = path.join(mkdtempSync(path.join(os.tmpdir(), 'pipectl-security-')), name);
  writeFileSync(file, text);
  return file;
}

function recorded(r: CliResult): CliResult {
  recordOutput(r);
  return r;
}

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
        { DATABASE_URL: withPassword(t.url ?? ''), PIPECTL_CONNECT_TO: mapped.join(',') },
        120_000,
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
      expect(d?.status, name).toBe('error');
      expect(d?.error, name).toMatch(/refused to connect to .*(loopback|unspecified|link-local)/);
    }
    // A refusal is permanent: one attempt, no retries.
    const { rows: attempts } = await sql<{ domain: string; attempts: number }>`
      select d.domain, j.attempts from jobs j join domains d on d.id = j.domain_id
      where j.job_type = 'sitemap' and d.domain = any(${refused}::text[]) and (j.status <> 'failed' or j.attempts <> 1)
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

describe('security: check SQL cannot write, even trying hard', () => {
  const t = useTestDatabase('postgres');
  const run = async (file: string) =>
    recorded(await runCli(['check', '--config', file, '--json'], { DATABASE_URL: withPassword(t.url ?? '') }));

  beforeAll(async () => {
    await sql`create table rel_side_effects (at timestamptz not null default now())`.execute(t.db);
    await sql`create sequence rel_seq`.execute(t.db);
    await sql`
      create function rel_side_effect() returns int language plpgsql as $$
      begin insert into rel_side_effects default values; return 1; end $$
    `.execute(t.db);
    // A function that asks for a read-write transaction itself, with its owner's rights.
    await sql`
      create function rel_sneaky() returns int language plpgsql security definer
      set transaction_read_only = off as $$
      begin insert into rel_side_effects default values; return 1; end $$
    `.execute(t.db);
    await sql`insert into domains (domain, sitemap_analysis_status) values ('kept.example.com', 'complete')`.execute(
      t.db,
    );
  });

  async function assertNothingWritten(): Promise<void> {
    const { rows } = await sql<{ effects: number; seq_called: boolean; domains: string; objects: number }>`
      select (select count(*)::int from rel_side_effects) as effects,
        (select is_called from rel_seq) as seq_called,
        (select string_agg(domain || ':' || sitemap_analysis_status, ',') from domains) as domains,
        (select count(*)::int from pg_largeobject_metadata) as objects
    `.execute(t.db);
    expect(rows[0]).toEqual({ effects: 0, seq_called: false, domains: 'kept.example.com:complete', objects: 0 });
  }

  const check = (name: string, query: string) =>
    `  - name: ${name}\n    description: an attempt to write\n    severity: fail\n    sql: |\n${query
      .split('\n')
      .map((l) => `      ${l}`)
      .join('\n')}\n`;

  it('every write attempt inside a single query is an error, and nothing is written', { timeout: 60_000 }, async () => {
    const attempts: Record<string, string> = {
      'side-effect-function': 'select rel_side_effect() as n',
      'definer-function-asking-read-write': 'select rel_sneaky() as n',
      'set-config-read-write-first': "select set_config('transaction_read_only', 'off', true), rel_side_effect()",
      'writable-cte': "with d as (update domains set sitemap_analysis_status = 'queued' returning id) select * from d",
      'writable-cte-delete': 'with d as (delete from domains returning id) select count(*) from d',
      'sequence-nextval': "select nextval('rel_seq')",
      // READ ONLY lets this one through; found by this suite, fixed by rolling every check back.
      'large-object': "select lo_from_bytea(0, 'x'::bytea)",
      'row-lock': 'select id from domains for update',
      'insert-select': 'select * from (insert into rel_side_effects default values returning at) x',
    };
    const r = await run(
      tempFile(
        'attempts.yml',
        `checks:\n${Object.entries(attempts)
          .map(([n, q]) => check(n, q))
          .join('')}`,
      ),
    );
    expect(r.code, r.stderr).toBe(2);
    const report = JSON.parse(r.stdout) as CheckRun;
    expect(Object.fromEntries(report.checks.map((c) => [c.name, c.status]))).toEqual(
      Object.fromEntries(Object.keys(attempts).map((n) => [n, 'error'])),
    );
    for (const c of report.checks) expect(c.error, c.name).toBeTruthy();
    // The three that reach the database's read-only guard say so.
    const readOnly = report.checks.filter((c) => /read-only|read only/i.test(c.error ?? '')).map((c) => c.name);
    expect(readOnly).toEqual(expect.arrayContaining(['side-effect-function', 'sequence-nextval', 'row-lock']));
    await assertNothingWritten();
  });

  it.each([
    [
      'SET TRANSACTION READ WRITE first',
      "set transaction read write;\nupdate domains set sitemap_analysis_status = 'queued'",
    ],
    ['COMMIT, then a write', "commit;\nupdate domains set sitemap_analysis_status = 'queued'"],
    ['a second statement after a query', 'select 1;\ndelete from domains'],
    ['a bare UPDATE', "update domains set sitemap_analysis_status = 'queued' returning id"],
  ])('refuses %s before it reaches the database (exit 2)', async (_what, query) => {
    const r = await run(tempFile('multi.yml', `checks:\n${check('sneaky', query)}`));
    expect(r.code, r.stdout).toBe(2);
    await assertNothingWritten();
  });

  it('cannot lift its own statement timeout', { timeout: 60_000 }, async () => {
    const file = tempFile(
      'timeout.yml',
      `checks:\n${check('sleeper', "select set_config('statement_timeout', '0', true), pg_sleep(30)").replace(
        '    severity: fail\n',
        '    severity: fail\n    timeout: 1s\n',
      )}`,
    );
    const started = performance.now();
    const r = await run(file);
    expect(performance.now() - started).toBeLessThan(15_000);
    const report = JSON.parse(r.stdout) as CheckRun;
    expect(report.checks[0]?.status).toBe('error');
    expect(report.checks[0]?.error).toMatch(/timed out/);
  });
});

describe('security: the webhook URL and the database password never come out', () => {
  const t = useTestDatabase('postgres');
  const token = 'XoXoSeCrEtToKeN0123456789';
  let slack: Listening;
  let answer: { status: number; body: (url: string) => string } = { status: 200, body: () => 'ok' };
  let webhook = '';

  beforeAll(async () => {
    slack = await listen((req, res) => {
      let body = '';
      req.on('data', (d) => {
        body += d;
      });
      req.on('end', () => {
        res.writeHead(answer.status, { 'content-type': 'text/plain' });
        // A hostile or broken endpoint that echoes what it was sent, URL included.
        res.end(answer.body(`http://127.0.0.1:${slack.port}${req.url} ${body.slice(0, 50)}`));
      });
    });
    webhook = `http://127.0.0.1:${slack.port}/services/T0RELIAB/B0RELIAB/${token}`;
    addSecret(webhook);
    addSecret(token);
  });
  afterAll(async () => slack?.close());

  const failing = () =>
    tempFile(
      'failing.yml',
      'checks:\n  - name: always-fires\n    description: fires on every run\n    severity: fail\n    sql: select 1 as one\n',
    );

  it('keeps the webhook out of every answer, error and --debug stack', { timeout: 120_000 }, async () => {
    const env = { DATABASE_URL: withPassword(t.url ?? '') };
    const config = failing();
    const runs: [string, typeof answer, string[], Record<string, string>][] = [
      ['delivered', { status: 200, body: () => 'ok' }, ['--slack-webhook', webhook], {}],
      ['500 three times', { status: 500, body: (u) => `upstream error for ${u}` }, ['--slack-webhook', webhook], {}],
      [
        '404 echoing the URL',
        { status: 404, body: (u) => `no_service: ${u}` },
        ['--slack-webhook', webhook, '--debug'],
        {},
      ],
      ['403 invalid_token', { status: 403, body: () => 'invalid_token' }, [], { SLACK_WEBHOOK_URL: webhook }],
      ['dry run', { status: 200, body: () => 'ok' }, ['--slack-dry-run', '--slack-webhook', webhook], {}],
    ];
    for (const [what, a, flags, extraEnv] of runs) {
      answer = a;
      await sql`delete from alert_state`.execute(t.db);
      for (const json of [true, false]) {
        const r = recorded(
          await runCli(
            [
              'check',
              '--config',
              config,
              ...(json ? ['--json'] : []),
              '--slack-timeout',
              '2s',
              ...flags,
              ...(flags.includes('--slack-dry-run') ? [] : ['--slack']),
            ],
            { ...env, ...extraEnv },
          ),
        );
        expect([1, 2], `${what}: ${r.stderr}`).toContain(r.code);
        await sql`delete from alert_state`.execute(t.db);
      }
    }
    expect(slack.connections()).toBeGreaterThan(0);
    // Nobody listening any more: a network error names no URL either.
    await slack.close();
    const r = recorded(
      await runCli(
        ['check', '--config', config, '--slack', '--slack-webhook', webhook, '--slack-timeout', '1s', '--debug'],
        env,
      ),
    );
    expect(r.code).toBe(2);
  });

  it('keeps the database password out of errors, --json documents and --debug stacks', {
    timeout: 120_000,
  }, async () => {
    const down = `postgres://postgres:${databasePassword}@127.0.0.1:1/pipectl_nowhere`;
    const commands = [
      ['db', 'status', '--json'],
      ['db', 'status', '--debug'],
      ['check', '--json'],
      ['domains', 'list', '--json'],
      ['audit', 'stuck', '--json'],
      ['process', '--until-idle', '--log-format', 'json'],
    ];
    for (const args of commands) {
      const r = recorded(await runCli(args, { DATABASE_URL: down }, 60_000));
      expect(r.code, `${args.join(' ')}: ${r.stderr}`).toBe(2);
    }
    // The same through the flag, and a URL that does not parse.
    for (const url of [down, `postgres://postgres:${databasePassword}@[::1/bad`]) {
      recorded(await runCli(['db', 'status', '--json', '--database-url', url], {}));
    }
    // And a working database: status, checks, audits print where they are connected.
    const up = withPassword(t.url ?? '');
    for (const args of [
      ['db', 'status', '--json'],
      ['db', 'status'],
      ['check', '--json'],
      ['audit', 'stuck'],
    ]) {
      recorded(await runCli(args, { DATABASE_URL: up }));
    }
  });
});

itLeaksNoSecrets();

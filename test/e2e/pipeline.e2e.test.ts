import { type Kysely, sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../../src/db/schema.js';
import { type SiteServer, startSiteServer } from '../../src/demo/site-server.js';
import type { CliResult } from '../helpers/cli.js';
import { serverUrl } from '../helpers/test-env.js';
import { pipelineDomains, pipelineSites } from './pipeline-sites.js';
import { type E2eDatabase, pipectl, useE2eDatabase, type WorkerStopped, workerStopped } from './run-pipectl.js';

/*
 * Issue 5, end to end through the real CLI: `pipectl domains add`, then `pipectl process
 * --until-idle` with every stage (WF4 → WF5 → WF7) against the sites of pipeline-sites.ts, on
 * the embedded database and on the server (at the same time, each in its own beforeAll chain).
 * Then the same work is done again three ways, and nothing may be duplicated or changed:
 *
 * 1. a worker crashed after WF5 inserted a file's pages but before its commit (the job is left
 *    running with an expired lease, its contact scans never enqueued, its pages unscanned);
 * 2. an operator retries jobs that had completed (marked failed, then `pipectl jobs retry`);
 * 3. the incident's own remedy: every domain set back to `queued` with plain SQL.
 */

/** A page as asserted: [url, lastmod, changefreq, priority, contact_scan_status, contact_scan_error, sitemap file]. */
type PageRow = [string, string | null, string | null, number | null, string, string | null, string | null];
/** A contact as asserted: [domain, kind, value, url of the page it was first seen on]. */
type ContactRow = [string, string, string, string | null];
/** The incident report's end-to-end join for one domain. */
interface JoinRow {
  domain: string;
  sitemap_count: number;
  page_count: number;
}

/** Everything compared between runs, ids included: a re-run must not add, drop or renumber a row. */
interface Snapshot {
  pages: PageRow[];
  pageIds: string[];
  contactIds: string[];
  contacts: ContactRow[];
  join: JoinRow[];
  urlCounts: Record<string, number | null>;
  /** Jobs by type and status, e.g. `page_import complete: 5`. */
  jobs: Record<string, number>;
}

interface Run {
  name: 'pglite' | 'postgres';
  skip: boolean;
  db: E2eDatabase;
  first?: { process: CliResult; snapshot: Snapshot };
  retried?: { retry: CliResult; process: CliResult; snapshot: Snapshot; rescuedFile: string };
  requeued?: { process: CliResult; snapshot: Snapshot };
}

const runs: Run[] = [
  { name: 'pglite', skip: false, db: useE2eDatabase('pglite') },
  {
    name: 'postgres',
    skip: serverUrl === undefined,
    db: serverUrl === undefined ? ({} as E2eDatabase) : useE2eDatabase('postgres'),
  },
];

let site: SiteServer;

/** A phase's outcome, recorded by beforeAll (which fails the file if a phase could not run). */
function phase<T>(value: T | undefined): T {
  if (value === undefined) throw new Error('this phase did not run: see the beforeAll error');
  return value;
}

const processArgs = ['process', '--until-idle', '--retry-delay', '100ms', '--poll-interval', '250ms'];
const processArgsWithLogs = [...processArgs, '--log-format', 'json'];

/** Orders rows by their keys, each compared by code point. */
function compareKeys(a: string[], b: string[]): number {
  for (const [i, x] of a.entries()) {
    const y = b[i] ?? '';
    if (x !== y) return x < y ? -1 : 1;
  }
  return 0;
}

async function snapshot(db: Kysely<Database>): Promise<Snapshot> {
  const pages = await db
    .selectFrom('pages as p')
    .innerJoin('domains as d', 'd.id', 'p.domain_id')
    .leftJoin('sitemap_files as f', 'f.id', 'p.sitemap_file_id')
    .select([
      'p.id',
      'p.url',
      'p.lastmod',
      'p.changefreq',
      'p.priority',
      'p.contact_scan_status',
      'p.contact_scan_error',
      'f.url as file',
      'd.domain',
    ])
    .execute();
  // Sorted here, by code point, rather than by the server, whose collation may order '-', '.'
  // and '/' differently from the expected lists below.
  pages.sort((a, b) => compareKeys([a.domain, a.url], [b.domain, b.url]));
  const contacts = await db
    .selectFrom('contacts as c')
    .innerJoin('domains as d', 'd.id', 'c.domain_id')
    .leftJoin('pages as p', 'p.id', 'c.page_id')
    .select(['c.id', 'd.domain', 'c.kind', 'c.value', 'p.url'])
    .execute();
  contacts.sort((a, b) => compareKeys([a.domain, a.kind, a.value], [b.domain, b.kind, b.value]));
  const join: JoinRow[] = [];
  for (const domain of pipelineDomains) {
    // The incident report's query, as written there.
    const { rows } = await sql<JoinRow>`
      SELECT d.domain, COUNT(DISTINCT sf.id) AS sitemap_count, COUNT(DISTINCT p.id) AS page_count
      FROM domains d
      LEFT JOIN sitemap_files sf ON d.id = sf.domain_id
      LEFT JOIN pages p ON sf.id = p.sitemap_file_id
      WHERE d.domain = ${domain}
      GROUP BY d.domain
    `.execute(db);
    join.push(...rows.map((r) => ({ ...r, sitemap_count: Number(r.sitemap_count), page_count: Number(r.page_count) })));
  }
  const files = await db.selectFrom('sitemap_files').select(['url', 'url_count']).execute();
  const jobs = await sql<{ key: string; n: number }>`
    select job_type || ' ' || status as key, count(*)::int as n from jobs group by 1 order by 1
  `.execute(db);
  return {
    pages: pages.map((p) => [
      p.url,
      p.lastmod === null ? null : new Date(p.lastmod).toISOString(),
      p.changefreq,
      p.priority === null ? null : Number(p.priority),
      p.contact_scan_status,
      p.contact_scan_error,
      p.file,
    ]),
    pageIds: pages.map((p) => `${p.id} ${p.url}`),
    contactIds: contacts.map((c) => `${c.id} ${c.kind} ${c.value}`),
    contacts: contacts.map((c) => [c.domain, c.kind, c.value, c.url]),
    join,
    urlCounts: Object.fromEntries(files.map((f) => [f.url, f.url_count])),
    jobs: Object.fromEntries(jobs.rows.map((r) => [r.key, r.n])),
  };
}

/**
 * Leaves one WF5 job as a worker that died between its page inserts and its commit would: still
 * `running` under a dead worker with an expired lease, its file's `url_count` unset, no contact
 * scan enqueued for its pages, and the pages still `pending`. The contacts stay: the re-scan must
 * find them already stored and add nothing. Returns the file's URL.
 */
async function simulateCrashedPageImport(db: Kysely<Database>): Promise<string> {
  const url = 'http://alpenblick-hotel.de/page-sitemap.xml';
  const file = await db.selectFrom('sitemap_files').select('id').where('url', '=', url).executeTakeFirstOrThrow();
  await db.transaction().execute(async (trx) => {
    await sql`
      update jobs set status = 'running', locked_by = 'crashed-host:4242:dead', lease_expires_at = now() - interval '1 minute',
        finished_at = null
      where job_type = 'page_import' and sitemap_file_id = ${file.id}
    `.execute(trx);
    await sql`
      delete from jobs where job_type = 'contact_scan'
        and page_id in (select id from pages where sitemap_file_id = ${file.id})
    `.execute(trx);
    await sql`
      update pages set contact_scan_status = 'pending', contact_scan_error = null, scanned_at = null
      where sitemap_file_id = ${file.id}
    `.execute(trx);
    await sql`update sitemap_files set url_count = null where id = ${file.id}`.execute(trx);
  });
  return url;
}

/** Marks every completed job of two domains failed, as if their workers had never reported the commits. */
async function failCompletedJobs(db: Kysely<Database>): Promise<void> {
  await sql`
    update jobs set status = 'failed', last_error = 'simulated: the worker never saw its commit'
    where status = 'complete' and domain_id in (
      select id from domains where domain in ('harbour-dental.co.uk', 'lakeshore-realty.com')
    )
  `.execute(db);
}

async function runPipeline(run: Run): Promise<void> {
  const env = { PIPECTL_CONNECT_TO: site.connectTo.join(',') };
  await pipectl(run.db, ['domains', 'add', ...pipelineDomains]);
  const first = await pipectl(run.db, processArgsWithLogs, { env });
  run.first = { process: first, snapshot: await snapshot(await run.db.open()) };

  const db = await run.db.open();
  const rescuedFile = await simulateCrashedPageImport(db);
  await failCompletedJobs(db);
  const retry = await pipectl(run.db, ['jobs', 'retry', '--status', 'failed', '--yes']);
  const retried = await pipectl(run.db, processArgsWithLogs, { env });
  run.retried = { retry, process: retried, snapshot: await snapshot(await run.db.open()), rescuedFile };

  await sql`update domains set sitemap_analysis_status = 'queued'`.execute(await run.db.open());
  const requeued = await pipectl(run.db, processArgsWithLogs, { env });
  run.requeued = { process: requeued, snapshot: await snapshot(await run.db.open()) };
}

beforeAll(async () => {
  site = await startSiteServer(pipelineSites);
  await Promise.all(runs.filter((r) => !r.skip).map(runPipeline));
}, 150_000);

afterAll(async () => {
  await site?.close();
});

const alpen = 'http://alpenblick-hotel.de';
const harbour = 'http://harbour-dental.co.uk';
const lake = 'http://lakeshore-realty.com';
const disallowed = 'disallowed by robots.txt for pipectl/0.1.0 (+sitemap discovery)';

const expectedPages: PageRow[] = [
  [`${alpen}/`, '2025-11-03T06:15:00.000Z', 'weekly', 1, 'complete', null, `${alpen}/page-sitemap.xml`],
  [`${alpen}/alte-preise`, null, null, null, 'error', 'HTTP 404', `${alpen}/page-sitemap.xml`],
  // The fragment is dropped; the invalid changefreq ("fortnightly") and priority (2.0) are not kept.
  [`${alpen}/anreise`, null, null, null, 'complete', null, `${alpen}/page-sitemap.xml`],
  [`${alpen}/impressum`, null, 'yearly', 0.3, 'complete', null, `${alpen}/page-sitemap.xml`],
  [`${alpen}/intern/dienstplan`, null, null, null, 'skipped', disallowed, `${alpen}/page-sitemap.xml`],
  // Listed twice: the first entry's fields win.
  [`${alpen}/kontakt`, '2025-10-20T00:00:00.000Z', null, 0.8, 'complete', null, `${alpen}/page-sitemap.xml`],
  [
    `${alpen}/prospekt-2026.pdf`,
    null,
    null,
    null,
    'skipped',
    'not an HTML page (application/pdf)',
    `${alpen}/page-sitemap.xml`,
  ],
  // Listed as http://Alpenblick-Hotel.DE/wellness: the host is lower-cased.
  [`${alpen}/wellness`, null, null, null, 'complete', null, `${alpen}/page-sitemap.xml`],
  [
    `${alpen}/zimmer/doppelzimmer`,
    '2025-06-30T12:00:00.000Z',
    null,
    null,
    'complete',
    null,
    `${alpen}/zimmer-sitemap.xml.gz`,
  ],
  [
    `${alpen}/zimmer/einzelzimmer`,
    '2025-06-30T12:00:00.000Z',
    null,
    null,
    'complete',
    null,
    `${alpen}/zimmer-sitemap.xml.gz`,
  ],
  // A subdomain is the same site.
  ['http://shop.alpenblick-hotel.de/gutscheine', null, null, null, 'complete', null, `${alpen}/page-sitemap.xml`],
  [`${harbour}/`, null, null, null, 'complete', null, `${harbour}/sitemap.txt`],
  [`${harbour}/contact`, null, null, null, 'complete', null, `${harbour}/sitemap.txt`],
  // Disallowed for * and Googlebot, but pipectl's own group allows it.
  [`${harbour}/fees`, null, null, null, 'complete', null, `${harbour}/sitemap.txt`],
  [`${harbour}/patients/portal`, null, null, null, 'skipped', disallowed, `${harbour}/sitemap.txt`],
  [`${harbour}/team`, null, null, null, 'complete', null, `${harbour}/sitemap.txt`],
  [`${lake}/`, null, 'daily', null, 'complete', null, `${lake}/sitemap-pages.xml`],
  [`${lake}/agents/maria-lopez`, null, null, null, 'complete', null, `${lake}/sitemap-pages.xml`],
  [`${lake}/contact`, '2025-09-01T05:00:00.000Z', null, null, 'complete', null, `${lake}/sitemap-pages.xml`],
  [
    `${lake}/listings/412-oak-street`,
    '2025-11-14T00:00:00.000Z',
    null,
    0.5,
    'complete',
    null,
    `${lake}/sitemap-listings.xml`,
  ],
];

const expectedContacts: ContactRow[] = [
  // &#64; entity
  ['alpenblick-hotel.de', 'email', 'buchhaltung@alpenblick-hotel.de', `${alpen}/impressum`],
  ['alpenblick-hotel.de', 'email', 'gutscheine@alpenblick-hotel.de', 'http://shop.alpenblick-hotel.de/gutscheine'],
  // info(at)…
  ['alpenblick-hotel.de', 'email', 'info@alpenblick-hotel.de', `${alpen}/kontakt`],
  // mailto: with a query, mixed case
  ['alpenblick-hotel.de', 'email', 'rezeption@alpenblick-hotel.de', `${alpen}/kontakt`],
  // spa [at] … [dot] de
  ['alpenblick-hotel.de', 'email', 'spa@alpenblick-hotel.de', `${alpen}/wellness`],
  // In the footer of every page of the file ("Tel.: +49 …"), and "Telefon: 08821 73090" read in
  // region DE on /kontakt: one contact, first seen on the first page.
  ['alpenblick-hotel.de', 'phone', '+49882173090', `${alpen}/`],
  // tel: link
  ['alpenblick-hotel.de', 'phone', '+498821730912', `${alpen}/kontakt`],
  // "Telefon 08821 730 920", national, region DE
  ['alpenblick-hotel.de', 'phone', '+498821730920', `${alpen}/zimmer/doppelzimmer`],
  // International form, with no label
  ['alpenblick-hotel.de', 'phone', '+498821730930', `${alpen}/anreise`],
  // Cloudflare /cdn-cgi/l/email-protection#… link
  ['harbour-dental.co.uk', 'email', 'appointments@harbour-dental.co.uk', `${harbour}/contact`],
  ['harbour-dental.co.uk', 'email', 'billing@harbour-dental.co.uk', `${harbour}/fees`],
  // priya.shah [at] harbour-dental [dot] co [dot] uk
  ['harbour-dental.co.uk', 'email', 'priya.shah@harbour-dental.co.uk', `${harbour}/team`],
  // Cloudflare data-cfemail, in the footer
  ['harbour-dental.co.uk', 'email', 'reception@harbour-dental.co.uk', `${harbour}/`],
  // "Tel 0161 496 0753", national, region GB
  ['harbour-dental.co.uk', 'phone', '+441614960753', `${harbour}/contact`],
  // "Phone: 020 7946 0018" in the footer
  ['harbour-dental.co.uk', 'phone', '+442079460018', `${harbour}/`],
  // "Mobile: 07911 123456"
  ['harbour-dental.co.uk', 'phone', '+447911123456', `${harbour}/team`],
  // &#x40; entity
  ['lakeshore-realty.com', 'email', 'j.chen@lakeshore-realty.com', `${lake}/agents/maria-lopez`],
  // maria.lopez AT lakeshore-realty DOT com
  ['lakeshore-realty.com', 'email', 'maria.lopez@lakeshore-realty.com', `${lake}/agents/maria-lopez`],
  ['lakeshore-realty.com', 'email', 'office@lakeshore-realty.com', `${lake}/contact`],
  // mailto:sales@…,rentals%40…?cc=boss@…: a list, percent-decoded, the query (and its cc) dropped
  ['lakeshore-realty.com', 'email', 'rentals@lakeshore-realty.com', `${lake}/contact`],
  ['lakeshore-realty.com', 'email', 'sales@lakeshore-realty.com', `${lake}/contact`],
  // tel:+1-312-555-0142;ext=204; "Phone: (312) 555-0100" beside it has no region on a .com
  ['lakeshore-realty.com', 'phone', '+13125550142;ext=204', `${lake}/contact`],
  ['lakeshore-realty.com', 'phone', '+13125550188', `${lake}/listings/412-oak-street`],
  ['lakeshore-realty.com', 'phone', '+13125550199', `${lake}/agents/maria-lopez`],
];

const expectedJoin: JoinRow[] = [
  // The index, two urlsets and the child that answered 500.
  { domain: 'alpenblick-hotel.de', sitemap_count: 4, page_count: 11 },
  { domain: 'harbour-dental.co.uk', sitemap_count: 1, page_count: 5 },
  // Two indexes and two urlsets.
  { domain: 'lakeshore-realty.com', sitemap_count: 4, page_count: 4 },
  { domain: 'quiet-pottery.com', sitemap_count: 0, page_count: 0 },
  { domain: 'closed-florist.com', sitemap_count: 1, page_count: 0 },
];

const expectedUrlCounts = {
  [`${alpen}/news-sitemap.xml`]: null,
  [`${alpen}/page-sitemap.xml`]: 11,
  [`${alpen}/sitemap_index.xml`]: 3,
  [`${alpen}/zimmer-sitemap.xml.gz`]: 2,
  'http://closed-florist.com/sitemap.xml': null,
  [`${harbour}/sitemap.txt`]: 6,
  [`${lake}/sitemap-listings-index.xml`]: 1,
  [`${lake}/sitemap-listings.xml`]: 2,
  [`${lake}/sitemap-pages.xml`]: 3,
  [`${lake}/sitemap.xml`]: 2,
};

/** What WF5 logged per sitemap file: [file URL, entries read, pages inserted, off-site, invalid]. */
function importLog(result: CliResult, ids: Map<number, string>): [string, number, number, number, number][] {
  return result.stdout
    .split('\n')
    .filter((l) => l.includes('"pages imported"'))
    .map(
      (l) =>
        JSON.parse(l) as {
          sitemapFileId: number;
          urlCount: number;
          inserted: number;
          offSite: number;
          invalid: number;
        },
    )
    .map((l): [string, number, number, number, number] => [
      ids.get(l.sitemapFileId) ?? String(l.sitemapFileId),
      l.urlCount,
      l.inserted,
      l.offSite,
      l.invalid,
    ])
    .sort((a, b) => (a[0] < b[0] ? -1 : 1));
}

describe.each(runs)('the pipeline end to end through the CLI on $name', (run) => {
  describe.skipIf(run.skip)(run.name, () => {
    const first = () => phase(run.first);
    let fileUrls: Map<number, string>;
    beforeAll(async () => {
      const db = await run.db.open();
      const files = await db.selectFrom('sitemap_files').select(['id', 'url']).execute();
      fileUrls = new Map(files.map((f) => [Number(f.id), f.url]));
    });

    it('runs every stage to completion: each domain complete, the one whose only sitemap is a 404 included', async () => {
      const db = await run.db.open();
      const domains = await db
        .selectFrom('domains')
        .select(['domain', 'sitemap_analysis_status as status'])
        .orderBy('domain')
        .execute();
      expect(domains).toEqual([
        { domain: 'alpenblick-hotel.de', status: 'complete' },
        { domain: 'closed-florist.com', status: 'complete' },
        { domain: 'harbour-dental.co.uk', status: 'complete' },
        { domain: 'lakeshore-realty.com', status: 'complete' },
        { domain: 'quiet-pottery.com', status: 'complete' },
      ]);
      expect(first().snapshot.jobs).toEqual({
        'contact_scan complete': 5,
        'page_import complete': 5,
        'sitemap complete': 5,
      });
      expect(workerStopped(first().process)).toMatchObject({
        reason: 'idle',
        completed: 15,
        failed: 0,
      });
    });

    it('imports exactly the expected pages, with their sitemap fields and scan outcomes', () => {
      expect(first().snapshot.pages).toEqual(expectedPages);
    });

    it('counts and reports off-site URLs instead of importing them, and records url_count per file', () => {
      const log = importLog(first().process, fileUrls);
      expect(log).toEqual([
        // 11 entries: a duplicate of /kontakt and booking.com (off-site) are not inserted.
        [`${alpen}/page-sitemap.xml`, 11, 9, 1, 0],
        [`${alpen}/zimmer-sitemap.xml.gz`, 2, 2, 0, 0],
        // The NHS page is off-site.
        [`${harbour}/sitemap.txt`, 6, 5, 1, 0],
        // Zillow is off-site.
        [`${lake}/sitemap-listings.xml`, 2, 1, 1, 0],
        [`${lake}/sitemap-pages.xml`, 3, 3, 0, 0],
      ]);
      expect(first().snapshot.urlCounts).toEqual(expectedUrlCounts);
    });

    it('extracts exactly the expected contacts, each with the page it was first seen on, and none of the decoys', () => {
      expect(first().snapshot.contacts).toEqual(expectedContacts);
    });

    it('the incident report’s end-to-end join gives each domain’s sitemap and page counts', () => {
      expect(first().snapshot.join).toEqual(expectedJoin);
    });

    it('a WF5 worker that died before its commit is rescued and re-run, and retried jobs re-run: nothing is duplicated', () => {
      const retried = phase(run.retried);
      // harbour-dental.co.uk and lakeshore-realty.com: 2 sitemap + 3 page_import + 3 contact_scan
      // jobs. (closed-florist.com's 404 is the site's outcome: its sitemap job completed.)
      expect(retried.retry.stdout).toContain('8 of 8 jobs retried.');
      expect(workerStopped(retried.process)).toMatchObject<Partial<WorkerStopped>>({
        reason: 'idle',
        rescued: 1,
        failed: 0,
      });
      // The rescued import read its file again, inserted nothing, and enqueued the scans its
      // commit had never enqueued; the retried imports inserted nothing either. (A retried
      // sitemap job may enqueue a second import of a file whose retried import already ran.)
      const imports = importLog(retried.process, fileUrls);
      expect(new Set(imports.map(([file]) => file))).toEqual(
        new Set([
          `${alpen}/page-sitemap.xml`,
          `${harbour}/sitemap.txt`,
          `${lake}/sitemap-listings.xml`,
          `${lake}/sitemap-pages.xml`,
        ]),
      );
      expect(imports.filter(([, , inserted]) => inserted !== 0)).toEqual([]);
      expect(retried.snapshot.pages.filter((p) => p[6] === retried.rescuedFile).every((p) => p[4] !== 'pending')).toBe(
        true,
      );
      expect(retried.snapshot.pages).toEqual(expectedPages);
      expect(retried.snapshot.pageIds).toEqual(first().snapshot.pageIds);
      expect(retried.snapshot.contacts).toEqual(expectedContacts);
      expect(retried.snapshot.contactIds).toEqual(first().snapshot.contactIds);
      expect(retried.snapshot.join).toEqual(expectedJoin);
      expect(retried.snapshot.urlCounts).toEqual(expectedUrlCounts);
      const { jobs } = retried.snapshot;
      expect(Object.keys(jobs).sort()).toEqual(['contact_scan complete', 'page_import complete', 'sitemap complete']);
    });

    it('requeueing every domain with plain SQL runs the whole pipeline again: nothing is duplicated', () => {
      const requeued = phase(run.requeued);
      expect(workerStopped(requeued.process)).toMatchObject({ reason: 'idle', failed: 0 });
      // Every urlset-like file was imported again, and inserted nothing.
      expect(importLog(requeued.process, fileUrls)).toEqual([
        [`${alpen}/page-sitemap.xml`, 11, 0, 1, 0],
        [`${alpen}/zimmer-sitemap.xml.gz`, 2, 0, 0, 0],
        [`${harbour}/sitemap.txt`, 6, 0, 1, 0],
        [`${lake}/sitemap-listings.xml`, 2, 0, 1, 0],
        [`${lake}/sitemap-pages.xml`, 3, 0, 0, 0],
      ]);
      expect(requeued.snapshot.pages).toEqual(expectedPages);
      expect(requeued.snapshot.pageIds).toEqual(first().snapshot.pageIds);
      expect(requeued.snapshot.contacts).toEqual(expectedContacts);
      expect(requeued.snapshot.contactIds).toEqual(first().snapshot.contactIds);
      expect(requeued.snapshot.join).toEqual(expectedJoin);
      expect(requeued.snapshot.urlCounts).toEqual(expectedUrlCounts);
    });
  });
});

import type { Kysely } from 'kysely';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database, Job } from '../../../src/db/schema.js';
import { parseConnectToList } from '../../../src/fetch/connect-to.js';
import { HttpClient } from '../../../src/fetch/http-client.js';
import { PermanentJobError, type RunContext } from '../../../src/pipeline/stage.js';
import {
  createSitemapStage,
  type SitemapStageConfig,
  type SitemapStageResult,
} from '../../../src/pipeline/stages/sitemap/sitemap-stage.js';
import { type SiteServer, startSiteServer } from '../../fixtures/site-server.js';
import { backends, useTestDatabase } from '../../helpers/databases.js';

const logger = pino({ level: 'silent' });

let site: SiteServer;
let client: HttpClient;

beforeAll(async () => {
  site = await startSiteServer({ gzipBombBytes: 8 * 1024 * 1024, stallMs: 10_000 });
  client = new HttpClient({
    connectTo: parseConnectToList([...site.connectTo]),
    perHostDelayMs: 0,
    headersTimeoutMs: 400,
    bodyTimeoutMs: 400,
    maxBytes: 4 * 1024 * 1024,
  });
});
afterAll(async () => {
  await client.close();
  await site.close();
});

/** A queued domain and the sitemap job intake would have created for it. */
async function domainJob(db: Kysely<Database>, domain: string): Promise<Job> {
  const row = await db
    .insertInto('domains')
    .values({ domain, sitemap_analysis_status: 'processing' })
    .onConflict((oc) => oc.column('domain').doUpdateSet({ sitemap_analysis_status: 'processing' }))
    .returning('id')
    .executeTakeFirstOrThrow();
  // One live sitemap job per domain (jobs_one_active_per_input): finish the previous run's first.
  await db
    .updateTable('jobs')
    .set({ status: 'complete' })
    .where('job_type', '=', 'sitemap')
    .where('domain_id', '=', row.id)
    .where('status', 'in', ['pending', 'running'])
    .execute();
  return db
    .insertInto('jobs')
    .values({ job_type: 'sitemap', domain_id: row.id, status: 'running', attempts: 1 })
    .returningAll()
    .executeTakeFirstOrThrow();
}

function runContext(db: Kysely<Database>): RunContext {
  return { db, signal: new AbortController().signal, logger };
}

const stage = (config: Partial<SitemapStageConfig> = {}) => createSitemapStage({ client, scheme: 'http', ...config });

/** The files of a result as [url, kind, status, count, parent url, importable] for compact assertions. */
function table(result: SitemapStageResult) {
  return result.files.map((f) => [
    f.url.replace(/^http:\/\//, ''),
    f.kind,
    f.httpStatus,
    f.urlCount,
    f.parent === null ? null : result.files[f.parent]?.url.replace(/^http:\/\//, ''),
    f.importable,
  ]);
}

async function runError(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (err) {
    return err as Error;
  }
  throw new Error('expected run() to fail');
}

describe('WF4 sitemap stage: run() against the fixture sites', () => {
  const t = useTestDatabase('pglite');
  const run = async (domain: string, config: Partial<SitemapStageConfig> = {}) =>
    stage(config).run(await domainJob(t.db, domain), runContext(t.db));

  it('reads robots.txt, follows the index breadth-first, records the 500 child, and decodes gzip both ways', async () => {
    const result = await run('jenkinseyecare.com');
    expect(result.origin).toBe('http://jenkinseyecare.com');
    expect(result.robots).toMatchObject({ status: 200, sitemaps: 2 });
    expect(result.reason).toBeNull();
    expect(table(result)).toEqual([
      ['jenkinseyecare.com/sitemap_index.xml', 'index', 200, 5, null, false],
      ['cdn.jenkinseyecare.com/sitemaps/locations.xml', 'urlset', 200, 2, null, true],
      ['jenkinseyecare.com/post-sitemap.xml', 'urlset', 200, 3, 'jenkinseyecare.com/sitemap_index.xml', true],
      ['jenkinseyecare.com/page-sitemap.xml', 'urlset', 200, 4, 'jenkinseyecare.com/sitemap_index.xml', true],
      ['jenkinseyecare.com/category-sitemap.xml', 'invalid', 500, null, 'jenkinseyecare.com/sitemap_index.xml', false],
      ['jenkinseyecare.com/doctors-sitemap.xml.gz', 'urlset', 200, 2, 'jenkinseyecare.com/sitemap_index.xml', true],
      ['jenkinseyecare.com/archive-index.xml', 'index', 200, 1, 'jenkinseyecare.com/sitemap_index.xml', false],
      ['jenkinseyecare.com/archive-2019.xml', 'urlset', 200, 1, 'jenkinseyecare.com/archive-index.xml', true],
    ]);
    expect(result.files[4]).toMatchObject({ error: 'HTTP 500', transient: true, depth: 1 });
    expect(result.files[7]).toMatchObject({ depth: 2, source: 'index' });
    expect(result.files[0]).toMatchObject({ source: 'robots', depth: 0 });
  });

  it('probes the well-known paths in order when there is no robots.txt, and stops at the first sitemap', async () => {
    const before = site.requestsFor('oakridge-plumbing.com').length;
    const result = await run('oakridge-plumbing.com');
    expect(result.robots).toMatchObject({ status: 404, sitemaps: 0, error: null });
    expect(result.probes).toEqual([{ path: '/sitemap.xml', outcome: 'HTTP 404', transient: false }]);
    expect(table(result)).toEqual([
      ['oakridge-plumbing.com/sitemap_index.xml', 'index', 200, 1, null, false],
      ['oakridge-plumbing.com/page-sitemap.xml', 'urlset', 200, 3, 'oakridge-plumbing.com/sitemap_index.xml', true],
    ]);
    expect(result.files[0]?.source).toBe('well-known');
    expect(
      site
        .requestsFor('oakridge-plumbing.com')
        .slice(before)
        .map((r) => r.path),
    ).toEqual(['/robots.txt', '/sitemap.xml', '/sitemap_index.xml', '/page-sitemap.xml']);
  });

  it('reads a plain-text sitemap, an RSS feed, and a .gz URL that is not compressed', async () => {
    const result = await run('harborbooks.co.uk');
    expect(table(result)).toEqual([
      ['harborbooks.co.uk/sitemap.txt', 'text', 200, 4, null, true],
      ['harborbooks.co.uk/feed.rss', 'rss', 200, 1, null, true],
      ['harborbooks.co.uk/sitemap.xml.gz', 'urlset', 200, 1, null, true],
    ]);
  });

  it('records a redirect loop, and stops at an index listing itself and at a redirect back to an ancestor', async () => {
    const before = site.requestsFor('sunset-yoga.com').length;
    const result = await run('sunset-yoga.com');
    expect(table(result)).toEqual([
      ['sunset-yoga.com/sitemap.xml', 'invalid', null, null, null, false],
      ['sunset-yoga.com/sitemap-index.xml', 'index', 200, 3, null, false],
      ['sunset-yoga.com/atom.xml', 'atom', 200, 1, null, true],
      ['sunset-yoga.com/moved-index.xml', 'index', 301, null, 'sunset-yoga.com/sitemap-index.xml', false],
      ['sunset-yoga.com/classes.xml', 'urlset', 200, 2, 'sunset-yoga.com/sitemap-index.xml', true],
    ]);
    expect(result.files[0]?.error).toMatch(/^redirect loop: /);
    expect(result.files[1]?.error).toContain('lists an ancestor (itself or an index above it): a cycle, not followed');
    expect(result.files[3]).toMatchObject({ finalUrl: 'http://sunset-yoga.com/sitemap-index.xml' });
    expect(result.files[3]?.error).toContain('redirects back to its ancestor http://sunset-yoga.com/sitemap-index.xml');
    // The ancestor was downloaded once: the redirect back to it was not followed.
    const paths = site
      .requestsFor('sunset-yoga.com')
      .slice(before)
      .map((r) => r.path);
    expect(paths.filter((p) => p === '/sitemap-index.xml')).toHaveLength(1);
    expect(result.reason).toBeNull();
  });

  it('records a sitemap that times out and one whose body stalls, keeping the entries that came', async () => {
    const result = await run('slowbakery.com');
    expect(table(result)).toEqual([
      ['slowbakery.com/sitemap.xml', 'invalid', null, null, null, false],
      ['slowbakery.com/slow-body.xml', 'urlset', 200, 2, null, true],
      ['slowbakery.com/menu.xml', 'urlset', 200, 1, null, true],
    ]);
    expect(result.files[0]).toMatchObject({
      transient: true,
      error: expect.stringContaining('no response headers in time'),
    });
    expect(result.files[1]?.error).toContain('the body stalled');
  });

  it('stops a gzip bomb at the size cap, records it, and does not import it', async () => {
    const result = await run('bomb-garage.com');
    expect(table(result)).toEqual([
      ['bomb-garage.com/sitemap.xml.gz', 'urlset', 200, 1, null, false],
      ['bomb-garage.com/services.xml', 'urlset', 200, 1, null, true],
    ]);
    expect(result.files[0]).toMatchObject({ bytes: 4 * 1024 * 1024, error: expect.stringContaining('4 MiB size cap') });
  });

  it('completes a domain with zero sitemaps, saying why: robots.txt lists none and every probe missed (soft 404 included)', async () => {
    const result = await run('brightsmile-dental.com');
    expect(result.files).toEqual([]);
    expect(result.reason).toBe(
      'no sitemap found: robots.txt lists no Sitemap; probed /sitemap.xml (HTTP 200: an HTML page where a sitemap was expected (soft 404?)), ' +
        '/sitemap_index.xml (HTTP 404), /sitemap-index.xml (HTTP 404), /wp-sitemap.xml (HTTP 404), /sitemap.xml.gz (HTTP 404), /sitemap.txt (HTTP 404)',
    );
  });

  it('completes when the only sitemap is a 404 (the site lacks it), and records it with the reason', async () => {
    const job = await domainJob(t.db, 'vintage-vinyl.shop');
    const result = await stage().run(job, runContext(t.db));
    expect(result.reason).toBe(
      'no usable sitemap among 1 sitemap file: http://vintage-vinyl.shop/sitemap.xml: HTTP 404',
    );
    await t.db.transaction().execute((trx) => stage().commit(job, result, { trx, workerId: 'test-worker', logger }));
    const rows = await t.db
      .selectFrom('sitemap_files')
      .selectAll()
      .where('domain_id', '=', job.domain_id ?? -1)
      .execute();
    expect(rows).toEqual([
      expect.objectContaining({
        url: 'http://vintage-vinyl.shop/sitemap.xml',
        http_status: 404,
        kind: 'invalid',
        error: 'HTTP 404',
        job_id: job.job_id,
      }),
    ]);
  });

  it('fails for a retry when the only sitemap answers 503', async () => {
    const err = await runError(run('maintenance-mode.com'));
    expect(err).not.toBeInstanceOf(PermanentJobError);
    expect(err.message).toContain('http://maintenance-mode.com/sitemap.xml: HTTP 503');
  });

  it('completes, saying why, when the only sitemap is behind more than 5 redirects', async () => {
    const result = await run('redirect-chain.com');
    expect(result.files.filter((f) => f.importable)).toEqual([]);
    expect(result.reason).toContain('more than 5 redirects');
  });

  it('follows nested indexes down to the depth limit and says what it did not follow', async () => {
    const result = await run('deep-nesting.org');
    expect(result.files.map((f) => [f.url.replace('http://deep-nesting.org', ''), f.depth])).toEqual([
      ['/level-0.xml', 0],
      ['/level-1.xml', 1],
      ['/pages.xml', 1],
      ['/level-2.xml', 2],
      ['/level-3.xml', 3],
      ['/level-4.xml', 4],
      ['/level-5.xml', 5],
    ]);
    expect(result.files[6]?.error).toBe('depth limit 5 reached: 1 child sitemap(s) not followed');
    const shallow = await run('deep-nesting.org', { maxDepth: 2 });
    expect(shallow.files.map((f) => f.url.replace('http://deep-nesting.org', ''))).toEqual([
      '/level-0.xml',
      '/level-1.xml',
      '/pages.xml',
      '/level-2.xml',
    ]);
  });

  it('completes, saying why, when the only page lists are beyond the depth limit', async () => {
    const result = await run('deep-nesting.org', { maxDepth: 0 });
    expect(result.files.filter((f) => f.importable)).toEqual([]);
    expect(result.reason).toContain('depth limit 0 reached: 2 child sitemap(s) not followed');
  });

  it('caps the documents fetched per domain', async () => {
    const result = await run('jenkinseyecare.com', { maxFiles: 4 });
    expect(result.files).toHaveLength(4);
    expect(result.files[0]?.error).toBe('limit of 4 sitemap files per domain reached: 3 child sitemap(s) not followed');
  });

  it('refuses a domain that resolves to 127.0.0.1 without a mapping, and completes with a clear reason', async () => {
    const result = await run('localhost');
    expect(result.files).toEqual([]);
    expect(result.reason).toBe(
      'cannot fetch http://localhost/robots.txt: refused to connect to localhost (127.0.0.1): a loopback address — pass --allow-private-network, or map the host with --connect-to',
    );
  });

  it('fails for a retry when the site cannot be reached', async () => {
    const unguarded = new HttpClient({ allowPrivateNetwork: true, perHostDelayMs: 0 });
    try {
      const err = await runError(run('127.0.0.1:1', { client: unguarded }));
      expect(err).not.toBeInstanceOf(PermanentJobError);
      expect(err.message).toContain('ECONNREFUSED');
    } finally {
      await unguarded.close();
    }
  });

  it('tries https first with --scheme auto, then http', async () => {
    const result = await run('oakridge-plumbing.com', { scheme: 'auto' });
    expect(result.origin).toBe('http://oakridge-plumbing.com');
    expect(result.files).toHaveLength(2);
  });

  it('fails for good when the job’s domain is gone', async () => {
    const job = await domainJob(t.db, 'deleted.example');
    await t.db
      .deleteFrom('domains')
      .where('id', '=', job.domain_id ?? -1)
      .execute();
    const err = await runError(stage().run({ ...job }, runContext(t.db)));
    expect(err).toBeInstanceOf(PermanentJobError);
  });
});

describe.each(backends)('WF4 sitemap stage: commit() and onFailed() on $name', ({ name, skip }) => {
  describe.skipIf(skip)(name, () => {
    const t = useTestDatabase(name);
    const commit = (job: Job, result: SitemapStageResult) =>
      t.db.transaction().execute((trx) => stage().commit(job, result, { trx, workerId: 'test-worker', logger }));

    const files = (domainId: number) =>
      t.db
        .selectFrom('sitemap_files as f')
        .leftJoin('sitemap_files as p', 'p.id', 'f.parent_id')
        .select([
          'f.id',
          'f.url',
          'f.kind',
          'f.http_status',
          'f.url_count',
          'f.error',
          'f.job_id',
          'p.url as parent_url',
        ])
        .where('f.domain_id', '=', domainId)
        .orderBy('f.id')
        .execute();
    const pageImports = (domainId: number) =>
      t.db
        .selectFrom('jobs')
        .select(['sitemap_file_id', 'status'])
        .where('job_type', '=', 'page_import')
        .where('domain_id', '=', domainId)
        .orderBy('sitemap_file_id')
        .execute();
    const domain = (id: number) =>
      t.db
        .selectFrom('domains')
        .select(['sitemap_analysis_status as status', 'sitemap_analysis_error as error'])
        .where('id', '=', id)
        .executeTakeFirstOrThrow();

    it('records every file with its parent, completes the domain, and enqueues one page_import per urlset-like file', async () => {
      const job = await domainJob(t.db, 'jenkinseyecare.com');
      const result = await stage().run(job, runContext(t.db));
      await commit(job, result);
      const rows = await files(result.domainId);
      expect(rows.map((r) => [r.url, r.kind, r.http_status, r.url_count, r.parent_url])).toEqual(
        result.files.map((f) => [
          f.url,
          f.kind,
          f.httpStatus,
          f.urlCount,
          f.parent === null ? null : result.files[f.parent]?.url,
        ]),
      );
      expect(rows.find((r) => r.url.endsWith('/category-sitemap.xml'))).toMatchObject({
        http_status: 500,
        error: 'HTTP 500',
      });
      expect(new Set(rows.map((r) => r.job_id))).toEqual(new Set([job.job_id]));
      expect(await domain(result.domainId)).toEqual({ status: 'complete', error: null });
      const imports = await pageImports(result.domainId);
      const importable = rows.filter((_, i) => result.files[i]?.importable).map((r) => r.id);
      expect(imports.map((j) => j.sitemap_file_id)).toEqual(importable);
      expect(importable).toHaveLength(5);
    });

    it('is idempotent: a re-run updates the same rows and creates no second live page_import job', async () => {
      const job = await domainJob(t.db, 'jenkinseyecare.com');
      const domainId = job.domain_id ?? -1;
      const before = await files(domainId);
      const importsBefore = await pageImports(domainId);
      const result = await stage().run(job, runContext(t.db));
      await commit(job, result);
      await commit(job, result);
      const after = await files(domainId);
      expect(after.map((r) => [r.id, r.url, r.parent_url])).toEqual(before.map((r) => [r.id, r.url, r.parent_url]));
      expect(new Set(after.map((r) => r.job_id))).toEqual(new Set([job.job_id]));
      expect(await pageImports(domainId)).toEqual(importsBefore);
    });

    it('completes a domain with zero sitemaps with the reason, and no rows or jobs', async () => {
      const job = await domainJob(t.db, 'brightsmile-dental.com');
      const result = await stage().run(job, runContext(t.db));
      await commit(job, result);
      expect(await files(result.domainId)).toEqual([]);
      expect(await pageImports(result.domainId)).toEqual([]);
      const after = await domain(result.domainId);
      expect(after.status).toBe('complete');
      expect(after.error).toMatch(/^no sitemap found: robots.txt lists no Sitemap; probed \/sitemap.xml/);
    });

    it('sets the domain to error with the reason when the job has failed for good', async () => {
      const job = await domainJob(t.db, 'maintenance-mode.com');
      const reason = 'no usable sitemap among 1 sitemap file: http://maintenance-mode.com/sitemap.xml: HTTP 503';
      await t.db
        .transaction()
        .execute(
          (trx) => stage().onFailed?.(job, reason, { trx, workerId: 'test-worker', logger }) ?? Promise.resolve(),
        );
      expect(await domain(job.domain_id ?? -1)).toEqual({ status: 'error', error: reason });
    });
  });
});

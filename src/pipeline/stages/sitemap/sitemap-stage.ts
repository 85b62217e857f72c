import { type Kysely, sql, type Transaction } from 'kysely';
import type { Database, Job } from '../../../db/schema.js';
import type { HttpClient } from '../../../fetch/http-client.js';
import { RobotsCache } from '../../../fetch/robots-cache.js';
import type { Scheme } from '../../../fetch/site-fetch.js';
import { enqueueJobs } from '../../queue/enqueue-jobs.js';
import { PermanentJobError, type StageHandler } from '../../stage.js';
import { storableText } from '../storable-text.js';
import { discoverSitemaps, type SitemapDiscovery } from './discover-sitemaps.js';
import { judgeDiscovery } from './judge-discovery.js';
import { upsertSitemapFiles } from './upsert-sitemap-files.js';
import { wellKnownSitemapPaths } from './well-known-paths.js';

/** What WF4 needs; resolved once by `pipectl process`. */
export interface SitemapStageConfig {
  /** The HTTP client (SSRF guard, `--connect-to`, limits); shared with the other stages. */
  client: HttpClient;
  /** robots.txt cache, shared with WF7 so that a site's file is fetched once; default: a new one on `client`. */
  robots?: RobotsCache;
  /** `--scheme`: how a domain becomes a URL. Default `auto` (https, then http). */
  scheme?: Scheme;
  /** Sitemap index levels followed below a top-level sitemap. Default 5. */
  maxDepth?: number;
  /** Sitemap documents fetched per domain. Default 500. */
  maxFiles?: number;
  /** Paths probed when robots.txt names no sitemap. Default `wellKnownSitemapPaths`. */
  wellKnownPaths?: readonly string[];
  /** Documents of one domain fetched at once (the client's per-host limits still apply). Default 4. */
  concurrency?: number;
}

/** What `run` found, for `commit` to record. */
export interface SitemapStageResult extends SitemapDiscovery {
  domainId: number;
  /** Goes to `sitemap_analysis_error` of a complete domain: why it has no pages to import, or null. */
  reason: string | null;
}

export const defaultMaxDepth = 5;
export const defaultMaxFiles = 500;

async function loadDomain(db: Kysely<Database>, job: Job): Promise<{ id: number; domain: string }> {
  if (job.domain_id === null) throw new PermanentJobError(`sitemap job ${job.job_id} has no domain_id`);
  const row = await db
    .selectFrom('domains')
    .select(['id', 'domain'])
    .where('id', '=', job.domain_id)
    .executeTakeFirst();
  if (row === undefined) throw new PermanentJobError(`domain ${job.domain_id} no longer exists`);
  return row;
}

/**
 * Sets a domain's final WF4 status. SQL: `update domains set sitemap_analysis_status = …,
 * sitemap_analysis_error = … where id = …` (the trigger moves `updated_at`).
 */
async function setDomainStatus(
  trx: Transaction<Database>,
  domainId: number,
  status: 'complete' | 'error',
  error: string | null,
): Promise<void> {
  await sql`
    update domains set sitemap_analysis_status = ${status}, sitemap_analysis_error = ${storableText(error)}
    where id = ${domainId}
  `.execute(trx);
}

/**
 * WF4 `sitemap`, one job per domain.
 *
 * `run` (no transaction open): reads robots.txt, or probes the well-known paths when it names no
 * sitemap, and follows sitemap indexes breadth-first (see `discoverSitemaps`). What the site
 * lacks is an outcome, not a failure (`judgeDiscovery`): no sitemap, a 404, a soft 404, an
 * invalid document, a redirect loop, an SSRF refusal or a robots.txt that forbids the probes
 * completes the job and the domain, with the reason. Only a failure that may be temporary
 * (5xx, network, timeout) fails the attempt for a retry, after recording the documents it did
 * fetch with an idempotent upsert, so that an on-call engineer sees the 500 in `sitemap_files`.
 *
 * `commit` (in the transaction that completes the job): upserts every document into
 * `sitemap_files`, failures included, sets the domain `complete` (with the reason in
 * `sitemap_analysis_error` when it has no pages to import), and enqueues one `page_import` job
 * per urlset-like file with URLs. A re-run creates no duplicates: rows are unique per
 * (domain_id, url) and a live `page_import` job per file is unique.
 *
 * `onFailed` (in the transaction that fails the job for good: retries exhausted, or an internal
 * error): sets the domain `error` with the reason.
 */
export function createSitemapStage(config: SitemapStageConfig): StageHandler<SitemapStageResult> {
  const robots = config.robots ?? new RobotsCache(config.client);
  return {
    jobType: 'sitemap',

    async run(job, ctx) {
      const { id: domainId, domain } = await loadDomain(ctx.db, job);
      const discovery = await discoverSitemaps(domain, {
        client: config.client,
        robots,
        scheme: config.scheme ?? 'auto',
        maxDepth: config.maxDepth ?? defaultMaxDepth,
        maxFiles: config.maxFiles ?? defaultMaxFiles,
        wellKnownPaths: config.wellKnownPaths ?? wellKnownSitemapPaths,
        concurrency: config.concurrency ?? 4,
        signal: ctx.signal,
        logger: ctx.logger,
      });
      const verdict = judgeDiscovery(discovery);
      ctx.logger.info(
        {
          domain,
          outcome: verdict.outcome,
          files: discovery.files.length,
          importable: discovery.files.filter((f) => f.importable).length,
          reason: verdict.reason,
        },
        'sitemap discovery finished',
      );
      if (verdict.outcome === 'complete') return { ...discovery, domainId, reason: verdict.reason };
      await upsertSitemapFiles(ctx.db, domainId, job.job_id, discovery.files);
      // The reason quotes the site's documents; the job's last_error must be able to hold it.
      throw new Error(storableText(verdict.reason));
    },

    async commit(job, result, ctx) {
      const ids = await upsertSitemapFiles(ctx.trx, result.domainId, job.job_id, result.files);
      await setDomainStatus(ctx.trx, result.domainId, 'complete', result.reason);
      const created = await enqueueJobs(
        ctx.trx,
        result.files.flatMap((file, i) =>
          file.importable
            ? [{ jobType: 'page_import' as const, domainId: result.domainId, sitemapFileId: ids[i] }]
            : [],
        ),
      );
      ctx.logger.debug(
        { domainId: result.domainId, files: ids.length, pageImports: created },
        'sitemap files recorded',
      );
    },

    async onFailed(job, error, ctx) {
      if (job.domain_id === null) return;
      await setDomainStatus(ctx.trx, job.domain_id, 'error', error);
    },
  };
}

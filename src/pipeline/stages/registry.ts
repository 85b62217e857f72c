import type { JobType } from '../../db/schema.js';
import type { HttpClient } from '../../fetch/http-client.js';
import type { RobotsCache } from '../../fetch/robots-cache.js';
import type { Scheme } from '../../fetch/site-fetch.js';
import type { StageHandler } from '../stage.js';
import { noopStage } from './noop-stage.js';

/** What the stages share: one HTTP client (SSRF guard, limits, `--connect-to`) and one robots.txt cache. */
export interface StageDeps {
  /** The client, or how to make it on first use (so that a worker starts without undici). */
  client: HttpClient | (() => Promise<HttpClient>);
  /** `--scheme`. Default `auto`. */
  scheme?: Scheme;
  /** `--max-urls`: pages imported per domain. Default 1000. */
  maxUrls?: number;
}

/**
 * The handler for each selected job type. WF4 and WF7 share the robots.txt cache, so a site's
 * robots.txt is fetched once per worker and honoured by both. A stage's module (and what it
 * parses with: htmlparser2, libphonenumber-js, the sitemap reader) is imported when its first
 * job runs, not when the worker starts (docs/design-notes.md, "Start-up").
 */
export function createStageRegistry(selected: readonly JobType[], deps: StageDeps): Map<JobType, StageHandler> {
  const build: Record<JobType, () => StageHandler> = {
    sitemap: () =>
      lazyStage('sitemap', async () => {
        const { createSitemapStage } = await import('./sitemap/sitemap-stage.js');
        return createSitemapStage({
          client: await client(),
          robots: await robots(),
          scheme: deps.scheme,
        }) as StageHandler;
      }),
    page_import: () =>
      lazyStage('page_import', async () => {
        const { createPageImportStage, fetchLayerSitemapSource } = await import('./page-import-stage.js');
        const http = await client();
        return createPageImportStage({
          entries: fetchLayerSitemapSource(http),
          maxUrls: deps.maxUrls,
          perHostDelayMs: http.perHostDelayMs,
        }) as StageHandler;
      }),
    contact_scan: () =>
      lazyStage('contact_scan', async () => {
        const { createContactScanStage, fetchLayerPageAccess } = await import('./contact-scan-stage.js');
        return createContactScanStage(fetchLayerPageAccess(await client(), await robots())) as StageHandler;
      }),
    noop: () => noopStage as StageHandler,
  };
  const client = async () => {
    const given = deps.client;
    return typeof given === 'function' ? given() : given;
  };
  let cache: Promise<RobotsCache> | undefined;
  const robots = () => {
    cache ??= import('../../fetch/robots-cache.js').then(async ({ RobotsCache }) => new RobotsCache(await client()));
    return cache;
  };
  return new Map(selected.map((t) => [t, build[t]()]));
}

/**
 * A handler that creates the real one on first use. The real stages have no `commitNeeded`
 * (only noop does, and it is not lazy), so every result is committed in a transaction as before.
 */
function lazyStage(jobType: JobType, create: () => Promise<StageHandler>): StageHandler {
  let created: Promise<StageHandler> | undefined;
  const handler = () => {
    created ??= create();
    return created;
  };
  return {
    jobType,
    run: async (job, ctx) => (await handler()).run(job, ctx),
    commit: async (job, result, ctx) => (await handler()).commit(job, result, ctx),
    onFailed: async (job, error, ctx) => (await handler()).onFailed?.(job, error, ctx),
  };
}

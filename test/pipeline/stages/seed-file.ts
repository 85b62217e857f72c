import type { Kysely } from 'kysely';
import type { Database, SitemapKind } from '../../../src/db/schema.js';
import { enqueueJobs } from '../../../src/pipeline/queue/enqueue-jobs.js';

/** A domain, one of its sitemap files, and the file's page_import job, as WF4's commit leaves them. */
export async function seedFile(db: Kysely<Database>, domain: string, url: string, kind: SitemapKind = 'urlset') {
  const { id: domainId } = await db
    .insertInto('domains')
    .values({ domain, sitemap_analysis_status: 'processing' })
    .onConflict((oc) => oc.column('domain').doUpdateSet({ domain }))
    .returning('id')
    .executeTakeFirstOrThrow();
  const { id: fileId } = await db
    .insertInto('sitemap_files')
    .values({ domain_id: domainId, url, kind })
    .returning('id')
    .executeTakeFirstOrThrow();
  await db
    .transaction()
    .execute((trx) => enqueueJobs(trx, [{ jobType: 'page_import', domainId, sitemapFileId: fileId }]));
  return { domainId, fileId };
}

import { type Kysely, sql, type Transaction } from 'kysely';
import type { Database } from '../../../db/schema.js';
import { storableText } from '../storable-text.js';
import type { DiscoveredFile } from './discover-sitemaps.js';

/**
 * Records a domain's sitemap files, idempotently (text quoted from the site made storable, so
 * that a NUL in a document's first bytes cannot fail the domain): a re-run (a retry, a requeued domain) updates
 * the rows it finds by their unique (domain_id, url) instead of adding rows, and points them at
 * the new job. Rows of files no longer listed are left as they were.
 *
 * SQL: one `insert … select from unnest(…) on conflict (domain_id, url) do update … returning`,
 * then one `update … from unnest(ids, parent_ids)` to link each file to the index that listed it
 * (parents are only known by id once every row exists). Returns the ids, in `files` order.
 */
export async function upsertSitemapFiles(
  db: Kysely<Database> | Transaction<Database>,
  domainId: number,
  jobId: string,
  files: readonly DiscoveredFile[],
): Promise<number[]> {
  if (files.length === 0) return [];
  const col = <T>(pick: (f: DiscoveredFile) => T) => files.map(pick);
  const inserted = await sql<{ id: number; url: string }>`
    insert into sitemap_files as f (domain_id, job_id, url, final_url, kind, http_status, bytes, url_count, error)
    select ${domainId}::bigint, ${jobId}::uuid, t.url, t.final_url, t.kind, t.http_status, t.bytes, t.url_count, t.error
    from unnest(
      ${col((f) => storableText(f.url))}::text[],
      ${col((f) => storableText(f.finalUrl))}::text[],
      ${col((f) => f.kind)}::text[],
      ${col((f) => f.httpStatus)}::int[],
      ${col((f) => f.bytes)}::bigint[],
      ${col((f) => f.urlCount)}::int[],
      ${col((f) => storableText(f.error))}::text[]
    ) with ordinality as t(url, final_url, kind, http_status, bytes, url_count, error, ord)
    order by t.ord
    on conflict (domain_id, url) do update set
      job_id = excluded.job_id,
      final_url = excluded.final_url,
      kind = excluded.kind,
      http_status = excluded.http_status,
      bytes = excluded.bytes,
      url_count = excluded.url_count,
      error = excluded.error
    returning f.id, f.url
  `.execute(db);
  const idByUrl = new Map(inserted.rows.map((r) => [r.url, Number(r.id)]));
  const ids = files.map((f) => {
    const id = idByUrl.get(storableText(f.url));
    if (id === undefined) throw new Error(`sitemap file ${f.url} was not recorded`);
    return id;
  });
  const parentIds = files.map((f) => (f.parent === null ? null : (ids[f.parent] ?? null)));
  await sql`
    update sitemap_files f set parent_id = t.parent_id
    from unnest(${ids}::bigint[], ${parentIds}::bigint[]) as t(id, parent_id)
    where f.id = t.id and f.parent_id is distinct from t.parent_id
  `.execute(db);
  return ids;
}

import type { Kysely } from 'kysely';
import type { Database, DomainStatus } from '../db/schema.js';

export interface DomainRow {
  domain: string;
  status: DomainStatus;
  error: string | null;
  sitemaps: number;
  pages: number;
  contacts: number;
  updatedAt: Date;
}

export interface ListDomainsOptions {
  status?: DomainStatus[];
  limit: number;
}

/** Domains, newest change first, with what the pipeline produced for each. */
export async function listDomains(db: Kysely<Database>, opts: ListDomainsOptions): Promise<DomainRow[]> {
  let q = db
    .selectFrom('domains as d')
    .select((eb) => [
      'd.domain',
      'd.sitemap_analysis_status as status',
      'd.sitemap_analysis_error as error',
      'd.updated_at as updatedAt',
      eb
        .selectFrom('sitemap_files')
        .whereRef('domain_id', '=', 'd.id')
        .select(eb.fn.countAll<number>().as('n'))
        .as('sitemaps'),
      eb.selectFrom('pages').whereRef('domain_id', '=', 'd.id').select(eb.fn.countAll<number>().as('n')).as('pages'),
      eb
        .selectFrom('contacts')
        .whereRef('domain_id', '=', 'd.id')
        .select(eb.fn.countAll<number>().as('n'))
        .as('contacts'),
    ])
    .orderBy('d.updated_at', 'desc')
    .limit(opts.limit);
  if (opts.status?.length) q = q.where('d.sitemap_analysis_status', 'in', opts.status);
  const rows = await q.execute();
  return rows.map((r) => ({ ...r, sitemaps: r.sitemaps ?? 0, pages: r.pages ?? 0, contacts: r.contacts ?? 0 }));
}

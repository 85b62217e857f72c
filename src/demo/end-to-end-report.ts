import { type Kysely, sql } from 'kysely';
import type { Database } from '../db/schema.js';

export interface DomainOutput {
  domain: string;
  status: string;
  sitemaps: number;
  pages: number;
  contacts: number;
  note: string | null;
}

/**
 * The incident report's end-to-end verification query (sitemaps and pages per domain), with
 * contacts and the domain's status added: what the pipeline produced, per domain.
 */
export async function endToEndReport(db: Kysely<Database>, domains: readonly string[]): Promise<DomainOutput[]> {
  const { rows } = await sql<DomainOutput>`
    select d.domain, d.sitemap_analysis_status as status,
           count(distinct sf.id)::int as sitemaps, count(distinct p.id)::int as pages,
           (select count(*)::int from contacts c where c.domain_id = d.id) as contacts,
           d.sitemap_analysis_error as note
      from domains d
      left join sitemap_files sf on d.id = sf.domain_id
      left join pages p on sf.id = p.sitemap_file_id
     where d.domain = any(${domains as string[]}::text[])
     group by d.id
     order by d.domain
  `.execute(db);
  return rows;
}

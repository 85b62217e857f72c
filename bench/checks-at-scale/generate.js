// Bulk-loads a pipeline database of 1,000,000 domains, 10,000,000 jobs and 5,000,000 pages
// (plus ~1M sitemap files) with generate_series, a few statements per table. The data is a
// large system in the middle of an incident, so that the checks take their slow paths: some
// work is stuck, the workers are dead, and most history is complete and spread over 90 days.
//
// Foreign keys and triggers are off during the load (session_replication_role = replica; the
// data is consistent by construction), and the secondary indexes are dropped first and rebuilt
// afterwards from their own definitions: both are far faster than maintaining them row by row.

/** The data set; `--scale 0.01` loads a hundredth of it for a quick try. */
export function scaleBy(factor) {
  const n = (count) => Math.max(10_000, Math.round(count * factor));
  return { domains: n(1_000_000), jobs: n(10_000_000), pages: n(5_000_000) };
}

/** The tables loaded, in dependency order. */
const tables = ['domains', 'sitemap_files', 'pages', 'jobs', 'workers'];

/** The statements that load the data, with a label each for progress output. */
const loadStatements = (scale) => [
  [
    'domains',
    `insert into domains (id, domain, sitemap_analysis_status, created_at, updated_at)
     select g, 'd' || g || '.example', t.status, t.at - interval '5 minutes', t.at
       from generate_series(1, ${scale.domains}) as g,
       lateral (select
         -- 100 queued an hour ago (intake is down), 300 submitted two hours ago with no sitemap
         -- (the incident), 100 processing now, 1 % error, the rest complete over 90 days.
         case when g <= 100 then 'queued' when g <= 400 then 'submitted' when g <= 500 then 'processing'
              when g % 100 = 0 then 'error' else 'complete' end as status,
         case when g <= 100 then now() - interval '1 hour' when g <= 400 then now() - interval '2 hours'
              when g <= 500 then now() - interval '5 minutes'
              else now() - interval '90 days' * ((g::bigint * 7919) % ${scale.domains})::float8 / ${scale.domains} end as at
       ) as t`,
  ],
  [
    'sitemap_files',
    `insert into sitemap_files (id, domain_id, url, kind, http_status, url_count, created_at)
     select d.id, d.id, 'https://' || d.domain || '/sitemap.xml',
            case when d.id % 10 = 0 then 'index' else 'urlset' end, 200, 5, d.updated_at - interval '4 minutes'
       from domains d where d.id > 500`,
  ],
  [
    'pages',
    `insert into pages (domain_id, sitemap_file_id, url, contact_scan_status, scanned_at, created_at)
     select 501 + g % (${scale.domains} - 500), null, 'https://d' || (501 + g % (${scale.domains} - 500)) || '.example/p' || g,
            case when g <= 1000 or t.at > now() - interval '2 hours' then 'pending' else 'complete' end,
            case when g <= 1000 or t.at > now() - interval '2 hours' then null else t.at + interval '10 minutes' end,
            t.at
       from generate_series(1, ${scale.pages}) as g,
       lateral (select
         -- 1,000 pages stalled in WF7 for 7 to 30 hours; the rest over 90 days.
         case when g <= 1000 then now() - interval '7 hours' - interval '23 hours' * (g::float8 / 1000)
              else now() - interval '90 days' * ((g::bigint * 104729) % ${scale.pages})::float8 / ${scale.pages} end as at
       ) as t`,
  ],
  [
    'jobs: sitemap (one per domain)',
    `insert into jobs (job_type, status, domain_id, attempts, run_at, created_at, started_at, finished_at,
                       updated_at, locked_by, lease_expires_at, last_error)
     select 'sitemap', s.status, d.id, case when s.status = 'pending' then 0 else 1 end,
            d.updated_at, d.updated_at,
            case when s.status = 'pending' then null else d.updated_at end,
            case when s.status in ('complete', 'failed') then d.updated_at + interval '1 minute' end,
            d.updated_at,
            case when s.status = 'running' then 'worker-dead-' || (d.id % 3) end,
            case when s.status <> 'running' then null
                 -- 20 leases expired half an hour ago (their worker died), 80 still valid.
                 when d.id <= 420 then now() - interval '30 minutes' else now() + interval '5 minutes' end,
            case when s.status = 'failed' then 'HTTP 404 for the only sitemap' end
       from domains d,
       lateral (select case d.sitemap_analysis_status when 'submitted' then 'pending' when 'processing' then 'running'
                             when 'error' then 'failed' else 'complete' end as status) as s
      where d.sitemap_analysis_status <> 'queued'`,
  ],
  [
    'jobs: page_import (one per urlset)',
    `insert into jobs (job_type, status, domain_id, sitemap_file_id, attempts, run_at, created_at, started_at,
                       finished_at, updated_at)
     select 'page_import', 'complete', sf.domain_id, sf.id, 1, sf.created_at, sf.created_at, sf.created_at,
            sf.created_at + interval '1 minute', sf.created_at + interval '1 minute'
       from sitemap_files sf where sf.kind = 'urlset'`,
  ],
  [
    'jobs: contact_scan (the rest, to 10M)',
    `insert into jobs (job_type, status, domain_id, page_id, attempts, run_at, created_at, started_at, finished_at,
                       updated_at, last_error)
     select 'contact_scan', t.status, 501 + g % (${scale.domains} - 500), 1 + g % ${scale.pages}, 1, t.at, t.at,
            case when t.status = 'pending' then null else t.at end,
            case when t.status = 'pending' then null else t.at + interval '30 seconds' end, t.at,
            case when t.status = 'failed' then 'connect timeout' end
       from generate_series(1, ${scale.jobs} - (select count(*) from jobs)) as g,
       lateral (select
         -- 2,000 runnable now (a normal backlog); 3 % failed, 1 % cancelled, the rest complete.
         case when g <= 2000 then 'pending' when g % 100 < 3 then 'failed' when g % 100 = 3 then 'cancelled'
              else 'complete' end as status,
         case when g <= 2000 then now() - interval '5 minutes' * (g::float8 / 2000)
              else now() - interval '90 days' * ((g::bigint * 15485863) % ${scale.jobs})::float8 / ${scale.jobs} end as at
       ) as t`,
  ],
  [
    'workers (all dead)',
    `insert into workers (worker_id, hostname, pid, version, started_at, heartbeat_at)
     select 'worker-dead-' || g, 'host-' || g, 1000 + g, '0.1.0', now() - interval '3 days', now() - interval '10 minutes'
       from generate_series(0, 2) as g`,
  ],
];

/**
 * Loads the data set of `scale` through `client` (a connected pg.Client on an empty, migrated
 * database), calling `progress(label, ms)` after each step.
 */
export async function generate(client, scale, progress) {
  const timed = async (label, text) => {
    const started = performance.now();
    await client.query(text);
    progress(label, performance.now() - started);
  };
  const { rows: indexes } = await client.query(
    `select i.indexrelid::regclass::text as name, pg_get_indexdef(i.indexrelid) as definition
       from pg_index i
      where i.indrelid = any($1::regclass[])
        and not exists (select 1 from pg_constraint c where c.conindid = i.indexrelid)`,
    [tables],
  );
  for (const index of indexes) await client.query(`drop index ${index.name}`);

  await client.query(`set session_replication_role = replica`);
  await client.query(`set maintenance_work_mem = '512MB'`);
  for (const [label, text] of loadStatements(scale)) await timed(label, text);
  await client.query(`set session_replication_role = origin`);
  // The replica role also skipped the pages triggers (migrations 0006, 0007): count here instead.
  await timed(
    'domain_page_counts',
    'insert into domain_page_counts (domain_id, pages) select domain_id, count(*) from pages group by domain_id',
  );

  for (const index of indexes) await timed(`index ${index.name}`, index.definition);
  // The explicit ids above bypassed the identity sequences; move them past the data.
  for (const table of ['domains', 'sitemap_files', 'pages']) {
    await client.query(`select setval(pg_get_serial_sequence($1, 'id'), (select max(id) from ${table}))`, [table]);
  }
  // VACUUM sets the visibility map, so that index-only scans need not visit the heap.
  await timed('vacuum analyze', 'vacuum analyze');
}

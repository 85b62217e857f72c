-- A contact_scan job must name its page (the first of its batch). jobs_one_active_per_input keys
-- each job type by one id: sitemap by domain_id, page_import by sitemap_file_id, contact_scan by
-- page_id. 0001 let a contact_scan fall back to its domain_id, which mixed two id spaces in one
-- key: a domain-keyed scan of domain 7 would have blocked a page-keyed scan of page 7.
alter table jobs drop constraint jobs_input_present;
alter table jobs add constraint jobs_input_present check (
  case job_type
    when 'sitemap' then domain_id is not null and sitemap_file_id is null and page_id is null
    when 'page_import' then sitemap_file_id is not null and page_id is null
    when 'contact_scan' then domain_id is not null and page_id is not null and sitemap_file_id is null
    else true
  end
);

-- pages.domain_id and pages.sitemap_file_id: the same rules as their foreign keys, checked once
-- per statement instead of once per row.
--
-- WF5 inserts a sitemap file's pages 5,000 to a statement. A foreign key checks every row on its
-- own (a lookup of the referenced row and a lock on it, per row and per key), and the two keys
-- were a third of the insert's cost: 100,000 pages in 5,000-row statements took 2.35 s with them
-- and 1.53 s with these triggers instead (PostgreSQL 15, 2 cores; docs/design-notes.md).
--
-- What the foreign keys did, and where it is now:
-- - a page must name an existing domain, and an existing sitemap file or none: checked after each
--   insert or update statement over the rows it wrote, raising the foreign keys' own error
--   (23503, same constraint names), after locking the referenced rows `for key share` as a
--   foreign key does, so a concurrent delete either waits for the insert or makes it fail;
-- - deleting a domain deletes its pages; deleting a sitemap file sets its pages' sitemap_file_id
--   to null; after each delete statement;
-- - `truncate domains cascade` and `truncate sitemap_files cascade` empty pages too.
-- Like the foreign keys, the delete triggers rely on read committed (pipectl's isolation level):
-- the statement that removes the pages sees pages committed while the delete waited for them.
-- Ids are identity columns that nothing updates; changing one is not guarded.

alter table pages drop constraint pages_domain_id_fkey;
alter table pages drop constraint pages_sitemap_file_id_fkey;

-- Locks and checks the domains and sitemap files that pages written by one statement name.
create function pages_assert_references(domain_ids bigint[], sitemap_file_ids bigint[]) returns void
language plpgsql as $$
declare
  missing bigint;
begin
  perform 1 from domains where id = any (domain_ids) for key share;
  select d.id into missing from unnest(domain_ids) as d(id)
  where not exists (select 1 from domains where domains.id = d.id) limit 1;
  if found then
    raise foreign_key_violation using
      constraint = 'pages_domain_id_fkey',
      message = 'insert or update on table "pages" violates foreign key constraint "pages_domain_id_fkey"',
      detail = format('Key (domain_id)=(%s) is not present in table "domains".', missing);
  end if;
  perform 1 from sitemap_files where id = any (sitemap_file_ids) for key share;
  select f.id into missing from unnest(sitemap_file_ids) as f(id)
  where not exists (select 1 from sitemap_files where sitemap_files.id = f.id) limit 1;
  if found then
    raise foreign_key_violation using
      constraint = 'pages_sitemap_file_id_fkey',
      message = 'insert or update on table "pages" violates foreign key constraint "pages_sitemap_file_id_fkey"',
      detail = format('Key (sitemap_file_id)=(%s) is not present in table "sitemap_files".', missing);
  end if;
end;
$$;

create function pages_inserted_check_references() returns trigger
language plpgsql as $$
begin
  perform pages_assert_references(
    (select array_agg(distinct domain_id) from pages_new),
    (select array_agg(distinct sitemap_file_id) from pages_new where sitemap_file_id is not null)
  );
  return null;
end;
$$;

-- Only rows whose references changed: WF7's status updates change neither and lock nothing here.
create function pages_updated_check_references() returns trigger
language plpgsql as $$
begin
  perform pages_assert_references(
    (select array_agg(distinct n.domain_id) from pages_new n join pages_old o on o.id = n.id
     where n.domain_id <> o.domain_id),
    (select array_agg(distinct n.sitemap_file_id) from pages_new n join pages_old o on o.id = n.id
     where n.sitemap_file_id is distinct from o.sitemap_file_id and n.sitemap_file_id is not null)
  );
  return null;
end;
$$;

create trigger pages_inserted_check_references after insert on pages
  referencing new table as pages_new
  for each statement execute function pages_inserted_check_references();
create trigger pages_updated_check_references after update on pages
  referencing old table as pages_old new table as pages_new
  for each statement execute function pages_updated_check_references();

create function domains_deleted_delete_pages() returns trigger
language plpgsql as $$
begin
  delete from pages using domains_old where pages.domain_id = domains_old.id;
  return null;
end;
$$;
create trigger domains_deleted_delete_pages after delete on domains
  referencing old table as domains_old
  for each statement execute function domains_deleted_delete_pages();

create function sitemap_files_deleted_release_pages() returns trigger
language plpgsql as $$
begin
  update pages set sitemap_file_id = null
  from sitemap_files_old where pages.sitemap_file_id = sitemap_files_old.id;
  return null;
end;
$$;
create trigger sitemap_files_deleted_release_pages after delete on sitemap_files
  referencing old table as sitemap_files_old
  for each statement execute function sitemap_files_deleted_release_pages();

-- TRUNCATE ... CASCADE follows foreign keys only; these keep pages in it. As a delete: a
-- truncate of pages from here is refused (contacts and jobs are already being truncated).
create function delete_all_pages() returns trigger
language plpgsql as $$
begin
  delete from pages;
  return null;
end;
$$;
create trigger domains_truncated_delete_pages after truncate on domains
  for each statement execute function delete_all_pages();
create trigger sitemap_files_truncated_delete_pages after truncate on sitemap_files
  for each statement execute function delete_all_pages();

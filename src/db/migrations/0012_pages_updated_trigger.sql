-- One update trigger on pages in place of two: 0006's reference check and 0007's page counts,
-- in that order, in one function. Same rules, same errors (pages_assert_references, 0006).
--
-- An update that moves no page to another domain and changes no sitemap file (WF7's status
-- updates, nearly every update of pages) now joins the transition tables once and stops there,
-- where the two triggers joined them four times to find nothing to check or count.

drop trigger pages_updated_check_references on pages;
drop trigger pages_updated_count on pages;
drop function pages_updated_check_references();
drop function pages_updated_count();

create function pages_updated() returns trigger
language plpgsql as $$
begin
  if not exists (
    select 1 from pages_new n join pages_old o on o.id = n.id
    where n.domain_id <> o.domain_id or n.sitemap_file_id is distinct from o.sitemap_file_id
  ) then
    return null;
  end if;

  -- The references of the rows whose references changed.
  perform pages_assert_references(
    (select array_agg(distinct n.domain_id) from pages_new n join pages_old o on o.id = n.id
     where n.domain_id <> o.domain_id),
    (select array_agg(distinct n.sitemap_file_id) from pages_new n join pages_old o on o.id = n.id
     where n.sitemap_file_id is distinct from o.sitemap_file_id and n.sitemap_file_id is not null)
  );

  -- The counts of the domains that rows moved from and to.
  update domain_page_counts as c set pages = c.pages - t.n
  from (
    select o.domain_id, count(*) as n from pages_new n join pages_old o on o.id = n.id
    where n.domain_id <> o.domain_id group by o.domain_id
  ) as t
  where c.domain_id = t.domain_id;
  perform domain_page_counts_add(array_agg(domain_id), array_agg(n))
  from (
    select n.domain_id, count(*) as n from pages_new n join pages_old o on o.id = n.id
    where n.domain_id <> o.domain_id group by n.domain_id
  ) as t;
  return null;
end;
$$;

create trigger pages_updated after update on pages
  referencing old table as pages_old new table as pages_new
  for each statement execute function pages_updated();

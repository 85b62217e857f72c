-- Each domain's number of pages, kept by the pages triggers, for WF5's --max-urls cap.
--
-- WF5 counted the domain's pages before every 5,000-row batch, under the domain's row lock.
-- That count reads every page of the domain, so a file's import cost grew with the square of its
-- size: with --max-urls 100000, 20 counts took ~200 ms of a 2 s import, and a million-page cap
-- would spend seconds per batch. This table answers in one row. It is exact: every statement
-- that inserts, deletes or moves pages updates it in the same transaction, and concurrent
-- writers to one domain's count take turns on its row.

create table domain_page_counts (
  domain_id bigint primary key references domains (id) on delete cascade,
  pages     bigint not null check (pages >= 0)
);

insert into domain_page_counts (domain_id, pages)
select domain_id, count(*) from pages group by domain_id;

-- Adds pages to domains' counts (positive numbers: the row's check applies to the insert too).
create function domain_page_counts_add(domain_ids bigint[], added bigint[]) returns void
language sql as $$
  insert into domain_page_counts as c (domain_id, pages)
  select d.domain_id, d.n from unnest(domain_ids, added) as d(domain_id, n)
  where d.n > 0
  order by d.domain_id
  on conflict (domain_id) do update set pages = c.pages + excluded.pages;
$$;

create function pages_inserted_count() returns trigger
language plpgsql as $$
begin
  perform domain_page_counts_add(array_agg(domain_id), array_agg(n))
  from (select domain_id, count(*) as n from pages_new group by domain_id) as t;
  return null;
end;
$$;

create function pages_deleted_count() returns trigger
language plpgsql as $$
begin
  -- The domain's own row is gone when its deletion cascaded here: nothing left to count.
  update domain_page_counts as c set pages = c.pages - t.n
  from (select domain_id, count(*) as n from pages_old group by domain_id) as t
  where c.domain_id = t.domain_id;
  return null;
end;
$$;

-- Only rows moved to another domain; WF7's status updates move none.
create function pages_updated_count() returns trigger
language plpgsql as $$
begin
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

create function pages_truncated_count() returns trigger
language plpgsql as $$
begin
  delete from domain_page_counts;
  return null;
end;
$$;

-- Triggers fire in name order: the reference checks (0006) before these counts.
create trigger pages_inserted_count after insert on pages
  referencing new table as pages_new
  for each statement execute function pages_inserted_count();
create trigger pages_deleted_count after delete on pages
  referencing old table as pages_old
  for each statement execute function pages_deleted_count();
create trigger pages_updated_count after update on pages
  referencing old table as pages_old new table as pages_new
  for each statement execute function pages_updated_count();
create trigger pages_truncated_count after truncate on pages
  for each statement execute function pages_truncated_count();

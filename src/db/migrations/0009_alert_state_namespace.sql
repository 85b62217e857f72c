-- Alert state per checks file. Two checks files on one database (the shipped one and a custom
-- one, run by two cron lines) kept one alert_state row per check name between them: each file's
-- runs saw the other's state, and a check removed from one file stayed firing for ever. The
-- namespace is the file's declared `namespace:`, else its identity (see docs/checks.md).
--
-- Rows from before this migration keep namespace '': the first file whose checks include the
-- name adopts the row into its own namespace, so an alert open at upgrade still resolves.
alter table alert_state add column namespace text not null default '';
alter table alert_state drop constraint alert_state_pkey;
alter table alert_state add primary key (namespace, check_name);
alter table alert_state alter column namespace drop default;

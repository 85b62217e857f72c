import path from 'node:path';

/** The PostgreSQL server the server tests use; unset means they are skipped (with a notice). */
export const serverUrl: string | undefined = process.env.TEST_DATABASE_URL || undefined;

/**
 * The migrated database every server test file clones: one per test run (named after the run's
 * main process), so that two runs on one server never drop each other's template.
 */
export const templateDatabase = `pipectl_test_template_${process.env.PIPECTL_TEST_RUN ?? process.pid}`;

/** A dump of a migrated PGlite data dir, loaded by every PGlite test. */
export const pgliteTemplatePath = path.resolve(
  `.test-results/pglite-template-${process.env.PIPECTL_TEST_RUN ?? process.pid}.tar`,
);

/** The same server URL, pointing at another database. */
export function withDatabase(url: string, database: string): string {
  const u = new URL(url);
  u.pathname = `/${database}`;
  return u.toString();
}

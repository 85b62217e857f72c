import pg from 'pg';

/** The PostgreSQL server a bench runs on: BENCH_DATABASE_URL, or the local one. */
export const serverUrl = process.env.BENCH_DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/postgres';

/** The same server URL, pointing at another database. */
export function withDatabase(url, name) {
  const u = new URL(url);
  u.pathname = `/${name}`;
  return u.toString();
}

/** Runs one statement (create or drop a bench's database) on `serverUrl`, on a connection of its own. */
export async function admin(statement) {
  const client = new pg.Client({ connectionString: serverUrl });
  await client.connect();
  try {
    await client.query(statement);
  } finally {
    await client.end();
  }
}

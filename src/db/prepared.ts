import type { QueryExecutorProvider, QueryResult, RawBuilder } from 'kysely';

/** The SQL text of each statement `prepared` has run, by name, and the name of each text. */
const textByName = new Map<string, string>();
const nameByText = new Map<string, string>();

/** A query that runs as a named prepared statement on a PostgreSQL server. */
export interface PreparedQuery<R> {
  /** Runs it on a database or a transaction, as `RawBuilder.execute` does. */
  execute(db: QueryExecutorProvider): Promise<QueryResult<R>>;
}

/**
 * Runs `query` as the prepared statement `name` on a PostgreSQL server: each connection parses
 * and plans it once instead of on every call (graphile-worker's `{ text, values, name }`). For
 * the queue's hot statements, bench/queue-throughput measured about 150 µs of server CPU saved
 * per job. On PGlite it runs as any other query. The server pool's client (`createPgPool`) sends
 * the text under its name; one name must always compile to one text.
 *
 * ### Examples
 * const { rows } = await prepared('claim_jobs', sql<Job>`select …`).execute(db);
 */
export function prepared<R>(name: string, query: RawBuilder<R>): PreparedQuery<R> {
  return {
    async execute(db) {
      const executor = db.getExecutor();
      const compiled = query.compile(db);
      const known = textByName.get(name);
      if (known === undefined) {
        textByName.set(name, compiled.sql);
        nameByText.set(compiled.sql, name);
      } else if (known !== compiled.sql) {
        throw new Error(`prepared statement ${name} compiled to a different SQL text; give each text its own name`);
      }
      return executor.executeQuery(compiled);
    },
  };
}

/** The name `prepared` gave this SQL text, if any: what the server pool's client sends it under. */
export function preparedName(text: string): string | undefined {
  return nameByText.get(text);
}

import { type Kysely, sql } from 'kysely';
import type { Database } from '../db/schema.js';
import { normalizeDomain } from './normalize-domain.js';

export type AddOutcome =
  | { input: string; outcome: 'added'; domain: string }
  | { input: string; outcome: 'already present'; domain: string }
  | { input: string; outcome: 'rejected'; reason: string };

/**
 * Normalizes each input and inserts the valid ones as `queued` (workers take them in), in one
 * statement. Invalid lines are rejected with a reason and never stop the valid ones; a domain
 * that is already known is left as it is (`pipectl requeue` re-runs it). A name repeated in the
 * input counts once.
 */
export async function addDomains(db: Kysely<Database>, inputs: string[]): Promise<AddOutcome[]> {
  const normalized = inputs.map((input) => ({ input, n: normalizeDomain(input) }));
  const valid = [...new Set(normalized.flatMap(({ n }) => (n.ok ? [n.domain] : [])))];
  const inserted = new Set<string>();
  for (let i = 0; i < valid.length; i += 5000) {
    const { rows } = await sql<{ domain: string }>`
      insert into domains (domain)
      select unnest(${valid.slice(i, i + 5000)}::text[])
      on conflict (domain) do nothing
      returning domain
    `.execute(db);
    for (const r of rows) inserted.add(r.domain);
  }
  const reported = new Set<string>();
  return normalized.map(({ input, n }): AddOutcome => {
    if (!n.ok) return { input, outcome: 'rejected', reason: n.reason };
    const first = !reported.has(n.domain);
    reported.add(n.domain);
    return { input, outcome: inserted.has(n.domain) && first ? 'added' : 'already present', domain: n.domain };
  });
}

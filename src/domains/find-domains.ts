import { type Kysely, sql } from 'kysely';
import type { Database } from '../db/schema.js';
import { normalizeDomain } from './normalize-domain.js';

/** A stored domain row that a name typed by the user designates. */
export interface FoundDomain {
  input: string;
  id: number;
  domain: string;
}

export interface DomainLookup {
  found: FoundDomain[];
  /** Inputs that are valid names but match no stored row. */
  unknown: string[];
  /** Inputs that are not domain names and match no stored row either, with the reason. */
  invalid: { input: string; reason: string }[];
}

/**
 * Finds the stored rows for names as a user types them (`Example.COM`, a URL, `bücher.de`).
 * A row matches when its canonical key — trimmed, lower-cased, without a trailing dot, the
 * form the crawler uses — equals the input's normalized name or its plain lower-cased form, so
 * rows inserted by plain SQL in a non-canonical form (' Weird.COM ') are found too. Uses
 * domains_domain_key_idx. An input matching several rows (' a.com' and 'a.com') yields each.
 */
export async function findDomains(db: Kysely<Database>, inputs: string[]): Promise<DomainLookup> {
  const keysOf = (input: string) => {
    const n = normalizeDomain(input);
    const plain = input.trim().toLowerCase().replace(/\.$/, '');
    return n.ok ? [...new Set([n.domain, plain])] : [plain];
  };
  const keys = [...new Set(inputs.flatMap(keysOf))];
  const { rows } =
    keys.length === 0
      ? { rows: [] }
      : await sql<{ id: number; domain: string; key: string }>`
          select id, domain, rtrim(lower(btrim(domain, E' \\t\\r\\n')), '.') as key
            from domains
           where rtrim(lower(btrim(domain, E' \\t\\r\\n')), '.') = any(${keys}::text[])
           order by id
        `.execute(db);
  const found: FoundDomain[] = [];
  const unknown: string[] = [];
  const invalid: { input: string; reason: string }[] = [];
  const seen = new Set<number>();
  for (const input of inputs) {
    const k = keysOf(input);
    const matches = rows.filter((r) => k.includes(r.key));
    for (const m of matches) {
      if (seen.has(Number(m.id))) continue;
      seen.add(Number(m.id));
      found.push({ input, id: Number(m.id), domain: m.domain });
    }
    if (matches.length > 0) continue;
    const n = normalizeDomain(input);
    if (n.ok) unknown.push(input);
    else invalid.push({ input, reason: n.reason });
  }
  return { found, unknown, invalid };
}

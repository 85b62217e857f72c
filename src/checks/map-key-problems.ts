import { type Document, isAlias, isScalar, visit } from 'yaml';

/** A map key the checks file cannot have, and where it is. */
export interface MapKeyProblem {
  /** Offset of the key in the source. */
  offset: number;
  message: string;
}

/**
 * The keys that repeat an earlier key of their map, and the keys that are not plain values (a
 * list, a map or an alias used as a key), in document order.
 *
 * The YAML library can check duplicates itself (`uniqueKeys`), but it compares each key with
 * every earlier key of the map: a hostile 40,000-key map took 11.8 s. A set per map makes it
 * linear. Scalar keys compare by value, so `1` and `"1"` are different keys, as the library has
 * them. A checks file needs no other kind of key, and turning one into an object key makes the
 * library stringify it, which a hostile file can make as large as memory allows.
 */
export function mapKeyProblems(doc: Document): MapKeyProblem[] {
  const found: MapKeyProblem[] = [];
  visit(doc, {
    Map(_, map) {
      const seen = new Set<unknown>();
      for (const pair of map.items) {
        const key = pair.key as { range?: [number, number, number] | null } | null;
        const offset = key?.range?.[0] ?? 0;
        if (!isScalar(pair.key)) {
          const kind = isAlias(pair.key) ? 'an alias' : 'a list or a map';
          found.push({ offset, message: `a key must be a plain value, not ${kind}` });
        } else if (seen.has(pair.key.value)) {
          found.push({ offset, message: `duplicate key "${String(pair.key.value)}" in one map` });
        } else {
          seen.add(pair.key.value);
        }
      }
    },
  });
  return found;
}

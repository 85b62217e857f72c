import { type Document, isScalar, visit } from 'yaml';

/** A key that repeats an earlier key of the same map, and where it is. */
export interface DuplicateYamlKey {
  key: string;
  /** Offset of the repeated key in the source. */
  offset: number;
}

/**
 * The keys that repeat an earlier key of their map, in document order. The YAML library can
 * check this itself (`uniqueKeys`), but it compares each key with every earlier key of the map:
 * a hostile 40,000-key map took 11.8 s. A set per map makes it linear. Scalar keys compare by
 * value, so `1` and `"1"` are different keys, as the library has them; other keys by their text.
 */
export function duplicateYamlKeys(doc: Document): DuplicateYamlKey[] {
  const found: DuplicateYamlKey[] = [];
  visit(doc, {
    Map(_, map) {
      const seen = new Set<unknown>();
      for (const pair of map.items) {
        const key = isScalar(pair.key) ? pair.key.value : String(pair.key);
        if (seen.has(key)) {
          const range = (pair.key as { range?: [number, number, number] } | null)?.range;
          found.push({ key: String(key), offset: range?.[0] ?? 0 });
        } else {
          seen.add(key);
        }
      }
    },
  });
  return found;
}

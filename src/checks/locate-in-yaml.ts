import { type Document, isMap, isScalar, isSeq, type LineCounter, type Node } from 'yaml';

/** Where to point inside the node a path leads to. */
export interface LocateOptions {
  /** Point at the key of the last path segment rather than its value (unknown or misnamed keys). */
  atKey?: boolean;
  /** Point at the first occurrence of this text inside the node (a `:param` inside the SQL). */
  needle?: RegExp;
}

/**
 * Finds the line and column (from 1) of a path such as `['checks', 2, 'severity']` in a parsed
 * YAML document. A path that leads nowhere (a missing key) points at the deepest node that
 * exists, which is the mapping that lacks the key.
 */
export function locateInYaml(
  doc: Document,
  source: string,
  lineCounter: LineCounter,
  path: readonly PropertyKey[],
  options: LocateOptions = {},
): { line: number; column: number } {
  let node: Node | null = doc.contents;
  let offset = node?.range?.[0] ?? 0;
  for (const [index, segment] of path.entries()) {
    const last = index === path.length - 1;
    let next: Node | null = null;
    if (isMap(node)) {
      const pair = node.items.find((p) => isScalar(p.key) && String(p.key.value) === String(segment));
      if (pair) {
        const key = pair.key as Node;
        next = last && options.atKey ? key : ((pair.value as Node | null) ?? key);
      }
    } else if (isSeq(node) && typeof segment === 'number') {
      next = (node.items[segment] as Node | undefined) ?? null;
    }
    if (next === null) break;
    node = next;
    offset = node.range?.[0] ?? offset;
  }
  if (options.needle && node?.range) {
    const [start, , end] = node.range;
    const found = options.needle.exec(source.slice(start, end));
    if (found) offset = start + found.index;
  }
  const { line, col } = lineCounter.linePos(offset);
  return { line, column: col };
}

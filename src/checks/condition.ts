/** A metric check's `warn` or `fail` condition, such as `> 100` or `between 1 and 5`. */
export type Condition =
  | { op: '>' | '>=' | '<' | '<=' | '==' | '!='; limit: number; text: string }
  | { op: 'between'; low: number; high: number; text: string };

const number = '(-?\\d+(?:\\.\\d+)?(?:e[+-]?\\d+)?)';
const comparison = new RegExp(`^(>=|<=|==|!=|>|<)\\s*${number}$`, 'i');
const between = new RegExp(`^between\\s+${number}\\s+and\\s+${number}$`, 'i');

/**
 * Parses a condition: `> n`, `>= n`, `< n`, `<= n`, `== n`, `!= n` or `between a and b`
 * (inclusive at both ends, as SQL's BETWEEN). Throws an Error that lists the accepted forms.
 */
export function parseCondition(raw: string | number): Condition {
  const text = String(raw).trim().replace(/\s+/g, ' ');
  const cmp = comparison.exec(text);
  if (cmp) {
    return { op: cmp[1] as '>', limit: Number(cmp[2]), text: `${cmp[1]} ${Number(cmp[2])}` };
  }
  const range = between.exec(text);
  if (range) {
    const low = Number(range[1]);
    const high = Number(range[2]);
    if (low > high) throw new Error(`"${raw}" is empty: the low end must come first`);
    return { op: 'between', low, high, text: `between ${low} and ${high}` };
  }
  throw new Error(`"${raw}" is not a condition: write > n, >= n, < n, <= n, == n, != n or "between a and b"`);
}

/** Whether a metric value meets a condition. */
export function conditionHolds(condition: Condition, value: number): boolean {
  switch (condition.op) {
    case '>':
      return value > condition.limit;
    case '>=':
      return value >= condition.limit;
    case '<':
      return value < condition.limit;
    case '<=':
      return value <= condition.limit;
    case '==':
      return value === condition.limit;
    case '!=':
      return value !== condition.limit;
    case 'between':
      return value >= condition.low && value <= condition.high;
  }
}

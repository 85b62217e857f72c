/**
 * A metric check's `warn` or `fail` condition, such as `> 100`, `between 1 and 5`, or, relative
 * to the baseline the check's query returns, `< 20% of baseline`. A relative condition keeps its
 * numbers as percentages; `conditionHolds` scales them by the baseline.
 */
export type Condition =
  | { op: '>' | '>=' | '<' | '<=' | '==' | '!='; limit: number; relative: boolean; text: string }
  | { op: 'between'; low: number; high: number; relative: boolean; text: string };

const number = '(-?\\d+(?:\\.\\d+)?(?:e[+-]?\\d+)?)';
const percent = '(\\d+(?:\\.\\d+)?)\\s*%';
const ofBaseline = '\\s+of\\s+(?:the\\s+)?baseline';
const comparison = new RegExp(`^(>=|<=|==|!=|>|<)\\s*${number}$`, 'i');
const between = new RegExp(`^between\\s+${number}\\s+and\\s+${number}$`, 'i');
const relativeComparison = new RegExp(`^(>=|<=|==|!=|>|<)\\s*${percent}${ofBaseline}$`, 'i');
const relativeBetween = new RegExp(`^between\\s+${percent}\\s+and\\s+${percent}${ofBaseline}$`, 'i');

const forms =
  'write > n, >= n, < n, <= n, == n, != n, "between a and b", or relative to the baseline: "< 20% of baseline", "between 50% and 200% of baseline"';

/**
 * Parses a condition: `> n`, `>= n`, `< n`, `<= n`, `== n`, `!= n` or `between a and b`
 * (inclusive at both ends, as SQL's BETWEEN); or the same against the check's `baseline`
 * column, with percentages: `< 20% of baseline`, `between 50% and 200% of baseline`.
 * Throws an Error that lists the accepted forms.
 */
export function parseCondition(raw: string | number): Condition {
  const text = String(raw).trim().replace(/\s+/g, ' ');
  const cmp = comparison.exec(text);
  if (cmp) {
    return { op: cmp[1] as '>', limit: Number(cmp[2]), relative: false, text: `${cmp[1]} ${Number(cmp[2])}` };
  }
  const rel = relativeComparison.exec(text);
  if (rel) {
    const limit = Number(rel[2]);
    return { op: rel[1] as '>', limit, relative: true, text: `${rel[1]} ${limit}% of baseline` };
  }
  const range = between.exec(text) ?? relativeBetween.exec(text);
  if (range) {
    const relative = !between.test(text);
    const low = Number(range[1]);
    const high = Number(range[2]);
    if (low > high) throw new Error(`"${raw}" is empty: the low end must come first`);
    const unit = relative ? '%' : '';
    return {
      op: 'between',
      low,
      high,
      relative,
      text: `between ${low}${unit} and ${high}${unit}${relative ? ' of baseline' : ''}`,
    };
  }
  if (/%/.test(text) && !/baseline/i.test(text)) {
    throw new Error(`"${raw}" is not a condition: a percentage is of the baseline, as in "< 20% of baseline"`);
  }
  throw new Error(`"${raw}" is not a condition: ${forms}`);
}

/**
 * Whether a metric value meets a condition. A relative condition needs the baseline, and its
 * percentages become `percent / 100 × baseline`.
 */
export function conditionHolds(condition: Condition, value: number, baseline?: number): boolean {
  if (condition.relative && baseline === undefined) {
    throw new Error(`the condition "${condition.text}" needs a baseline`);
  }
  // Multiplied before dividing, so that 20% of 100 is exactly 20.
  const at = (n: number) => (condition.relative ? (n * (baseline as number)) / 100 : n);
  switch (condition.op) {
    case '>':
      return value > at(condition.limit);
    case '>=':
      return value >= at(condition.limit);
    case '<':
      return value < at(condition.limit);
    case '<=':
      return value <= at(condition.limit);
    case '==':
      return value === at(condition.limit);
    case '!=':
      return value !== at(condition.limit);
    case 'between':
      return value >= at(condition.low) && value <= at(condition.high);
  }
}

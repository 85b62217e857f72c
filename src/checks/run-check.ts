import { CompiledQuery, type Kysely, sql } from 'kysely';
import type { Database } from '../db/schema.js';
import { formatShort } from '../duration.js';
import { coerceError } from '../errors.js';
import { bindCheckSql } from './bind-check-sql.js';
import type { CheckDefinition, ParamValue } from './check-definition.js';
import type { CheckResult, CheckStatus } from './check-result.js';
import { conditionHolds } from './condition.js';
import { scanSql } from './scan-sql.js';

/** How the database behind a run behaves. */
export interface RunCheckOptions {
  /**
   * Whether the database interrupts a statement at its `statement_timeout`. A PostgreSQL server
   * does; PGlite runs a query to its end, so a check that overran is reported as an error
   * afterwards instead: a check that timed out is never a pass.
   */
  enforcesTimeout: boolean;
}

/** The one row the wrapping query returns: the number of rows the check returned and the first of them. */
export interface WrappedRow {
  total: number | string;
  sample: Record<string, unknown>[];
}

/**
 * Wraps a check's bound SQL so that the database counts its rows and returns only the first
 * few, as JSON: a check that matches a million rows sends a number and a handful of rows over
 * the wire, and every backend renders timestamps the same way. The check's SQL stays one
 * statement inside a CTE; a CTE referenced twice is computed once. Inside a CTE, a bare
 * INSERT/UPDATE/DELETE/DROP is a syntax error and a data-modifying WITH is refused by the parser,
 * so only functions could write: the READ ONLY transaction stops most, and the rollback that
 * always ends it discards the rest (large objects).
 *
 * SQL: `with pipectl_check as (<check sql>) select count(*), json_agg(first $n rows)`.
 */
function wrapCheckSql(text: string, limitParam: number): string {
  // Only a final semicolon is dropped; anything after one stays, to fail as a syntax error
  // rather than be silently cut off.
  const last = scanSql(text).semicolons.at(-1);
  const trailing = last !== undefined && scanSql(text.slice(last + 1)).firstKeyword === '';
  const body = trailing ? text.slice(0, last) : text;
  return `with pipectl_check as (
${body}
)
select (select count(*) from pipectl_check) as total,
  (select coalesce(json_agg(r), '[]') from (select * from pipectl_check limit $${limitParam}) as r) as sample`;
}

/**
 * The statement a check runs: its SQL with parameters bound, wrapped to return the row count
 * and the first sample rows (see `wrapCheckSql`). Exported for EXPLAIN in the benchmark.
 */
export function compileCheckQuery(check: CheckDefinition): CompiledQuery<WrappedRow> {
  const bound = bindCheckSql(check.sql, check.params);
  // A metric check must return exactly one row; the count says whether it did.
  const keep = check.kind === 'metric' ? 1 : check.sampleRows;
  return CompiledQuery.raw(wrapCheckSql(bound.text, bound.parameters.length + 1), [...bound.parameters, keep]);
}

/** SQLSTATEs a check commonly dies of, and what to say instead of the bare message. */
const checkErrorStates: Record<string, (check: CheckDefinition, message: string) => string> = {
  // query_canceled is also what an operator's pg_cancel_backend gives; only the timeout is ours.
  '57014': (check, message) =>
    /statement timeout/.test(message)
      ? `timed out after ${formatShort(check.timeoutMs, { exact: true })} (statement_timeout): make the query cheaper or raise its timeout`
      : message,
  '25006': (_check, message) => `tried to write (${message}): checks run read-only and must only read`,
};

function describeCheckError(check: CheckDefinition, err: unknown): string {
  const code = (err as { code?: unknown } | null)?.code;
  const message = coerceError(err).message.split('\n')[0] ?? 'unknown error';
  const describe = typeof code === 'string' ? checkErrorStates[code] : undefined;
  return describe ? describe(check, message) : message;
}

/** What makes a check fire, in words. */
export function describeThreshold(check: CheckDefinition): string {
  if (check.kind === 'row') return 'any row';
  const parts: string[] = [];
  if (check.warn) parts.push(`warn ${check.warn.text}`);
  if (check.fail) parts.push(`fail ${check.fail.text}`);
  if (check.minBaseline) parts.push(`min_baseline ${check.minBaseline}`);
  return parts.join(', ');
}

/** A check that wrote something READ ONLY did not stop; its transaction is rolled back. */
class CheckWroteError extends Error {
  constructor() {
    super(
      'the check wrote to the database (its transaction was rolled back, nothing was kept) — a check must only read',
    );
  }
}

/** Thrown out of a check's transaction to roll it back, carrying what the check returned. */
class RollBack {
  constructor(readonly row: WrappedRow) {}
}

/**
 * Runs one check in its own READ ONLY transaction with a local `statement_timeout` (and
 * TimeZone UTC, so that timestamps in sample rows read the same from every client), and judges
 * the result. Never throws: a check that cannot run, writes, times out or returns a malformed
 * metric is `error`, never `pass`.
 */
export async function runCheck(
  db: Kysely<Database>,
  check: CheckDefinition,
  options: RunCheckOptions,
): Promise<CheckResult> {
  const params: Record<string, ParamValue> = Object.fromEntries(
    Object.entries(check.params).map(([name, p]) => [name, p.value]),
  );
  const started = performance.now();
  const outcome = (
    status: CheckStatus,
    fields: Partial<Pick<CheckResult, 'value' | 'baseline' | 'violations' | 'sampleRows' | 'error' | 'note'>>,
  ): CheckResult => ({
    name: check.name,
    status,
    kind: check.kind,
    severity: check.severity,
    value: fields.value ?? null,
    baseline: fields.baseline ?? null,
    violations: fields.violations ?? null,
    threshold: describeThreshold(check),
    durationMs: Math.round((performance.now() - started) * 10) / 10,
    error: fields.error ?? null,
    note: fields.note ?? null,
    // Set once every check of the run is judged (explainInhibited).
    explainedBy: null,
    sampleRows: fields.sampleRows ?? [],
    params,
    description: check.description,
    runbook: check.runbook ?? null,
    owner: check.owner ?? null,
  });

  let row: WrappedRow;
  try {
    const query = compileCheckQuery(check);
    // The transaction always ends in ROLLBACK, never COMMIT: READ ONLY does not stop every write
    // (large objects: `select lo_from_bytea(0, 'x')` creates one), and a check has nothing to keep.
    row = await db
      .transaction()
      .setAccessMode('read only')
      .execute(async (trx) => {
        await sql`select set_config('statement_timeout', ${String(check.timeoutMs)}, true),
          set_config('TimeZone', 'UTC', true)`.execute(trx);
        const result = await trx.executeQuery<WrappedRow>(query);
        // Any write, even one READ ONLY lets through, gives the transaction an id.
        const { rows } = await sql<{
          wrote: boolean;
        }>`select pg_current_xact_id_if_assigned() is not null as wrote`.execute(trx);
        if (rows[0]?.wrote) throw new CheckWroteError();
        throw new RollBack(result.rows[0] ?? { total: 0, sample: [] });
      });
  } catch (err) {
    if (!(err instanceof RollBack)) return outcome('error', { error: describeCheckError(check, err) });
    row = err.row;
  }

  const elapsed = performance.now() - started;
  if (!options.enforcesTimeout && elapsed > check.timeoutMs) {
    return outcome('error', {
      error: `took ${(elapsed / 1000).toFixed(1)}s, longer than its ${formatShort(check.timeoutMs, { exact: true })} timeout (the embedded database cannot interrupt a query)`,
    });
  }

  const total = Number(row.total);
  if (check.kind === 'row') {
    return outcome(total > 0 ? check.severity : 'pass', { violations: total, sampleRows: row.sample });
  }
  const judged = judgeMetric(check, total, row.sample[0]);
  return typeof judged === 'string'
    ? outcome('error', { error: judged, sampleRows: row.sample })
    : outcome(judged.status, { ...judged, sampleRows: row.sample });
}

/** A judged metric: its status and value, and for a relative check its baseline and any note. */
interface JudgedMetric {
  status: CheckStatus;
  value: number;
  baseline?: number | null;
  note?: string;
}

/** A metric check's status from its one row, or why the row cannot be judged. */
function judgeMetric(
  check: CheckDefinition,
  total: number,
  first: Record<string, unknown> | undefined,
): JudgedMetric | string {
  if (total !== 1 || first === undefined) return `a metric check must return exactly one row; it returned ${total}`;
  if (!('value' in first)) return 'a metric check must return a column named value';
  const raw = first.value;
  if (raw === null) return 'returned a null value';
  const value = asNumber(raw);
  if (value === undefined) return `value ${JSON.stringify(raw)} is not a number`;
  const relative = check.fail?.relative === true || check.warn?.relative === true;
  if (!relative) return { status: statusOf(check, value), value };

  if (!('baseline' in first)) {
    return 'a metric check with a condition relative to the baseline must return a column named baseline';
  }
  // No baseline at all (a median over no rows) is the emptiest history there is.
  if (first.baseline === null)
    return { status: 'pass', value, baseline: null, note: 'insufficient history: no baseline' };
  const baseline = asNumber(first.baseline);
  if (baseline === undefined) return `baseline ${JSON.stringify(first.baseline)} is not a number`;
  const min = check.minBaseline ?? 0;
  if (baseline < min) {
    return {
      status: 'pass',
      value,
      baseline,
      note: `insufficient history: baseline ${formatNumber(baseline)} is below min_baseline ${formatNumber(min)}`,
    };
  }
  return { status: statusOf(check, value, baseline), value, baseline };
}

function statusOf(check: CheckDefinition, value: number, baseline?: number): CheckStatus {
  if (check.fail && conditionHolds(check.fail, value, baseline)) return 'fail';
  if (check.warn && conditionHolds(check.warn, value, baseline)) return 'warn';
  return 'pass';
}

/** A number from a JSON value: numbers, and numeric text (PostgreSQL's numeric and bigint arrive as text). */
function asNumber(raw: unknown): number | undefined {
  const value = typeof raw === 'number' ? raw : typeof raw === 'string' && raw.trim() !== '' ? Number(raw) : Number.NaN;
  return Number.isNaN(value) ? undefined : value;
}

/** A baseline as people read it: at most two decimals (a median of an even count ends in .5). */
const formatNumber = (n: number) => String(Math.round(n * 100) / 100);

import { LineCounter, parseDocument } from 'yaml';
import type { z } from 'zod';
import { formatShort, parseDuration } from '../duration.js';
import { coerceError } from '../errors.js';
import {
  type AlertSettings,
  alertDefaults,
  type CheckDefinition,
  type ChecksFile,
  checkDefaults,
  type ParamDefinition,
} from './check-definition.js';
import { ChecksConfigError, type ConfigProblem } from './checks-config-error.js';
import {
  checkSchema,
  checksFileSchema,
  defaultsSchema,
  paramSchema,
  type RawCheck,
  type RawChecksFile,
} from './checks-file-schema.js';
import { coerceParam } from './coerce-param.js';
import { parseCondition } from './condition.js';
import { type LocateOptions, locateInYaml } from './locate-in-yaml.js';
import { mapKeyProblems } from './map-key-problems.js';
import { scanSql } from './scan-sql.js';

/** A problem before it has a position: the YAML path it concerns and how to point inside it. */
interface PathProblem extends LocateOptions {
  path: readonly PropertyKey[];
  /** The path the message names, when it is not `path` (an unknown key is named by its parent). */
  subject?: readonly PropertyKey[];
  message: string;
}

/** The statements a check may be: one query. Anything else is refused before it reaches a database. */
const queryKeywords = new Set(['select', 'with', 'values', 'table']);

/** A check's timeout becomes `statement_timeout`, an int4 of milliseconds: 2^31−1 ms, about 24.8 days. */
const maxStatementTimeoutMs = 2 ** 31 - 1;

/**
 * Parses and validates the text of a checks file, and returns its checks normalized.
 * Throws a `ChecksConfigError` listing every problem with its line and column: YAML syntax,
 * unknown keys, wrong types, bad durations and conditions, duplicate names, a statement that
 * is not a single query, `:params` used but not declared, and params declared but never used.
 *
 * `file` is only used in messages; `identity` is the file's alert namespace unless it declares
 * one (null: it has none, see `ChecksFile.namespace`).
 */
export function parseChecksFile(source: string, file: string, identity: string | null = `file:${file}`): ChecksFile {
  const lineCounter = new LineCounter();
  const at = (offset: number) => {
    const { line, col } = lineCounter.linePos(offset);
    return { file, line, column: col };
  };
  // The YAML library throws, rather than reports, on some hostile input (an unresolved or
  // exploding alias, nesting deep enough to overflow the stack): still a located config error.
  const yamlThrew = (err: unknown): ChecksConfigError => {
    const pos = (err as { pos?: [number, number] } | null)?.pos?.[0] ?? 0;
    const message = err instanceof Error ? err.message.split('\n')[0] : String(err);
    return new ChecksConfigError([{ ...at(pos), message: `invalid YAML: ${message}` }]);
  };
  let doc: ReturnType<typeof parseDocument>;
  try {
    // Duplicate keys are found below, in linear time (see mapKeyProblems).
    doc = parseDocument(source, { lineCounter, prettyErrors: false, uniqueKeys: false });
  } catch (err) {
    throw yamlThrew(err);
  }

  if (doc.errors.length > 0) {
    // One syntax slip often produces several errors on the same line; the first says it best.
    const seen = new Set<number>();
    const problems: ConfigProblem[] = [];
    for (const err of doc.errors) {
      const where = at(err.pos[0]);
      if (seen.has(where.line)) continue;
      seen.add(where.line);
      problems.push({ ...where, message: `invalid YAML: ${err.message}` });
    }
    throw new ChecksConfigError(problems);
  }
  const badKeys = mapKeyProblems(doc);
  if (badKeys.length > 0) {
    throw new ChecksConfigError(badKeys.map((k) => ({ ...at(k.offset), message: `invalid YAML: ${k.message}` })));
  }

  let data: unknown;
  try {
    data = doc.toJS();
  } catch (err) {
    throw yamlThrew(err);
  }
  if (data === null || data === undefined) {
    throw new ChecksConfigError([{ ...at(0), message: 'the file is empty: it needs a `checks:` list' }]);
  }
  const locate = (p: PathProblem): ConfigProblem => ({
    file,
    ...locateInYaml(doc, source, lineCounter, p.path, p),
    message: `${describePath(p.subject ?? p.path, data)}: ${p.message}`,
  });

  // Every problem in one pass: the schema's problems, and those of the later stages (parameter
  // defaults, unused parameters, durations, names) on whatever parts of the file are valid.
  const parsed = checksFileSchema.safeParse(data);
  const schemaProblems = parsed.success ? [] : parsed.error.issues.flatMap(issueProblems);
  const salvaged = parsed.success ? wholeFile(parsed.data) : salvageFile(data);

  const problems: PathProblem[] = [];
  const defaults = salvaged.defaults;
  if (repeatIntervalMs(defaults?.repeat_interval) === null) {
    problems.push({ path: ['defaults', 'repeat_interval'], message: repeatIntervalHelp });
  }
  const defaultTimeout = timeoutMs(defaults?.timeout);
  if (typeof defaultTimeout === 'string') problems.push({ path: ['defaults', 'timeout'], message: defaultTimeout });
  const checks = salvaged.checks.map((entry) => buildCheck(entry, defaults, ['checks', entry.index], problems));
  const names = new Map<string, number>();
  for (const { raw, index } of salvaged.checks) {
    if (raw.name === undefined) continue;
    const first = names.get(raw.name);
    if (first === undefined) {
      names.set(raw.name, index);
    } else {
      const { line } = locateInYaml(doc, source, lineCounter, ['checks', first, 'name']);
      problems.push({ path: ['checks', index, 'name'], message: `duplicate name: line ${line} already uses it` });
    }
  }
  problems.push(...inhibitsProblems(salvaged.checks, names));
  // A value the schema refused is reported once, in the schema's words.
  const refused = new Set(schemaProblems.map((p) => pathKey(p.path)));
  const all = [...schemaProblems, ...problems.filter((p) => !refused.has(pathKey(p.path)))];
  if (all.length > 0) throw new ChecksConfigError(sortProblems(all.map(locate)));
  return { path: file, namespace: parsed.data?.namespace ?? identity ?? undefined, checks };
}

const pathKey = (path: readonly PropertyKey[]) => JSON.stringify(path.map(String));

/** A check as far as it is valid: the keys that passed the schema, and which keys were written at all. */
interface SalvagedCheck {
  index: number;
  raw: Partial<RawCheck>;
  /** Keys present in the file, valid or not: an invalid `warn` is still a condition that was written. */
  written: Set<string>;
  /** Every parameter declared, valid or not, so that the SQL's use of a bad one is not "undeclared". */
  declared: string[];
}

interface SalvagedFile {
  defaults: RawChecksFile['defaults'];
  checks: SalvagedCheck[];
}

function wholeFile(data: RawChecksFile): SalvagedFile {
  return {
    defaults: data.defaults,
    checks: data.checks.map((raw, index) => ({
      index,
      raw,
      written: new Set(Object.keys(raw)),
      declared: Object.keys(raw.params ?? {}),
    })),
  };
}

const isMapping = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** The keys of `value` that each pass their own schema in `shape`; the others are left out. */
function validKeys(value: Record<string, unknown>, shape: Record<string, z.ZodType>): Record<string, unknown> {
  const kept: Record<string, unknown> = {};
  for (const [key, field] of Object.entries(value)) {
    const schema = shape[key];
    if (schema === undefined) continue;
    const result = schema.safeParse(field);
    if (result.success) kept[key] = result.data;
  }
  return kept;
}

/** The valid parts of a file the schema refused, for the later stages to check too. */
function salvageFile(data: unknown): SalvagedFile {
  if (!isMapping(data)) return { defaults: undefined, checks: [] };
  const defaults = isMapping(data.defaults)
    ? (validKeys(data.defaults, defaultsSchema.shape) as RawChecksFile['defaults'])
    : undefined;
  const list = Array.isArray(data.checks) ? data.checks : [];
  const checks: SalvagedCheck[] = [];
  for (const [index, entry] of list.entries()) {
    if (!isMapping(entry)) continue;
    const raw = validKeys(entry, checkSchema.shape) as Partial<RawCheck>;
    // One bad parameter must not hide the others, nor make the SQL's use of it look undeclared.
    if (isMapping(entry.params)) raw.params = validKeys(entry.params, paramShape(entry.params)) as RawCheck['params'];
    const declared = isMapping(entry.params) ? Object.keys(entry.params) : [];
    checks.push({ index, raw, written: new Set(Object.keys(entry)), declared });
  }
  return { defaults, checks };
}

/** Each declared parameter checked on its own against `paramSchema`. */
function paramShape(params: Record<string, unknown>): Record<string, z.ZodType> {
  return Object.fromEntries(Object.keys(params).map((name) => [name, paramSchema]));
}

function sortProblems(problems: ConfigProblem[]): ConfigProblem[] {
  return problems.sort((a, b) => a.line - b.line || a.column - b.column);
}

/** Turns a zod issue into problems at YAML paths, in our words. */
function issueProblems(issue: z.core.$ZodIssue): PathProblem[] {
  if (issue.code === 'unrecognized_keys') {
    const allowed = allowedKeys(issue.path);
    return issue.keys.map((key) => ({
      path: [...issue.path, key],
      subject: issue.path,
      atKey: true,
      message: `unknown key "${key}"${allowed ? ` (allowed: ${allowed.join(', ')})` : ''}`,
    }));
  }
  if (issue.code === 'invalid_key') {
    return [{ path: issue.path, atKey: true, message: issue.issues[0]?.message ?? issue.message }];
  }
  return [{ path: issue.path, message: issue.message }];
}

function allowedKeys(path: readonly PropertyKey[]): string[] | undefined {
  if (path.length === 0) return Object.keys(checksFileSchema.shape);
  if (path.length === 1 && path[0] === 'defaults') return Object.keys(defaultsSchema.shape);
  if (path.length === 2 && path[0] === 'checks') return Object.keys(checkSchema.shape);
  if (path.length === 4 && path[2] === 'params') return Object.keys(paramSchema.shape);
  return undefined;
}

/** `check "pending-job-age" params.older_than.default`, or `checks[3] severity` before the name is known. */
function describePath(path: readonly PropertyKey[], data: unknown): string {
  if (path[0] === 'checks' && typeof path[1] === 'number') {
    const name = (data as { checks?: { name?: unknown }[] }).checks?.[path[1]]?.name;
    const label = typeof name === 'string' && name !== '' ? `check "${name}"` : `checks[${path[1]}]`;
    const rest = path.slice(2).map(String).join('.');
    return rest ? `${label} ${rest}` : label;
  }
  return path.length === 0 ? 'checks file' : path.map(String).join('.');
}

function buildCheck(
  { raw, written, declared }: SalvagedCheck,
  defaults: RawChecksFile['defaults'],
  path: readonly PropertyKey[],
  problems: PathProblem[],
): CheckDefinition {
  const problem = (rel: PropertyKey[], message: string, options: LocateOptions = {}) =>
    problems.push({ path: [...path, ...rel], message, ...options });

  const hasConditions = written.has('warn') || written.has('fail');
  const kind = raw.kind ?? (hasConditions ? 'metric' : 'row');
  if (kind === 'row') {
    if (hasConditions) {
      problem(
        [written.has('warn') ? 'warn' : 'fail'],
        'warn and fail conditions belong to metric checks (kind: metric)',
        {
          atKey: true,
        },
      );
    }
    if (!written.has('severity')) problem(['severity'], 'is required for a row check: warn or fail');
  } else {
    if (!hasConditions) problem(['kind'], 'a metric check needs a warn or a fail condition, such as fail: "> 100"');
    if (written.has('severity')) {
      problem(['severity'], 'a metric check takes its severity from its warn and fail conditions: remove it', {
        atKey: true,
      });
    }
  }

  const relative = [raw.warn, raw.fail].some((c) => c !== undefined && parseCondition(c).relative);
  if (written.has('min_baseline') && !relative) {
    problem(
      ['min_baseline'],
      'applies only to a metric check with a relative condition, such as fail: "< 20% of baseline"',
      {
        atKey: true,
      },
    );
  }

  // A bad `defaults: timeout` is reported once, at `defaults:`, not once per check.
  const ownTimeout = timeoutMs(raw.timeout);
  if (typeof ownTimeout === 'string') problem(['timeout'], ownTimeout);

  const params: Record<string, ParamDefinition> = {};
  for (const [name, declared] of Object.entries(raw.params ?? {})) {
    try {
      params[name] = {
        type: declared.type,
        value: coerceParam(declared.type, declared.default),
        description: declared.description,
      };
    } catch (err) {
      problem(['params', name, 'default'], coerceError(err).message);
    }
  }

  if (raw.sql !== undefined) checkSql(raw.sql, declared, path, problems);

  return {
    name: raw.name ?? '',
    description: raw.description?.trim() ?? '',
    kind,
    severity: kind === 'row' ? (raw.severity ?? 'fail') : raw.fail !== undefined ? 'fail' : 'warn',
    sql: raw.sql ?? '',
    params,
    warn: raw.warn === undefined ? undefined : parseCondition(raw.warn),
    fail: raw.fail === undefined ? undefined : parseCondition(raw.fail),
    minBaseline: relative ? (raw.min_baseline ?? 0) : undefined,
    inhibits: raw.inhibits ?? [],
    sampleRows: raw.sample_rows ?? defaults?.sample_rows ?? checkDefaults.sampleRows,
    timeoutMs: usableMs(ownTimeout) ?? usableMs(timeoutMs(defaults?.timeout)) ?? checkDefaults.timeoutMs,
    runbook: raw.runbook?.trim() || undefined,
    owner: raw.owner,
    alert: buildAlertSettings(raw, defaults, path, problems),
  };
}

/** The SQL must be one query, name its parameters, and use exactly the parameters it declares. */
function checkSql(text: string, declaredNames: string[], path: readonly PropertyKey[], problems: PathProblem[]): void {
  const sqlPath = [...path, 'sql'];
  const scan = scanSql(text);
  if (!queryKeywords.has(scan.firstKeyword)) {
    const word = scan.firstKeyword ? scan.firstKeyword.toUpperCase() : 'nothing';
    problems.push({
      path: sqlPath,
      needle: scan.firstKeyword ? new RegExp(`\\b${scan.firstKeyword}\\b`, 'i') : undefined,
      message: `must be one read-only query (SELECT, WITH, VALUES or TABLE), not ${word}: checks never change data`,
    });
  }
  const laterStatement = scan.semicolons.some((at) => scanSql(text.slice(at + 1)).firstKeyword !== '');
  if (laterStatement) {
    problems.push({ path: sqlPath, needle: /;/, message: 'must be a single statement: remove the second one' });
  }
  if (scan.positional.length > 0) {
    problems.push({
      path: sqlPath,
      needle: /\$\d/,
      message: 'uses a positional $n parameter: declare a named one under params and write :name',
    });
  }
  const declared = new Set(declaredNames);
  const used = new Set(scan.placeholders.map((p) => p.name));
  for (const name of used) {
    if (!declared.has(name)) {
      problems.push({
        path: sqlPath,
        needle: new RegExp(`(?<!:):${name}\\b`),
        message: `uses :${name} but does not declare it under params`,
      });
    }
  }
  for (const name of declared) {
    if (!used.has(name)) {
      problems.push({
        path: [...path, 'params', name],
        atKey: true,
        message: `is declared but the SQL never uses :${name}`,
      });
    }
  }
}

/** `repeat_interval`, `notify_on_warn` and `slack_mention`, from the check, else `defaults:`, else `alertDefaults`. */
function buildAlertSettings(
  raw: Partial<RawCheck>,
  defaults: RawChecksFile['defaults'],
  path: readonly PropertyKey[],
  problems: PathProblem[],
): AlertSettings {
  // A bad `defaults: repeat_interval` is reported once, by parseChecksFile, not once per check.
  const ownRepeat = repeatIntervalMs(raw.repeat_interval);
  if (ownRepeat === null) problems.push({ path: [...path, 'repeat_interval'], message: repeatIntervalHelp });
  return {
    repeatIntervalMs: ownRepeat ?? repeatIntervalMs(defaults?.repeat_interval) ?? alertDefaults.repeatIntervalMs,
    notifyOnWarn: raw.notify_on_warn ?? defaults?.notify_on_warn ?? alertDefaults.notifyOnWarn,
    slackMention: raw.slack_mention ?? defaults?.slack_mention ?? alertDefaults.slackMention,
  };
}

const repeatIntervalHelp = 'must be at least 1m, in minutes, hours or days (such as 4h)';

/**
 * A `repeat_interval` in ms; undefined when it is not set, null when it is unusable: a month has
 * no fixed length, and an interval under a minute would repeat the post on every cron run.
 */
function repeatIntervalMs(text: string | undefined): number | undefined | null {
  if (text === undefined) return undefined;
  const { ms } = parseDuration(text);
  return ms === undefined || ms < 60_000 ? null : ms;
}

const timeoutHelp = 'must be a positive duration in ms, seconds, minutes, hours or days';

/**
 * A `timeout` in ms; undefined when it is not set, or the problem with it: zero, months and
 * years, or longer than PostgreSQL's statement_timeout can hold.
 */
function timeoutMs(text: string | undefined): number | undefined | string {
  if (text === undefined) return undefined;
  let ms: number | undefined;
  try {
    ms = parseDuration(text).ms;
  } catch (err) {
    return coerceError(err).message;
  }
  if (ms === undefined || ms < 1) return timeoutHelp;
  if (ms > maxStatementTimeoutMs) {
    return `must be at most ${formatShort(maxStatementTimeoutMs, { exact: true })}, PostgreSQL's statement_timeout maximum`;
  }
  return ms;
}

function usableMs(value: number | undefined | string): number | undefined {
  return typeof value === 'number' ? value : undefined;
}

/**
 * The problems of the `inhibits:` lists: a name the file does not have, a check that names
 * itself or repeats a name, and cycles (a check explained, through others, by one it explains:
 * neither could ever be the probable cause). Each cycle is reported once, at the entry that
 * closes it.
 */
function inhibitsProblems(checks: readonly SalvagedCheck[], names: ReadonlyMap<string, number>): PathProblem[] {
  const problems: PathProblem[] = [];
  const edges = new Map<string, { to: string; path: PropertyKey[] }[]>();
  for (const { raw, index } of checks) {
    if (raw.name === undefined || raw.inhibits === undefined) continue;
    const seen = new Set<string>();
    const out: { to: string; path: PropertyKey[] }[] = [];
    for (const [i, target] of raw.inhibits.entries()) {
      const path = ['checks', index, 'inhibits', i];
      if (target === raw.name) {
        problems.push({ path, message: 'a check cannot inhibit itself' });
      } else if (!names.has(target)) {
        problems.push({ path, message: `"${target}" is not a check in this file` });
      } else if (seen.has(target)) {
        problems.push({ path, message: `lists "${target}" twice` });
      } else {
        out.push({ to: target, path });
      }
      seen.add(target);
    }
    edges.set(raw.name, out);
  }
  // Depth-first, in file order, with a stack of its own (a long chain in a hostile file must
  // not overflow the call stack): an edge back to a check on the current path closes a cycle.
  const done = new Set<string>();
  for (const start of edges.keys()) {
    if (done.has(start)) continue;
    const path: { name: string; next: number }[] = [{ name: start, next: 0 }];
    const onPath = new Set([start]);
    while (path.length > 0) {
      const top = path[path.length - 1] as { name: string; next: number };
      const edge = edges.get(top.name)?.[top.next];
      if (edge === undefined) {
        path.pop();
        onPath.delete(top.name);
        done.add(top.name);
        continue;
      }
      top.next += 1;
      if (onPath.has(edge.to)) {
        const from = path.findIndex((p) => p.name === edge.to);
        const cycle = [...path.slice(from).map((p) => p.name), edge.to].join(' → ');
        problems.push({
          path: edge.path,
          message: `makes a cycle (${cycle}): a check cannot be explained by one it explains`,
        });
      } else if (!done.has(edge.to)) {
        path.push({ name: edge.to, next: 0 });
        onPath.add(edge.to);
      }
    }
  }
  return problems;
}

import type { Condition } from './condition.js';

/** The types a check parameter can have; each binds with a fixed cast (see `bindCheckSql`). */
export type ParamType = 'interval' | 'integer' | 'text' | 'list';

/** A bound parameter value: an interval literal or text (string), an integer, or a list of text. */
export type ParamValue = string | number | string[];

/** A declared parameter of a check. */
export interface ParamDefinition {
  type: ParamType;
  /** The value used unless `--param` overrides it; intervals are normalised (`15 minutes`). */
  value: ParamValue;
  description: string | undefined;
}

/** `row`: every returned row is a violation. `metric`: one row whose `value` is judged by conditions. */
export type CheckKind = 'row' | 'metric';

/** One check from checks.yml, validated and normalised. */
export interface CheckDefinition {
  /** kebab-case, unique in its file. */
  name: string;
  description: string;
  kind: CheckKind;
  /**
   * The status a row check reports when it finds rows. For a metric check, the worst status its
   * conditions can give: `fail` when it has a `fail` condition, else `warn`.
   */
  severity: 'warn' | 'fail';
  /** The SQL as written, with `:name` placeholders. */
  sql: string;
  params: Record<string, ParamDefinition>;
  /** Metric checks only. */
  warn: Condition | undefined;
  fail: Condition | undefined;
  /** How many violating rows to keep (default 5). */
  sampleRows: number;
  /** The statement timeout (default 10 s). */
  timeoutMs: number;
  runbook: string | undefined;
  owner: string | undefined;
}

/** A loaded checks file. */
export interface ChecksFile {
  /** The file as it should be shown to the user (relative to the working directory when inside it). */
  path: string;
  checks: CheckDefinition[];
}

/** The defaults applied when a check (and the file's `defaults:`) leaves them out. */
export const checkDefaults = {
  timeoutMs: 10_000,
  sampleRows: 5,
} as const;

import type { Condition } from './condition.js';

/** The types a check parameter can have; each binds with a fixed cast (see `bindCheckSql`). */
export type ParamType = 'interval' | 'integer' | 'text' | 'list';

/** A bound parameter value: an interval literal or text (string), an integer, or a list of text. */
export type ParamValue = string | number | string[];

/** A declared parameter of a check. */
export interface ParamDefinition {
  type: ParamType;
  /** The value used unless `--param` overrides it; intervals are normalized (`15 minutes`). */
  value: ParamValue;
  description: string | undefined;
}

/** `row`: every returned row is a violation. `metric`: one row whose `value` is judged by conditions. */
export type CheckKind = 'row' | 'metric';

/** One check from checks.yml, validated and normalized. */
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
  /**
   * Metric checks with a relative condition (`< 20% of baseline`): below this baseline the
   * history is too thin to compare with, and the check passes with an "insufficient history"
   * note (`min_baseline`, default 0). Undefined for checks without a relative condition.
   */
  minBaseline?: number;
  /**
   * The checks this one explains (`inhibits:`): while it fails, they are marked "explained by"
   * it in every report and folded under it in Slack. Names of the same file; never a cycle. Absent: none.
   */
  inhibits?: string[];
  /** How many violating rows to keep (default 5). */
  sampleRows: number;
  /** The statement timeout (default 10 s). */
  timeoutMs: number;
  runbook: string | undefined;
  owner: string | undefined;
  /** How `pipectl check --slack` alerts on this check; absent means `alertDefaults`. */
  alert?: AlertSettings;
}

/** A check's Slack alerting, from `repeat_interval`, `notify_on_warn` and `slack_mention` (docs/checks.md). */
export interface AlertSettings {
  /** How long to wait before posting again while the check stays failing (`repeat_interval`, default 4 h). */
  repeatIntervalMs: number;
  /** Whether a `warn` result alerts (`notify_on_warn`, default false); without it only fail and error do. */
  notifyOnWarn: boolean;
  /**
   * Who to mention (`slack_mention`): a Slack user ID (`U…`/`W…`, shown as `<@U…>`) or user-group
   * ID (`S…`, shown as `<!subteam^S…>`); undefined shows `owner` as plain text.
   */
  slackMention: string | undefined;
}

/**
 * Alerting defaults: Alertmanager's `repeat_interval` of 4 h, and warnings stay out of Slack,
 * since a channel that posts every warning is a channel on-call learns to mute.
 */
export const alertDefaults: AlertSettings = Object.freeze({
  repeatIntervalMs: 4 * 3_600_000,
  notifyOnWarn: false,
  slackMention: undefined,
});

/** A loaded checks file. */
export interface ChecksFile {
  /** The file as it should be shown to the user (relative to the working directory when inside it). */
  path: string;
  /**
   * Whose alert state this file's `--slack` runs keep in `alert_state`: the file's `namespace:`,
   * else `shipped` for the checks shipped with pipectl, else `file:` and the file's real path;
   * undefined for a pipe or device that declares none (`--slack` then refuses to run).
   */
  namespace: string | undefined;
  checks: CheckDefinition[];
}

/** The defaults applied when a check (and the file's `defaults:`) leaves them out. */
export const checkDefaults = {
  timeoutMs: 10_000,
  sampleRows: 5,
} as const;

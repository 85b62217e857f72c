import { z } from 'zod';
import { parseDuration } from '../duration.js';
import { coerceError } from '../errors.js';
import { parseCondition } from './condition.js';

/** Check names are kebab-case so that they read well as CLI arguments, metric labels and JUnit test names. */
export const checkNamePattern = /^[a-z0-9]+(?:-[a-z0-9]+)*$/;
/** Parameter names are SQL-identifier-like, since they appear as `:name` in the SQL. */
export const paramNamePattern = /^[a-z_][a-z0-9_]*$/;

/** The message for a wrong type, or "is required" when the key is missing. */
const expected = (message: string) => ({
  error: (issue: { input?: unknown }) => (issue.input === undefined ? 'is required' : message),
});

const durationText = z
  .string(expected('must be a duration with a unit, such as 10s, 5m or "15 minutes"'))
  .check((ctx) => {
    try {
      parseDuration(ctx.value);
    } catch (err) {
      ctx.issues.push({ code: 'custom', message: coerceError(err).message, input: ctx.value });
    }
  });

const conditionText = z
  .union(
    [z.string(), z.number()],
    expected('must be a condition such as "> 100", "between 1 and 5" or "< 20% of baseline"'),
  )
  .check((ctx) => {
    try {
      parseCondition(ctx.value);
    } catch (err) {
      ctx.issues.push({ code: 'custom', message: coerceError(err).message, input: ctx.value });
    }
  });

const sampleRows = z
  .number(expected('must be a whole number'))
  .int('must be a whole number')
  .min(0, 'must be 0 or more')
  .max(1000, 'must be at most 1000');

/** Slack user IDs start with U or W, user-group IDs with S; both are upper-case letters and digits. */
export const slackMentionPattern = /^[UWS][A-Z0-9]{2,}$/;

const slackMention = z
  .string(expected('must be a Slack user ID (U… or W…) or user-group ID (S…), such as U024BE7LH'))
  .regex(
    slackMentionPattern,
    'must be a Slack user ID (U… or W…) or user-group ID (S…), such as U024BE7LH: copy it from the profile or group in Slack',
  );

const notifyOnWarn = z.boolean(expected('must be true or false'));

const scalar = z.union([z.string(), z.number()]);

/** A parameter declaration: `older_than: { type: interval, default: 15m }`. */
export const paramSchema = z.strictObject({
  type: z.enum(['interval', 'integer', 'text', 'list'], expected('must be interval, integer, text or list')),
  default: z.union([scalar, z.array(scalar)], expected('must be a value (a list for a list parameter)')),
  description: z.string(expected('must be text')).optional(),
});

/** One check as written in checks.yml (before the checks that need the whole file: names, params). */
export const checkSchema = z.strictObject({
  name: z.string(expected('must be text')).regex(checkNamePattern, 'must be kebab-case, such as pending-job-age'),
  description: z.string(expected('must be text')).trim().min(1, 'must not be empty'),
  kind: z.enum(['row', 'metric'], expected('must be row or metric')).optional(),
  severity: z.enum(['warn', 'fail'], expected('must be warn or fail')).optional(),
  sql: z.string(expected('must be text')).refine((v) => v.trim() !== '', 'must not be empty'),
  params: z
    .record(
      z.string().regex(paramNamePattern, 'parameter names must be lower_snake_case, such as older_than'),
      paramSchema,
      expected('must be a mapping of parameter names to { type, default }'),
    )
    .optional(),
  warn: conditionText.optional(),
  fail: conditionText.optional(),
  min_baseline: z.number(expected('must be a number of at least 0')).min(0, 'must be 0 or more').optional(),
  inhibits: z
    .array(
      z
        .string(expected('must be a check name'))
        .regex(checkNamePattern, 'must be a check name, such as pending-job-age'),
      expected('must be a list of check names, such as [pending-job-age, queued-domain-age]'),
    )
    .optional(),
  sample_rows: sampleRows.optional(),
  timeout: durationText.optional(),
  runbook: z.string(expected('must be text')).optional(),
  owner: z.string(expected('must be text')).optional(),
  repeat_interval: durationText.optional(),
  notify_on_warn: notifyOnWarn.optional(),
  slack_mention: slackMention.optional(),
});

/** `defaults:`, applied to every check that leaves the key out. */
export const defaultsSchema = z.strictObject({
  timeout: durationText.optional(),
  sample_rows: sampleRows.optional(),
  repeat_interval: durationText.optional(),
  notify_on_warn: notifyOnWarn.optional(),
  slack_mention: slackMention.optional(),
});

/** A namespace names whose alert state a file's runs keep: lower-case letters, digits, `.`, `_` and `-`. */
export const namespacePattern = /^[a-z0-9][a-z0-9._-]{0,62}$/;

/** The whole file. */
export const checksFileSchema = z.strictObject({
  namespace: z
    .string(expected('must be text'))
    .regex(namespacePattern, 'must be 1–63 lower-case letters, digits, ".", "_" or "-", such as billing-checks')
    .optional(),
  defaults: defaultsSchema.optional(),
  checks: z.array(checkSchema, expected('must be a list of checks')).min(1, 'must list at least one check'),
});

export type RawParam = z.infer<typeof paramSchema>;
export type RawCheck = z.infer<typeof checkSchema>;
export type RawChecksFile = z.infer<typeof checksFileSchema>;

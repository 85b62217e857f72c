import { Flags } from '@oclif/core';
import { type DomainStatus, domainStatuses, type JobStatus, jobStatuses, userJobTypes } from '../db/schema.js';

/*
 * Flags that several commands share, declared once (as salesforcecli's `src/shared/flags.ts`).
 * Built on `Flags.option`: oclif refuses any other value, and the command reads a typed one.
 * "stage" means a job type users run (`sitemap`, `page_import`, `contact_scan`) in every command.
 */

/** `--status` of jobs (repeatable), offering `options` (default: every job status). */
export function jobStatusFlag(description: string, options: readonly JobStatus[] = jobStatuses) {
  return Flags.option({ description, options, multiple: true })();
}

/** `--status` of domains (repeatable). */
export function domainStatusFlag(description: string, options: readonly DomainStatus[] = domainStatuses) {
  return Flags.option({ description, options, multiple: true })();
}

/** `--stage`, repeatable: job types users run. */
export function stagesFlag(description: string) {
  return Flags.option({ description, options: userJobTypes, multiple: true })();
}

/** `--stage`, once: a job type users run. */
export function stageFlag(description: string) {
  return Flags.option({ description, options: userJobTypes })();
}

/**
 * `--stage` of the audits, once: intake, or a job type users run, or its workflow name
 * (`WF4`, `WF5`, `WF7`: the names the audits print, which scripts already pass).
 */
export function auditStageFlag(description: string) {
  return Flags.option({ description, options: ['intake', ...userJobTypes, 'WF4', 'WF5', 'WF7'] as const })();
}

/** `--format` of the audits' human output: text, or markdown for a post-mortem. */
export function auditFormatFlag() {
  return Flags.option({
    description: 'Output format.',
    options: ['text', 'markdown'] as const,
    default: 'text' as const,
  })();
}

/** `--format` of `audit impact`: as the other audits, or a self-contained HTML page. */
export function impactFormatFlag() {
  return Flags.option({
    description: 'Output format: html is one self-contained page (inline CSS and SVG) for a post-mortem.',
    options: ['text', 'markdown', 'html'] as const,
    default: 'text' as const,
  })();
}

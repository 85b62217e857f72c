import type { CheckRun } from '../checks/check-result.js';
import { renderJson } from './render-json.js';
import { renderJunit } from './render-junit.js';
import { renderMarkdown } from './render-markdown.js';
import { renderPrometheus } from './render-prometheus.js';
import { renderTable, type TableOptions } from './render-table.js';

/** The formats `pipectl check --format` offers. */
export const reportFormats = ['table', 'json', 'junit', 'markdown', 'prometheus'] as const;
export type ReportFormat = (typeof reportFormats)[number];

/** Renders a run in one of the report formats; `table` takes the terminal's options. */
export async function renderReport(run: CheckRun, format: ReportFormat, table: TableOptions = {}): Promise<string> {
  switch (format) {
    case 'table':
      return renderTable(run, table);
    case 'json':
      return renderJson(run);
    case 'junit':
      return renderJunit(run);
    case 'markdown':
      return renderMarkdown(run);
    case 'prometheus':
      return renderPrometheus(run);
  }
}

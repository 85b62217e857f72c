import { rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { PipectlError } from '../errors.js';

/**
 * Writes a report to a file by writing a temporary file beside it and renaming it over the
 * target, so that a reader (node_exporter's textfile collector, a CI uploader) never sees half
 * a report.
 */
export async function writeReportFile(file: string, text: string): Promise<void> {
  const temporary = path.join(path.dirname(file), `.${path.basename(file)}.${process.pid}.tmp`);
  try {
    await writeFile(temporary, text, 'utf8');
    await rename(temporary, file);
  } catch (err) {
    throw new PipectlError('output_unwritable', `cannot write the report to ${file}: ${(err as Error).message}`, {
      cause: err,
    });
  }
}

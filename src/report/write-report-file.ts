import { rename, stat, unlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { coerceError, errorCode, PipectlError } from '../errors.js';

/**
 * Refuses an `--output` that names a directory, before any check runs: the rename at the end
 * would fail, after the run (and its Slack post) had happened for nothing.
 */
export async function assertReportTarget(file: string): Promise<void> {
  const found = await stat(file).catch(() => undefined);
  if (found?.isDirectory()) {
    throw new PipectlError(
      'usage',
      `--output ${file} is a directory: name a file, such as ${path.join(file, 'checks.xml')}`,
    );
  }
}

/**
 * Writes a report to a file by writing a temporary file beside it and renaming it over the
 * target, so that a reader (node_exporter's textfile collector, a CI uploader) never sees half
 * a report. On failure the temporary file is removed: nothing is left behind.
 */
export async function writeReportFile(file: string, text: string): Promise<void> {
  const temporary = path.join(path.dirname(file), `.${path.basename(file)}.${process.pid}.tmp`);
  try {
    await writeFile(temporary, text, 'utf8');
    await rename(temporary, file);
  } catch (err) {
    await unlink(temporary).catch(() => {});
    const reason = errorCode(err) === 'EISDIR' ? 'it is a directory' : coerceError(err).message;
    throw new PipectlError('output_unwritable', `cannot write the report to ${file}: ${reason}`, {
      cause: err,
    });
  }
}

import { errorCode, PipectlError } from '../errors.js';

/** What a file-system error code means for a directory pipectl must create and write in. */
const reasons: Record<string, string> = {
  EEXIST: 'a file is in the way',
  ENOTDIR: 'a file is in the way',
  EACCES: 'permission denied',
  EPERM: 'permission denied',
  EROFS: 'the file system is read-only',
  ENOENT: 'files cannot be created there',
  ENOSPC: 'the disk is full',
};

/**
 * A one-line error for an embedded data directory that cannot be used: a file, a path under a
 * file, a directory without write permission, or a pseudo file system such as /proc.
 */
export function dataDirUnusable(dataDir: string, err: unknown): PipectlError {
  const code = errorCode(err) ?? '';
  const reason = reasons[code] ?? ((err instanceof Error && err.message) || 'it cannot be written');
  return new PipectlError(
    'data_dir_unusable',
    `cannot use ${dataDir} as the embedded database directory: ${reason} — set --data-dir or PIPECTL_DATA_DIR to a directory you can write`,
    { cause: err },
  );
}

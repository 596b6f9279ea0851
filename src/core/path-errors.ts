/**
 * Plain words for the file-system errors a user can fix (a path named on the command line, in
 * a config, or given as an output). One table for every command, so a reason reads the same
 * whether ingest, an output path or the top-level handler reports it.
 */
const PATH_ERRORS: Record<string, string> = {
  EACCES: 'permission denied',
  EPERM: 'permission denied',
  ENOENT: 'no such file or folder',
  EISDIR: 'is a folder, not a file',
  ENOTDIR: 'a part of the path is not a folder',
  ELOOP: 'too many symbolic links',
  EROFS: 'read-only file system',
  ENOSPC: 'no space left on the device',
  EDQUOT: 'disk quota exceeded',
  ENXIO: 'no reader (a socket or a device without a driver)',
  EFBIG: 'file too large',
  EIO: 'input/output error',
};

/**
 * The reason in words, or undefined when the error is not about a path. When writing, a
 * missing path means its folder is missing (the file itself is created).
 */
export function describePathError(err: unknown, opts: { writing?: boolean } = {}): string | undefined {
  const code = (err as NodeJS.ErrnoException)?.code ?? '';
  if (opts.writing && code === 'ENOENT') return 'no such folder';
  return PATH_ERRORS[code];
}

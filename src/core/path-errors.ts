import { closeSync, openSync, statSync } from 'node:fs';
import { UsageError } from './errors.js';

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

/** `command: cannot read <path>: <reason>`, exit 2. */
export function cannotRead(command: string, path: string, err: unknown): UsageError {
  const why = describePathError(err) ?? (err as NodeJS.ErrnoException).code ?? String(err);
  return new UsageError(`${command}: cannot read ${path}: ${why}`);
}

/**
 * Throws cannotRead unless `file` opens for reading: checked before a command opens or creates
 * anything, so an unreadable input leaves no trace. Opening is the one true test (access(2)
 * says yes to root, and ACLs exist). Only regular files: opening a pipe and closing it again
 * could end the writer's stream.
 */
export function checkReadable(command: string, file: string): void {
  if (file === '-') return;
  try {
    if (statSync(file).isFile()) closeSync(openSync(file, 'r'));
  } catch (err) {
    throw cannotRead(command, file, err);
  }
}

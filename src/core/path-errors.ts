/** Plain words for the file-system errors a user can fix (a path named on the command line or in a config). */
const PATH_ERRORS: Record<string, string> = {
  EACCES: 'permission denied',
  EPERM: 'permission denied',
  ENOENT: 'no such file or folder',
  EISDIR: 'is a folder, not a file',
  ENOTDIR: 'a part of the path is not a folder',
  ELOOP: 'too many symbolic links',
};

/** The reason in words, or undefined when the error is not about a path the user gave. */
export function describePathError(err: unknown): string | undefined {
  return PATH_ERRORS[(err as NodeJS.ErrnoException)?.code ?? ''];
}

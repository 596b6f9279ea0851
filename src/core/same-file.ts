import { lstatSync, readlinkSync, realpathSync, statSync, type Stats } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';

/**
 * Whether paths `a` and `b` name one file: the same device and inode when both exist (through
 * symbolic links and hard links alike), else the same place once links on the way are followed
 * (a path not created yet, or a link to one).
 */
export function sameFile(a: string, b: string): boolean {
  const sa = statIfAny(a);
  const sb = statIfAny(b);
  if (sa && sb) return sa.dev === sb.dev && sa.ino === sb.ino;
  if (sa || sb) return false;
  return whereItWouldBe(a) === whereItWouldBe(b);
}

function statIfAny(path: string): Stats | undefined {
  try {
    return statSync(path);
  } catch {
    return undefined;
  }
}

/** The absolute path a file not there yet would be created at: links followed, its folder's included. */
function whereItWouldBe(path: string, depth = 0): string {
  try {
    // A dangling link: writing through it creates the file it points to.
    if (depth < 40 && lstatSync(path).isSymbolicLink()) return whereItWouldBe(resolve(dirname(path), readlinkSync(path)), depth + 1);
  } catch {
    // not there
  }
  try {
    return join(realpathSync(dirname(path)), basename(path));
  } catch {
    return resolve(path);
  }
}

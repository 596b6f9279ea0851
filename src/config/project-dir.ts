import { existsSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';

/** The folder that marks a project, as `.git` does: it holds the default database. */
export const PROJECT_DIR = '.llmops';
export const DEFAULT_DB_FILE = 'llmops.db';

/**
 * The nearest folder, from `cwd` up to the file-system root, that holds a `.llmops/` folder
 * (its project root), as git finds `.git`; undefined when there is none.
 */
export function findProjectRoot(cwd = process.cwd()): string | undefined {
  for (let dir = resolve(cwd); ; dir = dirname(dir)) {
    if (isFolder(join(dir, PROJECT_DIR))) return dir;
    if (dirname(dir) === dir) return undefined;
  }
}

function isFolder(path: string): boolean {
  try {
    return existsSync(path) && statSync(path).isDirectory();
  } catch {
    return false; // unreadable: not ours to use
  }
}

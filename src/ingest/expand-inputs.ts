import * as fs from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { globSync } from 'tinyglobby';
import { UsageError } from '../core/errors.js';
import { cannotRead, checkReadable } from '../core/path-errors.js';
import { WALKED_EXTENSIONS } from './input-format.js';

export type ExpandOptions = {
  /** Which files of a directory to read (`--glob`); else every file of a known format. */
  glob?: string;
};

const DEFAULT_GLOB = `**/*.{${WALKED_EXTENSIONS.join(',')}}`;

/**
 * Turns the command-line inputs into the files to read, in a stable order: a directory gives
 * its files of a known format, or those `--glob` matches (recursively, sorted; hidden folders
 * and node_modules skipped), `-` is stdin. Every path is checked before anything is read, so a
 * typo fails fast with nothing written.
 */
export function expandInputs(inputs: string[], opts: ExpandOptions = {}): string[] {
  const files: string[] = [];
  let stdin = false;
  let dirs = 0;
  for (const input of inputs) {
    if (input === '-') {
      if (stdin) throw new UsageError('ingest: stdin (-) given more than once');
      stdin = true;
      files.push('-');
      continue;
    }
    let st;
    try {
      st = fs.statSync(input);
    } catch (err) {
      throw (err as NodeJS.ErrnoException).code === 'ENOENT' ? new UsageError(`ingest: no such file or directory: ${input}`) : cannotRead('ingest', input, err);
    }
    if (st.isDirectory()) {
      dirs++;
      files.push(...walk(input, opts.glob));
    } else files.push(input);
  }
  if (opts.glob !== undefined && dirs === 0) throw new UsageError(`ingest: --glob chooses files in a directory, and no directory was given`);
  for (const f of files) checkReadable('ingest', f);
  return files;
}

/** The files under `dir` the pattern matches, as paths under `dir`, sorted folder by folder. */
function walk(dir: string, pattern: string | undefined): string[] {
  const unreadable: { path: string; err: unknown }[] = [];
  // The walk skips what it cannot list; this notes it, so it can be named.
  const readdirSync = ((path: string, o: never) => {
    try {
      return fs.readdirSync(path, o);
    } catch (err) {
      unreadable.push({ path, err });
      throw err;
    }
  }) as typeof fs.readdirSync;
  const found = globSync(pattern ?? DEFAULT_GLOB, {
    cwd: dir,
    ignore: ['**/node_modules/**'],
    dot: false,
    followSymbolicLinks: false,
    caseSensitiveMatch: pattern !== undefined,
    fs: { readdirSync },
  });
  const first = unreadable[0];
  if (first) throw cannotRead('ingest', join(dir, relative(resolve(dir), first.path)), first.err);
  if (found.length === 0) {
    throw new UsageError(
      pattern === undefined
        ? `ingest: ${dir}: no ${WALKED_EXTENSIONS.map((e) => `.${e}`).join(', ')} files in this directory`
        : `ingest: ${dir}: no files match --glob ${pattern}`,
    );
  }
  return found.sort(byFolder).map((p) => join(dir, p));
}

/** Path order as a folder listing shows it: segment by segment. */
function byFolder(a: string, b: string): number {
  const x = a.split('/');
  const y = b.split('/');
  for (let i = 0; i < Math.min(x.length, y.length); i++) {
    const c = x[i]!.localeCompare(y[i]!);
    if (c !== 0) return c;
  }
  return x.length - y.length;
}

export function totalBytes(files: string[]): number {
  return files.reduce((sum, f) => (f === '-' ? sum : sum + fs.statSync(f).size), 0);
}

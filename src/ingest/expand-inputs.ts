import { closeSync, openSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { UsageError } from '../core/errors.js';
import { describePathError } from '../core/path-errors.js';

const RECORD_FILE = /\.(json|jsonl|ndjson)$/i;

/**
 * Turns the command-line inputs into the files to read, in a stable order: a directory gives
 * its .json/.jsonl/.ndjson files (recursively, sorted), `-` is stdin. Every path is checked
 * before anything is read, so a typo fails fast with nothing written.
 */
export function expandInputs(inputs: string[]): string[] {
  const files: string[] = [];
  let stdin = false;
  for (const input of inputs) {
    if (input === '-') {
      if (stdin) throw new UsageError('ingest: stdin (-) given more than once');
      stdin = true;
      files.push('-');
      continue;
    }
    let st;
    try {
      st = statSync(input);
    } catch (err) {
      throw (err as NodeJS.ErrnoException).code === 'ENOENT' ? new UsageError(`ingest: no such file or directory: ${input}`) : cannotRead(input, err);
    }
    if (st.isDirectory()) {
      const found = walk(input);
      if (found.length === 0) throw new UsageError(`ingest: ${input}: no .json, .jsonl or .ndjson files in this directory`);
      files.push(...found);
    } else files.push(input);
  }
  for (const f of files) if (f !== '-') checkReadable(f);
  return files;
}

function walk(dir: string): string[] {
  const out: string[] = [];
  let entries;
  try {
    entries = readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name));
  } catch (err) {
    throw cannotRead(dir, err);
  }
  for (const e of entries) {
    if (e.name.startsWith('.')) continue;
    const p = join(dir, e.name);
    if (e.isDirectory()) out.push(...walk(p));
    else if (e.isFile() && RECORD_FILE.test(e.name)) out.push(p);
  }
  return out;
}

/**
 * Opening is the one true test (access(2) says yes to root, and ACLs exist). Only regular
 * files: opening a pipe and closing it again could end the writer's stream.
 */
function checkReadable(file: string): void {
  try {
    if (statSync(file).isFile()) closeSync(openSync(file, 'r'));
  } catch (err) {
    throw cannotRead(file, err);
  }
}

function cannotRead(path: string, err: unknown): UsageError {
  const why = describePathError(err) ?? (err as NodeJS.ErrnoException).code ?? String(err);
  return new UsageError(`ingest: cannot read ${path}: ${why}`);
}

export function totalBytes(files: string[]): number {
  return files.reduce((sum, f) => (f === '-' ? sum : sum + statSync(f).size), 0);
}

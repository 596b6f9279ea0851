import { chmodSync, existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCliAsUnprivileged } from '../helpers/cli.js';
import { tempDir } from '../helpers/databases.js';

// ingest has its own tests (it walks folders); these are the other commands that read a file
// named on the command line: each says which file, in one line, with exit 2.
describe('a file that cannot be read is one line naming it, exit 2', () => {
  it('split --in, dedup --in, analyse --in and --config on a file the user may not read', async () => {
    const d = tempDir();
    try {
      const locked = join(d.path, 'locked.jsonl');
      writeFileSync(locked, '{"id":"1","text":"hello"}\n');
      chmodSync(locked, 0o000);
      const db = join(d.path, 'x.db');
      const runs: [string, string[]][] = [
        ['split --in', ['--db', db, 'split', '--in', locked, '--out', '-']],
        ['dedup --in', ['--db', db, 'dedup', '--in', locked, '--key', 'id', '--out', '-']],
        ['analyse --in', ['--db', db, 'analyse', '--in', locked, '--out', '-']],
        ['--config', ['--config', locked, '--db', db, 'inspect', 'documents']],
      ];
      for (const [what, args] of runs) {
        const r = await runCliAsUnprivileged(args, d.path);
        expect(r.stderr.trimEnd().split('\n'), what).toEqual([expect.stringMatching(new RegExp(`cannot read ${locked}: permission denied`))]);
        expect(r.code, what).toBe(2);
        expect(r.stdout, what).toBe('');
      }
    } finally {
      d.remove();
    }
  });

  it('split --in on a path that does not exist or is a folder', async () => {
    const d = tempDir();
    try {
      for (const [path, why] of [[join(d.path, 'missing.jsonl'), 'no such file or folder'], [d.path, 'is a folder']] as const) {
        const r = await runCliAsUnprivileged(['--db', join(d.path, 'x.db'), 'split', '--in', path, '--out', '-'], d.path);
        expect(r.stderr.trimEnd().split('\n')).toEqual([expect.stringContaining(`${path}: ${why}`)]);
        expect(r.code).toBe(2);
      }
      expect(existsSync(join(d.path, 'x.db'))).toBe(false);
    } finally {
      d.remove();
    }
  });
});

describe('an --out file the user may not write is one line naming it, exit 2, and left as it was', () => {
  it('split --out and analyse --out onto a read-only file', async () => {
    const d = tempDir();
    try {
      writeFileSync(join(d.path, 'in.jsonl'), '{"id":"a","text":"One sentence. Two sentences."}\n');
      const locked = join(d.path, 'locked.jsonl');
      writeFileSync(locked, 'keep me\n');
      chmodSync(locked, 0o444);
      for (const args of [
        ['split', '--in', 'in.jsonl', '--out', locked],
        ['analyse', '--in', 'in.jsonl', '--out', locked],
      ]) {
        const r = await runCliAsUnprivileged(args, d.path);
        expect(r.code, args[0]).toBe(2);
        expect(r.stderr.trimEnd().split('\n'), args[0]).toEqual([expect.stringContaining(`cannot write ${locked}: permission denied`)]);
        expect(readFileSync(locked, 'utf8')).toBe('keep me\n');
      }
      expect(readdirSync(d.path).sort()).toEqual(['in.jsonl', 'locked.jsonl']);
    } finally {
      d.remove();
    }
  });
});

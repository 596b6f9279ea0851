import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BIN, REPO, withoutCreatedNote } from '../helpers/cli.js';

/** The CLI with its standard output sent to `target` by the shell, as `llmops … > target`. */
function redirected(args: string[], target: string) {
  const quoted = [process.execPath, BIN, ...args].map((a) => `'${a.replaceAll("'", `'\\''`)}'`).join(' ');
  return spawnSync('bash', ['-c', `${quoted} > ${target}`], { cwd: REPO, encoding: 'utf8', timeout: 60_000 });
}

describe('standard output that cannot be written', () => {
  it('(> /dev/full) is one line naming the reason and exit 1, not a stack trace', () => {
    const dir = mkdtempSync(join(tmpdir(), 'llmops-stdout-'));
    try {
      const db = join(dir, 'f.db');
      for (const args of [['ingest', 'data/posts.jsonl'], ['inspect', 'documents']]) {
        const r = redirected(['--db', db, ...args], '/dev/full');
        expect(r.status, r.stderr).toBe(1);
        expect(withoutCreatedNote(r.stderr)).toBe('llmops: cannot write to standard output: no space left on the device\n');
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

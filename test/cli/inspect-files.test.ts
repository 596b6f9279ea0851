import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempDir } from '../helpers/databases.js';
import { BIN, runCli, startProcess } from '../helpers/cli.js';

// `inspect export` and `inspect report --out` replace a file: a run cut short must leave the old one whole.

const dir = tempDir();
afterAll(() => dir.remove());

const sha256 = (file: string) => createHash('sha256').update(readFileSync(file)).digest('hex');

/** Resolves once `file` exists with some bytes in it (the command is writing it), or the process ended. */
async function whenGrown(file: string, ended: Promise<unknown>): Promise<void> {
  let over = false;
  void ended.then(() => (over = true));
  while (!over) {
    try {
      if (statSync(file).size > 0) return;
    } catch {
      // not created yet
    }
    await new Promise((r) => setTimeout(r, 5));
  }
}

describe('inspect export interrupted', () => {
  const db = join(dir.path, 'big.db');
  beforeAll(async () => {
    // Enough documents that the export is still writing when it is signalled (about a second here).
    const docs = Array.from({ length: 30_000 }, (_, i) => JSON.stringify({ id: `d${i}`, text: `Document number ${i} has a few words. `.repeat(12) }));
    writeFileSync(join(dir.path, 'docs.jsonl'), `${docs.join('\n')}\n`);
    const r = await runCli(['--db', db, 'ingest', join(dir.path, 'docs.jsonl')]);
    expect(r.code, r.stderr).toBe(0);
  }, 120_000);

  it('by SIGTERM leaves the backup it would replace byte for byte, and no temporary file (exit 143)', { timeout: 120_000 }, async () => {
    const backup = join(dir.path, 'backup.jsonl');
    const first = await runCli(['--db', db, 'inspect', 'export', backup]);
    expect(first.code, first.stderr).toBe(0);
    const before = sha256(backup);

    const run = startProcess(process.execPath, [BIN, '--db', db, 'inspect', 'export', backup]);
    await whenGrown(`${backup}.tmp-${run.child.pid}`, run.ended);
    run.child.kill('SIGTERM');
    const r = await run.ended;

    expect(r.code, r.stderr).toBe(143);
    expect(sha256(backup)).toBe(before);
    expect(readdirSync(dir.path).filter((n) => n.includes('.tmp-'))).toEqual([]);
    expect(r.stderr).toContain(`llmops: inspect export: stopped (SIGTERM); ${backup} is left as it was`);
  });
});

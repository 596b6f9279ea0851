import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempDir } from '../helpers/databases.js';
import { BIN, ndjson, runCli, startProcess } from '../helpers/cli.js';

// `inspect export` and `inspect report --out` replace a file: a run cut short must leave the old one
// whole, and the file replaced is never the database they read.

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

describe('inspect export | report onto the database itself', () => {
  const db = join(dir.path, 'self.db');
  beforeAll(async () => {
    writeFileSync(join(dir.path, 'few.jsonl'), `${JSON.stringify({ id: 'a', text: 'One document.' })}\n${JSON.stringify({ id: 'b', text: 'Another one.' })}\n`);
    const r = await runCli(['--db', db, 'ingest', join(dir.path, 'few.jsonl')]);
    expect(r.code, r.stderr).toBe(0);
    symlinkSync(db, join(dir.path, 'link-to.db'));
  });

  const link = join(dir.path, 'link-to.db');
  it.each([
    ['export onto the database', ['inspect', 'export', db], `llmops: inspect export: cannot write ${db}: that is the database (${db}); name another file`],
    ['report onto the database', ['inspect', 'report', '--out', db], `llmops: inspect report: cannot write ${db}: that is the database (${db}); name another file`],
    ['export onto a link to the database', ['inspect', 'export', link], `llmops: inspect export: cannot write ${link}: that is the database (${db}); name another file`],
    ['report onto its -wal', ['inspect', 'report', '--out', `${db}-wal`], `that is the database's -wal file (${db}-wal)`],
    ['export onto its -shm', ['inspect', 'export', `${db}-shm`], `that is the database's -shm file (${db}-shm)`],
  ])('%s is refused in one line (exit 2), the database left as it was', async (_name, args, message) => {
    const before = sha256(db);
    const r = await runCli(['--db', db, ...args]);
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toContain(message);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(sha256(db)).toBe(before);
    const docs = await runCli(['--db', db, 'inspect', 'documents']);
    expect(docs.code, docs.stderr).toBe(0);
    expect(ndjson(docs.stdout)).toHaveLength(2);
  });
});

import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase, type Db } from '../../src/store/database.js';
import { parseDatabaseUrl } from '../../src/store/database-url.js';
import { splitDocument } from '../../src/split/split-document.js';
import { ENGINES, engineMissing, freshDatabase, tempDir } from '../helpers/databases.js';
import { BIN, ndjson, runCli } from '../helpers/cli.js';

const dir = tempDir();
afterAll(() => dir.remove());

/** A corpus of `n` documents of several sentences each, as JSONL. */
function corpus(name: string, n: number, offset = 0): string {
  const lines: string[] = [];
  for (let i = offset; i < offset + n; i++) {
    lines.push(
      JSON.stringify({
        id: `doc-${i}`,
        text: `Document ${i} opens here. Dr. Jones said "it rose 3.5% in the U.S." on Monday! Was it enough?\n\nA second paragraph follows for doc ${i}.`,
      }),
    );
  }
  const p = join(dir.path, name);
  writeFileSync(p, `${lines.join('\n')}\n`);
  return p;
}

async function splitState(db: Db) {
  const docs = await db.db.selectFrom('documents').select(['id', 'content']).execute();
  const sentences = await db.db.selectFrom('sentences').selectAll().execute();
  const splits = await db.db.selectFrom('document_splits').selectAll().execute();
  const expected = docs.reduce((n, d) => n + splitDocument(d).length, 0);
  return { docs: docs.length, splits: splits.length, sentences: sentences.length, expected, rows: sentences, byId: new Map(docs.map((d) => [d.id, d])) };
}

for (const engine of ENGINES) {
  describe.skipIf(engineMissing(engine))(`llmops split (${engine})`, () => {
    let url: string;
    let cleanup: () => Promise<void>;
    let db: Db;
    beforeAll(async () => {
      ({ url, cleanup } = await freshDatabase(engine));
      db = await openDatabase(parseDatabaseUrl(url));
    });
    afterAll(async () => {
      await db?.close();
      await cleanup?.();
    });

    it('splits every stored document once, with offsets into the document', async () => {
      expect((await runCli(['--db', url, 'ingest', corpus(`a-${engine}.jsonl`, 40)])).code).toBe(0);
      const r = await runCli(['--db', url, 'split', '--limit', '15']);
      expect(r.code).toBe(0);
      expect(ndjson(r.stdout)[0]).toMatchObject({ command: 'split', documents: 15 });
      const r2 = await runCli(['--db', url, 'split']);
      expect(ndjson(r2.stdout)[0]).toMatchObject({ documents: 25, documents_in_store: 40 });
      const r3 = await runCli(['--db', url, 'split']);
      expect(ndjson(r3.stdout)[0]).toMatchObject({ documents: 0, note: 'nothing new to split' });

      const s = await splitState(db);
      expect(s.splits).toBe(40);
      expect(s.sentences).toBe(s.expected);
      expect(s.sentences).toBe(40 * 4);
      // Each row is the span the splitter finds at its index (a sentence's text is that slice of its document).
      for (const row of s.rows) {
        const span = splitDocument(s.byId.get(row.document_id)!)[row.idx]!;
        expect([row.id, row.start_offset, row.end_offset]).toEqual([span.id, span.start, span.end]);
      }
      const doc0 = s.rows.filter((x) => x.document_id === s.rows[0]!.document_id).sort((a, b) => a.idx - b.idx);
      expect(doc0.map((x) => x.idx)).toEqual([0, 1, 2, 3]);
    });

    it('--out - also streams the new sentences as NDJSON, the summary going to stderr', async () => {
      expect((await runCli(['--db', url, 'ingest', corpus(`b-${engine}.jsonl`, 3, 1000)])).code).toBe(0);
      const r = await runCli(['--db', url, 'split', '--out', '-']);
      expect(r.code).toBe(0);
      const rows = ndjson(r.stdout);
      expect(rows).toHaveLength(12);
      expect(rows.map((x) => x.text)).toContain('Document 1000 opens here.');
      expect(rows.filter((x) => x.index === 0)).toHaveLength(3);
      expect(r.stderr).toContain('sentences');
    });

    it('kill -9 in the middle, then a rerun: every document split exactly once', async () => {
      const fresh = await freshDatabase(engine);
      try {
        expect((await runCli(['--db', fresh.url, 'ingest', corpus(`kill-${engine}.jsonl`, 4000)])).code).toBe(0);
        const check = await openDatabase(parseDatabaseUrl(fresh.url));
        try {
          const child = spawn(process.execPath, [BIN, '--db', fresh.url, 'split', '--batch-size', '20'], { stdio: 'ignore' });
          // Wait until some, not all, documents are split, then kill without warning.
          for (let i = 0; i < 400; i++) {
            const { n } = await check.db.selectFrom('document_splits').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
            if (Number(n) >= 20) break;
            await sleep(10);
          }
          child.kill('SIGKILL');
          await new Promise((r) => child.on('close', r));
          const mid = await splitState(check);
          expect(mid.splits).toBeGreaterThan(0);
          expect(mid.splits).toBeLessThan(4000);
          // Whatever was committed is whole: each split document has all its sentences.
          expect(mid.sentences).toBe(mid.splits * 4);

          const r = await runCli(['--db', fresh.url, 'split']);
          expect(r.code).toBe(0);
          const after = await splitState(check);
          expect(after.splits).toBe(4000);
          expect(after.sentences).toBe(after.expected);
        } finally {
          await check.close();
        }
      } finally {
        await fresh.cleanup();
      }
    });

    it('three workers at once split each document exactly once', async () => {
      const fresh = await freshDatabase(engine);
      try {
        expect((await runCli(['--db', fresh.url, 'ingest', corpus(`par-${engine}.jsonl`, 3000)])).code).toBe(0);
        const results = await Promise.all([1, 2, 3].map(() => runCli(['--db', fresh.url, 'split', '--batch-size', '25'])));
        for (const r of results) expect(r.code, r.stderr).toBe(0);
        const total = results.reduce((n, r) => n + ndjson(r.stdout)[0].documents, 0);
        expect(total).toBe(3000);
        const check = await openDatabase(parseDatabaseUrl(fresh.url));
        const s = await splitState(check);
        await check.close();
        expect(s.splits).toBe(3000);
        expect(s.sentences).toBe(s.expected);
      } finally {
        await fresh.cleanup();
      }
    });
  });
}

describe('llmops split, store-less and watch', () => {
  it('--workers past 4 per core is cut there, with a warning (a typo of 200 started 200 threads: 1.9 GB)', async () => {
    const d = tempDir();
    try {
      const db = join(d.path, 'w.db');
      expect((await runCli(['--db', db, 'ingest', 'data/posts.jsonl'])).code).toBe(0);
      const r = await runCli(['--db', db, 'split', '--workers', '200']);
      expect(r.code, r.stderr).toBe(0);
      const most = availableParallelism() * 4;
      expect(ndjson(r.stdout)[0]).toMatchObject({ workers: most, documents: 20 });
      expect(r.stderr).toContain(`split: --workers 200: more threads than 4 per core (${availableParallelism()} cores) add only memory; using ${most}`);
    } finally {
      d.remove();
    }
  });

  it('--out failing after batches were stored says how many documents were split and stored, and the counts agree with the store', async () => {
    const d = tempDir();
    try {
      const file = join(d.path, 'f.db');
      expect((await runCli(['--db', file, 'ingest', corpus('full.jsonl', 80)])).code).toBe(0);
      const r = await runCli(['--db', file, 'split', '--batch-size', '16', '--workers', '1', '--out', '/dev/full']);
      expect(r.code).toBe(1);
      const m = /^llmops: cannot write \/dev\/full: no space left on the device \((\d+) document\(s\) were split and stored before this: their sentences are in the store, not in this output;/.exec(r.stderr);
      expect(m, r.stderr).not.toBeNull();
      const db = await openDatabase(parseDatabaseUrl(file));
      try {
        const state = await splitState(db);
        // The first batch's sentences could not be written: the run stops there.
        expect(state.splits).toBe(Number(m![1]));
        expect(state.splits).toBe(16);
      } finally {
        await db.close();
      }
    } finally {
      d.remove();
    }
  });

  it('cat docs.jsonl | llmops split --in - --out - works without a store', async () => {
    const d = tempDir();
    const input = [
      JSON.stringify({ id: 'x1', text: 'Hello there. General Kenobi!' }),
      JSON.stringify({ text: 'No id here. Still works.' }),
    ].join('\n');
    const r = await runCli(['split', '--in', '-', '--out', '-'], { input, cwd: d.path });
    expect(r.code).toBe(0);
    const rows = ndjson(r.stdout);
    expect(rows.map((x) => [x.document_id === 'x1', x.index, x.text, x.start, x.end])).toEqual([
      [true, 0, 'Hello there.', 0, 12],
      [true, 1, 'General Kenobi!', 13, 28],
      [false, 0, 'No id here.', 0, 11],
      [false, 1, 'Still works.', 12, 24],
    ]);
    // No database was created.
    const { existsSync } = await import('node:fs');
    expect(existsSync(join(d.path, '.llmops'))).toBe(false);
    d.remove();
  });

  it('document ids beyond 2^53 keep their digits: two documents stay two', async () => {
    const d = tempDir();
    const input = '{"id":9007199254740992,"text":"One. Two."}\n{"id":9007199254740993,"text":"One. Two."}\n';
    const r = await runCli(['split', '--in', '-', '--out', '-'], { input, cwd: d.path });
    expect(r.code).toBe(0);
    const rows = ndjson(r.stdout);
    expect(rows.map((x) => x.document_id)).toEqual(['9007199254740992', '9007199254740992', '9007199254740993', '9007199254740993']);
    expect(new Set(rows.map((x) => x.id)).size).toBe(4);
    d.remove();
  });

  it('a bad record in stream mode is a one-line error naming the line, and --out file is not left half-written', async () => {
    const d = tempDir();
    const out = join(d.path, 'sentences.jsonl');
    const r = await runCli(['split', '--in', '-', '--out', out], { input: '{"text":"Fine."}\n{"text":5}\n', cwd: d.path });
    expect(r.code).toBe(2);
    expect(r.stderr).toBe('llmops: split: <stdin>:2: field "text" must be a string, got number\n');
    const { readdirSync } = await import('node:fs');
    expect(readdirSync(d.path)).toEqual([]);
    d.remove();
  });

  it('--watch keeps splitting new documents and exits cleanly on SIGINT; polls that find nothing record no run', async () => {
    const d = tempDir();
    const dbPath = join(d.path, 'w.db');
    expect((await runCli(['--db', dbPath, 'ingest', corpus('w1.jsonl', 5)])).code).toBe(0);
    const tooShort = await runCli(['--db', dbPath, 'split', '--watch', '1ms']);
    expect(tooShort.code).toBe(2);
    expect(tooShort.stderr).toBe('llmops: --watch: 1ms is too short: at least 1s\n');
    const noUnit = await runCli(['--db', dbPath, 'split', '--watch', '5']);
    expect(noUnit.code).toBe(2);
    expect(noUnit.stderr).toBe('llmops: --watch: "5" has no unit: say 5s for seconds, 5m for minutes\n');
    const child = spawn(process.execPath, [BIN, '--db', dbPath, 'split', '--watch', '1s'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    child.stdout.on('data', (b) => (stdout += b));
    const db = await openDatabase(parseDatabaseUrl(dbPath));
    const splitCount = async () => Number((await db.db.selectFrom('document_splits').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()).n);
    for (let i = 0; i < 800 && (await splitCount()) < 5; i++) await sleep(25);
    expect(await splitCount()).toBe(5);
    expect((await runCli(['--db', dbPath, 'ingest', corpus('w2.jsonl', 7, 100)])).code).toBe(0);
    for (let i = 0; i < 800 && (await splitCount()) < 12; i++) await sleep(25);
    expect(await splitCount()).toBe(12);
    await sleep(2500); // idle polls
    child.kill('SIGINT');
    const code = await new Promise((r) => child.on('close', r));
    expect(code).toBe(0);
    expect(ndjson(stdout).map((x) => x.documents)).toEqual([5, 7]);
    const runs = await db.db.selectFrom('runs').select('counts').where('command', '=', 'split').execute();
    expect(runs.length).toBe(2);
    await db.close();
    d.remove();
  });
});

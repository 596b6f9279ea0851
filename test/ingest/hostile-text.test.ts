import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createNdjsonWriter } from '../../src/core/ndjson-writer.js';
import { sha256Hex } from '../../src/core/ids.js';
import { runIngest } from '../../src/ingest/run-ingest.js';
import { exportWarehouse } from '../../src/inspect/export-warehouse.js';
import { openDatabase, type Db } from '../../src/store/database.js';
import { parseDatabaseUrl } from '../../src/store/database-url.js';
import { SqlDocumentStore } from '../../src/store/sql-document-store.js';
import { ENGINES, engineMissing, freshDatabase, tempDir } from '../helpers/databases.js';

const dir = tempDir();
afterAll(() => dir.remove());

// Written by hand, not by JSON.stringify, so the escapes are exactly what a hostile file holds.
const MB_LINE = 'é'.repeat(1 << 19); // 1 MB of UTF-8 in one record
const hostile = [
  String.raw`{"id":"sur-high","text":"before \ud800 after","title":"t\udbff"}`,
  String.raw`{"id":"sur-low","text":"lone low \udc00 and reversed \udc00\ud800 pair","metadata":{"k\ud800":"v\udfff"}}`,
  String.raw`{"id":"sur-ok","text":"a real pair \ud83d\ude00 stays"}`,
  String.raw`{"id":"nul","text":"nul \u0000 in text","title":"a\u0000b","tags":["x\u0000y"],"metadata":{"key\u0000":"v\u0000"}}`,
  `{"id":"rtl","text":"\u200fRTL mark, \u202eoverride\u202c, \u2067isolate\u2069 and العربية"}`,
  `{"id":"emoji","text":"👩‍👩‍👧‍👦 🇫🇷 👍🏽 e\u0301 text","author":"ゾーイ"}`,
  `{"id":"big","text":"big integers","n":12345678901234567890,"neg":-9223372036854775808,"safe":9007199254740991,"unsafe":9007199254740993,"nested":[{"x":18446744073709551615}],"float":1.5,"digits":"12345678901234567890123"}`,
  `{"id":"huge","text":"${MB_LINE}"}`,
].join('\n');

type Row = Record<string, unknown>;

async function rows(db: Db): Promise<Row[]> {
  const cols = ['id', 'source', 'external_id', 'category', 'link', 'author', 'title', 'content', 'metadata', 'content_hash', 'created_at'] as const;
  return (await db.db.selectFrom('documents').select(cols).orderBy('id').execute()).map((r) => ({
    ...r,
    metadata: typeof r.metadata === 'string' ? JSON.parse(r.metadata) : r.metadata,
  }));
}

async function exportTo(db: Db, file: string): Promise<number> {
  const out = createNdjsonWriter(file);
  const n = await exportWarehouse(new SqlDocumentStore(db.db), out);
  await out.close();
  return n;
}

const byId = (rs: Row[]) => Object.fromEntries(rs.map((r) => [r.external_id as string, r]));

for (const engine of ENGINES) {
  describe.skipIf(engineMissing(engine))(`hostile text round trips (${engine})`, () => {
    it('ingest → export → ingest into an empty database gives every document back exactly', async () => {
      const input = join(dir.path, `hostile-${engine}.jsonl`);
      writeFileSync(input, hostile);
      const a = await freshDatabase(engine);
      const b = await freshDatabase(engine);
      const dbA = await openDatabase(parseDatabaseUrl(a.url));
      const dbB = await openDatabase(parseDatabaseUrl(b.url));
      try {
        const s = await runIngest(new SqlDocumentStore(dbA.db), { files: [input], mapping: {}, skipInvalid: false });
        expect(s).toMatchObject({ records: 8, inserted: 8, invalid: 0, repaired: 3 });
        expect(s.warnings).toEqual([
          `${input}:1: replaced 2 lone surrogates with U+FFFD`,
          `${input}:2: replaced 5 lone surrogates with U+FFFD`,
          `${input}:4: removed 5 NUL characters (\\u0000)`,
        ]);
        const stored = byId(await rows(dbA));
        expect(stored['sur-high']).toMatchObject({ content: 'before \ufffd after', title: 't\ufffd' });
        expect(stored['sur-low']!.content).toBe('lone low \ufffd and reversed \ufffd\ufffd pair');
        expect(stored['sur-low']!.metadata).toEqual({ 'k\ufffd': 'v\ufffd' });
        expect(stored['sur-ok']!.content).toBe('a real pair 😀 stays');
        expect(stored['nul']).toMatchObject({ content: 'nul  in text', title: 'ab', metadata: { tags: ['xy'], key: 'v' } });
        expect(stored['rtl']!.content).toBe('\u200fRTL mark, \u202eoverride\u202c, \u2067isolate\u2069 and العربية');
        expect(stored['emoji']).toMatchObject({ content: '👩‍👩‍👧‍👦 🇫🇷 👍🏽 e\u0301 text', author: 'ゾーイ' });
        // Beyond 2^53: the exact digits, as strings; safe integers and floats stay numbers.
        expect(stored['big']!.metadata).toEqual({
          n: '12345678901234567890',
          neg: '-9223372036854775808',
          safe: 9007199254740991,
          unsafe: '9007199254740993',
          nested: [{ x: '18446744073709551615' }],
          float: 1.5,
          digits: '12345678901234567890123',
        });
        expect(stored['huge']!.content).toBe(MB_LINE);

        const first = join(dir.path, `export-1-${engine}.jsonl`);
        expect(await exportTo(dbA, first)).toBe(8);
        const r = await runIngest(new SqlDocumentStore(dbB.db), { files: [first], mapping: {}, skipInvalid: false });
        expect(r).toMatchObject({ records: 8, inserted: 8, invalid: 0, repaired: 0 });
        expect(await rows(dbB)).toEqual(await rows(dbA));

        // The copy's export is the same file, byte for byte, but for the timestamps of this run
        // (the header's exported_at, each document's updated_at). Compared by hash per line:
        // a 1 MB line in a failure message helps no one.
        const second = join(dir.path, `export-2-${engine}.jsonl`);
        await exportTo(dbB, second);
        const body = (f: string) =>
          readFileSync(f, 'utf8')
            .split('\n')
            .slice(1)
            .map((l) => sha256Hex(l.replace(/"updated_at":"[^"]*"/, '')));
        expect(body(second)).toEqual(body(first));
      } finally {
        await dbA.close();
        await dbB.close();
        await a.cleanup();
        await b.cleanup();
      }
    });
  });
}

describe.skipIf(engineMissing('postgres'))('one rule on both engines', () => {
  it('SQLite and PostgreSQL store the same documents from the same hostile input', async () => {
    const input = join(dir.path, 'both.jsonl');
    writeFileSync(input, hostile);
    const got: Row[][] = [];
    for (const engine of ENGINES) {
      const t = await freshDatabase(engine);
      const db = await openDatabase(parseDatabaseUrl(t.url));
      try {
        await runIngest(new SqlDocumentStore(db.db), { files: [input], mapping: {}, skipInvalid: false });
        got.push((await rows(db)).map(({ created_at: _c, ...r }) => r));
      } finally {
        await db.close();
        await t.cleanup();
      }
    }
    expect(got[1]).toEqual(got[0]);
  });
});

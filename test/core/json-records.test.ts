import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readJsonRecords, type JsonRecord } from '../../src/core/json-records.js';
import { parseExact, quoteUnsafeIntegers } from '../../src/core/exact-json.js';
import { tempDir } from '../helpers/databases.js';

const dir = tempDir();
afterAll(() => dir.remove());

let n = 0;
function file(name: string, content: string | Buffer): string {
  const p = join(dir.path, `${n++}-${name}`);
  writeFileSync(p, content);
  return p;
}

async function all(path: string, maxRecordBytes?: number): Promise<JsonRecord[]> {
  const out: JsonRecord[] = [];
  for await (const r of readJsonRecords(path, { maxRecordBytes })) out.push(r);
  return out;
}

const summary = (rs: JsonRecord[]) => rs.map((r) => (r.ok ? ['ok', r.line, r.value] : ['bad', r.line, r.reason]));

describe('JSONL files', () => {
  it('gives each line as a record with its line number, skipping blank lines and CRLF', async () => {
    const p = file('a.jsonl', '{"a":1}\r\n\n{"a":2}\n   \n{"a":3}');
    expect(summary(await all(p))).toEqual([
      ['ok', 1, { a: 1 }],
      ['ok', 3, { a: 2 }],
      ['ok', 5, { a: 3 }],
    ]);
  });

  it('reports invalid JSON and invalid UTF-8 with the line, and carries on', async () => {
    const p = file('b.jsonl', Buffer.concat([Buffer.from('{"a":1}\n{"a":\n'), Buffer.from([0x7b, 0x22, 0x61, 0x22, 0x3a, 0x22, 0xff, 0xfe, 0x22, 0x7d, 0x0a]), Buffer.from('{"a":4}\n')]));
    const rs = await all(p);
    expect(rs.map((r) => [r.ok, r.line])).toEqual([
      [true, 1],
      [false, 2],
      [false, 3],
      [true, 4],
    ]);
    expect(rs[1]!.ok === false && rs[1]!.reason).toMatch(/^invalid JSON/);
    expect(rs[2]!.ok === false && rs[2]!.reason).toBe('invalid UTF-8');
  });

  it('skips a line larger than the cap without holding it, and reads the next one', async () => {
    const big = `{"text":"${'x'.repeat(5000)}"}`;
    const p = file('c.jsonl', `{"a":1}\n${big}\n{"a":3}\n`);
    const rs = await all(p, 1000);
    expect(summary(rs)).toEqual([
      ['ok', 1, { a: 1 }],
      ['bad', 2, 'record larger than 1000 bytes'],
      ['ok', 3, { a: 3 }],
    ]);
  });

  it('strips a byte-order mark', async () => {
    const p = file('bom.jsonl', '\ufeff{"a":1}\n');
    expect(summary(await all(p))).toEqual([['ok', 1, { a: 1 }]]);
  });
});

describe('JSON files', () => {
  it('gives each element of a top-level array, with the line it starts on', async () => {
    const p = file('arr.json', '[\n  {"a": 1},\n  {"a": "x]}{,\\"y"},\n\n  {\n    "a": [1, {"b": 2}]\n  }\n]\n');
    expect(summary(await all(p))).toEqual([
      ['ok', 2, { a: 1 }],
      ['ok', 3, { a: 'x]}{,"y' }],
      ['ok', 5, { a: [1, { b: 2 }] }],
    ]);
  });

  it('reads a single pretty-printed object, and objects one after another', async () => {
    expect(summary(await all(file('one.json', '{\n  "a": 1\n}\n')))).toEqual([['ok', 1, { a: 1 }]]);
    expect(summary(await all(file('many.json', '{"a":1}\n{"a":2}\n')))).toEqual([
      ['ok', 1, { a: 1 }],
      ['ok', 2, { a: 2 }],
    ]);
  });

  it('reports scalar elements as records (so the caller can say they are not objects)', async () => {
    expect(summary(await all(file('scalars.json', '[1, "two", {"a":3}]')))).toEqual([
      ['ok', 1, 1],
      ['ok', 1, 'two'],
      ['ok', 1, { a: 3 }],
    ]);
  });

  it('reports a truncated file', async () => {
    const rs = await all(file('trunc.json', '[{"a":1},\n{"a":'));
    expect(summary(rs)).toEqual([
      ['ok', 1, { a: 1 }],
      ['bad', 2, 'unterminated JSON value (the input ends inside it)'],
    ]);
  });

  it('reports an element that is not valid JSON with its line', async () => {
    const rs = await all(file('badel.json', '[\n{"a":1},\n{"a":tru},\n{"a":3}\n]'));
    expect(rs.map((r) => [r.ok, r.line])).toEqual([
      [true, 2],
      [false, 3],
      [true, 4],
    ]);
  });

  it('finds record boundaries across read chunks (a 3 MB array)', async () => {
    const items = Array.from({ length: 3000 }, (_, i) => ({ i, text: `item ${i} ${'y'.repeat(1000)}` }));
    const rs = await all(file('big.json', JSON.stringify(items, null, 1)));
    expect(rs.length).toBe(3000);
    expect(rs.every((r, i) => r.ok && (r.value as { i: number }).i === i)).toBe(true);
  });
});

describe('quoteUnsafeIntegers', () => {
  it('quotes integers a double cannot hold, and nothing inside strings', () => {
    expect(quoteUnsafeIntegers('{"a":12345678901234567890,"b":"99999999999999999999","c":[1,-18446744073709551615,2.5e30]}')).toBe(
      '{"a":"12345678901234567890","b":"99999999999999999999","c":[1,"-18446744073709551615",2.5e30]}',
    );
    expect(quoteUnsafeIntegers(String.raw`{"s":"a\"12345678901234567890","n":9007199254740991}`)).toBe(String.raw`{"s":"a\"12345678901234567890","n":9007199254740991}`);
  });

  it('keeps the digits of numbers out of a double\'s range (1e400 was Infinity, stored as null; 1e-400 was 0)', () => {
    const r = parseExact('{"f":1e400,"g":-1e999,"h":1e-400,"z":0e-500,"ok":[2.5e30,1e308,1.5e-320],"s":"1e400"}');
    expect(r).toEqual({ f: '1e400', g: '-1e999', h: '1e-400', z: 0, ok: [2.5e30, 1e308, 1.5e-320], s: '1e400' });
    expect(parseExact('{"f":1e400}')).not.toEqual(parseExact('{"f":2e400}'));
  });
});

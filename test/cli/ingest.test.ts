import { chmodSync, createWriteStream, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase, type Db } from '../../src/store/database.js';
import { parseDatabaseUrl } from '../../src/store/database-url.js';
import { countDocuments } from '../../src/store/documents-repo.js';
import { listRuns } from '../../src/store/runs-repo.js';
import { ENGINES, engineMissing, freshDatabase, tempDir } from '../helpers/databases.js';
import { writeFileIn } from '../helpers/files.js';
import { ndjson, runCli, runCliAsUnprivileged, withoutCreatedNote } from '../helpers/cli.js';

const dir = tempDir();
afterAll(() => dir.remove());

const write = (name: string, content: string | Buffer) => writeFileIn(dir.path, name, content);

// Read as part of the in/ folder by the runs below.
write(
  'in/good.jsonl',
  [
    { id: 1, text: 'Dr. Smith arrived. He was late.', title: 'One', tags: ['x'] },
    { id: 2, text: 'Prices rose 3.5% in the U.S. last year.', author: 'Ann' },
    { id: 3, content: 'The content field works too.', category: 'notes' },
  ]
    .map((r) => JSON.stringify(r))
    .join('\n'),
);
write('in/more.json', JSON.stringify([{ id: 'a', body: 'Body text here.' }, { id: 'b', text: 'Second element.' }], null, 2));
write('in/ignored.csv', 'not a record file'); // no format ingest knows: the walk skips it

for (const engine of ENGINES) {
  describe.skipIf(engineMissing(engine))(`llmops ingest (${engine})`, () => {
    let url: string;
    let cleanup: () => Promise<void>;
    let db: Db;
    beforeAll(async () => {
      ({ url, cleanup } = await freshDatabase(engine));
    });
    afterAll(async () => {
      await db?.close();
      await cleanup?.();
    });
    const count = async () => {
      db ??= await openDatabase(parseDatabaseUrl(url));
      return countDocuments(db.db);
    };

    it('stores every record of a directory, then stores nothing new the second time', async () => {
      const first = await runCli(['--db', url, 'ingest', join(dir.path, 'in')]);
      expect(withoutCreatedNote(first.stderr)).toBe('');
      expect(first.code).toBe(0);
      const [s1] = ndjson(first.stdout);
      expect(s1).toMatchObject({ command: 'ingest', files: 2, records: 5, inserted: 5, updated: 0, unchanged: 0, invalid: 0, documents_in_store: 5 });
      expect(await count()).toBe(5);

      const again = await runCli(['--db', url, 'ingest', join(dir.path, 'in')]);
      expect(again.code).toBe(0);
      expect(ndjson(again.stdout)[0]).toMatchObject({ inserted: 0, updated: 0, unchanged: 5, note: 'nothing new to store' });
      expect(await count()).toBe(5);
    });

    it('updates a document whose text changed and says so', async () => {
      const p = write(`changed-${engine}.jsonl`, JSON.stringify({ id: 1, text: 'Dr. Smith arrived early.' }));
      const r = await runCli(['--db', url, 'ingest', p]);
      expect(r.code).toBe(0);
      expect(ndjson(r.stdout)[0]).toMatchObject({ inserted: 0, updated: 1 });
      expect(await count()).toBe(5);
    });

    it('stores nothing from a run with one bad record, names file and line, exits 2', async () => {
      const p = write(`bad-${engine}.jsonl`, ['{"id":"n1","text":"fine"}', '{"id":"n2","text": 42}', '{"id":"n3","text":"also fine"}'].join('\n'));
      const before = await count();
      const r = await runCli(['--db', url, 'ingest', p]);
      expect(r.code).toBe(2);
      expect(r.stdout).toBe('');
      expect(r.stderr).toContain(`${p}:2: field "text" must be a string, got number`);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      expect(await count()).toBe(before);
    });

    it('with --skip-invalid stores the good records, reports every bad one and exits 3', async () => {
      const p = write(
        `mixed-${engine}.jsonl`,
        Buffer.concat([
          Buffer.from('{"id":"m1","text":"good one"}\n{"id":"m2"}\n{not json}\n'),
          Buffer.from([0x7b, 0x22, 0x74, 0x65, 0x78, 0x74, 0x22, 0x3a, 0x22, 0xc3, 0x28, 0x22, 0x7d, 0x0a]),
          Buffer.from('[1,2]\n{"id":"m6","text":"good two","title":{"no":1}}\n{"id":"m7","text":"good three"}\n'),
        ]),
      );
      const before = await count();
      const r = await runCli(['--db', url, 'ingest', '--skip-invalid', p]);
      expect(r.code).toBe(3);
      expect(r.stderr).toContain(`${p}:2: missing text field`);
      expect(r.stderr).toContain(`${p}:3: invalid JSON`);
      expect(r.stderr).toContain(`${p}:4: invalid UTF-8`);
      expect(r.stderr).toContain(`${p}:5: record must be a JSON object, got array`);
      expect(r.stderr).toContain(`${p}:6: field "title" must be a string, got object`);
      expect(ndjson(r.stdout)[0]).toMatchObject({ inserted: 2, invalid: 5 });
      expect(await count()).toBe(before + 2);
    });

    it('reads stdin and maps fields with the mapping options', async () => {
      const input = [
        { review: { body: 'Great phone. Battery lasts two days!' }, headline: 'Loved it', sku: 'p-1', who: 'Zoë' },
        { review: { body: 'Screen cracked after a week.' }, headline: 'Meh', sku: 'p-2' },
      ]
        .map((r) => JSON.stringify(r))
        .join('\n');
      const r = await runCli(
        ['--db', url, 'ingest', '-', '--text-field', 'review.body', '--title-field', 'headline', '--id-field', 'sku', '--author-field', 'who', '--category', 'reviews', '--author', 'anonymous', '--source', 'shop'],
        { input },
      );
      expect(r.code).toBe(0);
      expect(ndjson(r.stdout)[0]).toMatchObject({ inserted: 2 });
      db ??= await openDatabase(parseDatabaseUrl(url));
      const rows = await db.db.selectFrom('documents').selectAll().where('source', '=', 'shop').orderBy('external_id').execute();
      expect(rows.map((d) => [d.external_id, d.title, d.author, d.category, d.content])).toEqual([
        ['p-1', 'Loved it', 'Zoë', 'reviews', 'Great phone. Battery lasts two days!'],
        ['p-2', 'Meh', 'anonymous', 'reviews', 'Screen cracked after a week.'],
      ]);
    });

    it('stores text with NUL (\\u0000) in text and metadata, removed, with a warning naming file and line', async () => {
      const p = write(`nul-${engine}.jsonl`, String.raw`{"id":"z1","text":"fine"}` + '\n' + String.raw`{"id":"z2","text":"a\u0000b","meta":{"k\u0000":"v\u0000"}}` + '\n');
      const r = await runCli(['--db', url, 'ingest', '--source', `nul-${engine}`, p]);
      expect(r.code, r.stderr).toBe(0);
      expect(r.stderr).toBe(`warning: ${p}:2: removed 3 NUL characters (\\u0000)\n`);
      expect(ndjson(r.stdout)[0]).toMatchObject({ inserted: 2, invalid: 0, repaired: 1 });
      db ??= await openDatabase(parseDatabaseUrl(url));
      const row = await db.db.selectFrom('documents').selectAll().where('source', '=', `nul-${engine}`).where('external_id', '=', 'z2').executeTakeFirstOrThrow();
      expect(row.content).toBe('ab');
      expect(typeof row.metadata === 'string' ? JSON.parse(row.metadata) : row.metadata).toEqual({ meta: { k: 'v' } });
    });

    it('an export record in an ordinary stream replaces nothing: exit 2 naming file and line', async () => {
      const victim = write(`victim-${engine}.jsonl`, '{"id":"v1","text":"The victim. Two sentences."}\n');
      expect((await runCli(['--db', url, 'ingest', '--source', `victim-${engine}`, victim])).code).toBe(0);
      expect((await runCli(['--db', url, 'split'])).code).toBe(0);
      db ??= await openDatabase(parseDatabaseUrl(url));
      const before = await db.db.selectFrom('documents').selectAll().where('source', '=', `victim-${engine}`).executeTakeFirstOrThrow();
      const sentences = async () => (await db.db.selectFrom('sentences').select('id').where('document_id', '=', before.id).execute()).length;
      expect(await sentences()).toBe(2);
      const attack = { llmops_export: 1, id: before.id, source: 'evil', external_id: null, category: 'x', link: null, author: null, title: null, content: 'pwned', metadata: {}, created_at: '2020-01-01T00:00:00Z' };
      const p = write(`attack-${engine}.jsonl`, `{"text":"harmless"}\n${JSON.stringify(attack)}\n`);
      for (const args of [[p], ['--skip-invalid', p]]) {
        const r = await runCli(['--db', url, 'ingest', ...args]);
        expect(r.stderr).toContain(`${p}:2: an llmops export record among ordinary records`);
        expect(r.code).toBe(args[0] === '--skip-invalid' ? 3 : 2);
      }
      expect(await db.db.selectFrom('documents').selectAll().where('id', '=', before.id).executeTakeFirstOrThrow()).toEqual(before);
      expect(await sentences()).toBe(2);
    });

    it('an export file (header line) given with a mapping flag is refused, not restored', async () => {
      const id = '7d3f0c52-8a41-5b9e-b2c6-0e4f9a1d3c58';
      const attack = { llmops_export: 1, id, source: 'evil', external_id: null, category: 'x', link: null, author: null, title: null, content: 'pwned', metadata: {}, created_at: '2020-01-01T00:00:00Z' };
      const exp = write(`attack-export-${engine}.jsonl`, `{"llmops_export_header":1}\n${JSON.stringify(attack)}\n`);
      const r = await runCli(['--db', url, 'ingest', '--source', 'forum', exp]);
      expect(r.code).toBe(2);
      expect(r.stderr).toContain(`${exp}:1: an llmops export, restored only as exported, but --source given`);
      db ??= await openDatabase(parseDatabaseUrl(url));
      expect(await db.db.selectFrom('documents').selectAll().where('id', '=', id).executeTakeFirst()).toBeUndefined();
    });

    it('restores only ids our ingest makes, and only whole exports', async () => {
      const rec = { llmops_export: 1, id: '../../../etc/passwd', source: 's', external_id: null, category: 'c', link: null, author: null, title: null, content: 'x', metadata: {}, created_at: '2020-01-01T00:00:00Z' };
      const p = write(`badid-${engine}.jsonl`, `{"llmops_export_header":1}\n${JSON.stringify(rec)}\n`);
      const r = await runCli(['--db', url, 'ingest', p]);
      expect(r.code).toBe(2);
      expect(r.stderr).toContain(`${p}:2: export record: field "id" is not a document id (a UUID): "../../../etc/passwd"`);
      const mixed = write(`mixed-export-${engine}.jsonl`, `{"llmops_export_header":1}\n{"text":"an ordinary record"}\n`);
      const m = await runCli(['--db', url, 'ingest', mixed]);
      expect(m.code).toBe(2);
      expect(m.stderr).toContain(`${mixed}:2: not an llmops export record`);
    });

    it('--restore restores an export without its header line; it takes no mapping flags', async () => {
      const id = '0b8e4a57-3d55-5c7e-9a0f-4f2b1c9d8e71';
      const rec = { llmops_export: 1, id, source: `restored-${engine}`, external_id: 'e1', category: 'notes', link: null, author: 'ann', title: 'T', content: 'Restored text.', metadata: { a: 1 }, created_at: '2020-01-02T03:04:05.000Z' };
      const p = write(`headerless-${engine}.jsonl`, `${JSON.stringify(rec)}\n`);
      const plain = await runCli(['--db', url, 'ingest', p]);
      expect(plain.code).toBe(2);
      const bad = await runCli(['--db', url, 'ingest', '--restore', '--source', 'x', p]);
      expect(bad.code).toBe(2);
      expect(bad.stderr).toBe('llmops: ingest: --restore restores documents as exported; --source cannot apply\n');
      const r = await runCli(['--db', url, 'ingest', '--restore', p]);
      expect(r.code, r.stderr).toBe(0);
      db ??= await openDatabase(parseDatabaseUrl(url));
      const row = await db.db.selectFrom('documents').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
      expect(row).toMatchObject({ source: `restored-${engine}`, external_id: 'e1', author: 'ann', content: 'Restored text.', created_at: '2020-01-02T03:04:05.000Z' });
    });

    it('a bad input file into a fresh database: exit 2, no database file, no runs row', async () => {
      const fresh = await freshDatabase(engine);
      try {
        // The bad record early (before the first batch) and late (after 1,500 good ones).
        const early = write(`early-${engine}.jsonl`, '{"text":"ok"}\n{"text":42}\n');
        const late = write(`late-${engine}.jsonl`, `${Array.from({ length: 1500 }, (_, i) => `{"text":"good ${i}"}`).join('\n')}\n{"nope":1}\n`);
        for (const p of [early, late]) {
          const r = await runCli(['--db', fresh.url, 'ingest', p]);
          expect(r.code).toBe(2);
          if (engine === 'sqlite') {
            expect(existsSync(fresh.url)).toBe(false);
          } else {
            const d = await openDatabase(parseDatabaseUrl(fresh.url));
            try {
              expect(await listRuns(d.db, { limit: 10 })).toEqual([]);
              expect(await countDocuments(d.db)).toBe(0);
            } finally {
              await d.close();
            }
          }
        }
      } finally {
        await fresh.cleanup();
      }
    });

        it('a record the database refuses is reported by file and line (PostgreSQL: an indexed link over its 2,704-byte limit)', async () => {
      // Random, so PostgreSQL cannot compress it under the index's limit.
      const link = `https://example.com/${randomBytes(2000).toString('hex')}`;
      const p = write(`refused-${engine}.jsonl`, `{"id":"q1","text":"first"}\n{"id":"q2","text":"long link","link":"${link}"}\n{"id":"q3","text":"third"}\n`);
      const before = await count();
      const r = await runCli(['--db', url, 'ingest', '--source', `refused-${engine}`, p]);
      if (engine === 'sqlite') {
        expect(r.code, r.stderr).toBe(0);
        return;
      }
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(new RegExp(`^llmops: ingest: 1 invalid record \\(${p.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}:2: refused by the database: index row size \\d+ exceeds .*"documents_link"\\); nothing stored`));
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      expect(await count()).toBe(before);
      const s = await runCli(['--db', url, 'ingest', '--skip-invalid', '--source', `refused-${engine}`, p]);
      expect(s.code).toBe(3);
      expect(s.stderr).toContain(`${p}:2: refused by the database: index row size`);
      expect(ndjson(s.stdout)[0]).toMatchObject({ inserted: 2, invalid: 1 });
      expect(await count()).toBe(before + 2);
    });

        it('records each run with its arguments and counts, secrets masked', async () => {
      const p = write(`runs-${engine}.jsonl`, '{"id":"r1","text":"Recorded."}');
      const r = await runCli(['--db', url, 'ingest', p, '--source', 'sk-canary-secret-123456']);
      expect(r.code).toBe(0);
      db ??= await openDatabase(parseDatabaseUrl(url));
      const [run] = await listRuns(db.db, { limit: 1, command: 'ingest' });
      expect(run).toMatchObject({ command: 'ingest', status: 'ok', counts: { inserted: 1, records: 1 } });
      expect(run!.finished_at).not.toBeNull();
      expect(JSON.stringify(run)).not.toContain('sk-canary-secret-123456');
      if (engine === 'postgres') expect(JSON.stringify(run)).not.toMatch(/postgres:\/\/[^@]*:[^@]*@/);
    });
  });
}

describe('llmops ingest, input errors', () => {
  it('a missing file is a usage error with nothing written', async () => {
    const d = tempDir();
    const r = await runCli(['ingest', 'nope.jsonl'], { cwd: d.path });
    expect(r.code).toBe(2);
    expect(r.stderr).toBe('llmops: ingest: no such file or directory: nope.jsonl\n');
    d.remove();
  });

  it('a record nested thousands of levels deep is an invalid record at its line, not a crash of the whole file', async () => {
    const file = join(dir.path, 'deep.jsonl');
    writeFileSync(file, `{"id":"ok","text":"fine"}\n{"id":"d","text":"x","m":${'['.repeat(5000)}${']'.repeat(5000)}}\n{"id":"ok2","text":"also fine","m":${'{"a":'.repeat(400)}1${'}'.repeat(400)}}\n`);
    const db = join(dir.path, 'deep.db');
    const strict = await runCli(['--db', db, 'ingest', file]);
    expect(strict.code).toBe(2);
    expect(strict.stderr).toContain(`${file}:2: nested too deeply (more than 500 levels of objects and arrays)`);
    const skipped = await runCli(['--db', db, 'ingest', file, '--skip-invalid']);
    expect(skipped.code).toBe(3);
    expect(skipped.stderr).not.toMatch(/call stack/);
    expect(JSON.parse(skipped.stdout.trim().split('\n').at(-1)!)).toMatchObject({ inserted: 2, invalid: 1 });
  });

  it('a record naming a document read before in the same batch is said with both lines; the later one is kept', async () => {
    const file = join(dir.path, 'dup.jsonl');
    writeFileSync(file, '{"id":1,"text":"alpha"}\n{"id":2,"text":"gamma"}\n{"id":1,"text":"beta"}\n');
    const db = join(dir.path, 'dup.db');
    const r = await runCli(['--db', db, 'ingest', file]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain(`warning: ${file}:3: the same document as ${file}:1 (id "1"): the later record is kept`);
    expect(JSON.parse(r.stdout.trim().split('\n').at(-1)!)).toMatchObject({ records: 3, inserted: 2, updated: 1, unchanged: 0 });
    expect(ndjson((await runCli(['--db', db, 'inspect', 'documents', '--json'])).stdout)).toHaveLength(2);
    const sentences = ndjson((await runCli(['--db', db, 'split', '--out', '-'])).stdout).map((x) => x.text);
    expect(sentences.sort()).toEqual(['beta', 'gamma']);
  });

  it('skips a 100 MB line with a one-line report and keeps memory bounded', async () => {
    const d = tempDir();
    const p = join(d.path, 'huge.jsonl');
    const out = createWriteStream(p);
    out.write('{"id":"before","text":"small"}\n{"id":"huge","text":"');
    const chunk = 'x'.repeat(1 << 20);
    for (let i = 0; i < 100; i++) if (!out.write(chunk)) await once(out, 'drain');
    out.end('"}\n{"id":"after","text":"small too"}\n');
    await once(out, 'finish');
    const r = await runCli(['--db', join(d.path, 'x.db'), 'ingest', '--skip-invalid', '--max-record-mb', '16', p]);
    expect(r.code).toBe(3);
    expect(r.stderr).toContain(`${p}:2: record larger than 16 MB`);
    expect(ndjson(r.stdout)[0]).toMatchObject({ inserted: 2, invalid: 1 });
    d.remove();
  });

  it('loads .env from the working directory (LLMOPS_DB)', async () => {
    const d = tempDir();
    writeFileSync(join(d.path, '.env'), 'LLMOPS_DB=from-env.db\n');
    writeFileSync(join(d.path, 'a.jsonl'), '{"text":"hello"}\n');
    const r = await runCli(['ingest', 'a.jsonl'], { cwd: d.path });
    expect(r.code).toBe(0);
    const db = await openDatabase(parseDatabaseUrl(join(d.path, 'from-env.db')));
    expect(await countDocuments(db.db)).toBe(1);
    await db.close();
    d.remove();
  });

  it('a folder named .env (a Python virtualenv) is not read as one: commands run', async () => {
    const d = tempDir();
    mkdirSync(join(d.path, '.env', 'bin'), { recursive: true });
    writeFileSync(join(d.path, 'a.jsonl'), '{"text":"hello"}\n');
    const r = await runCli(['ingest', 'a.jsonl'], { cwd: d.path });
    expect(r.code, r.stderr).toBe(0);
    d.remove();
  });

  it('creates the default database under .llmops/ in the working directory', async () => {
    const d = tempDir();
    writeFileSync(join(d.path, 'a.jsonl'), '{"text":"hello"}\n');
    const r = await runCli(['ingest', 'a.jsonl'], { cwd: d.path });
    expect(r.code).toBe(0);
    const db = await openDatabase(parseDatabaseUrl(join(d.path, '.llmops/llmops.db')));
    expect(await countDocuments(db.db)).toBe(1);
    await db.close();
    d.remove();
  });

  it('reports every problem of a bad config file at once, naming the file and field', async () => {
    const d = tempDir();
    writeFileSync(join(d.path, 'llmops.yaml'), 'ingest:\n  text_feld: body\n  max_record_mb: -1\nsplit:\n  batch_size: "ten"\n');
    writeFileSync(join(d.path, 'a.jsonl'), '{"text":"hello"}\n');
    const r = await runCli(['ingest', 'a.jsonl'], { cwd: d.path });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/llmops\.yaml: ingest\.text_feld: unknown option; did you mean text_field\?/);
    expect(r.stderr).toMatch(/llmops\.yaml: ingest\.max_record_mb: /);
    expect(r.stderr).toMatch(/llmops\.yaml: split\.batch_size: /);
    expect(existsSync(join(d.path, '.llmops'))).toBe(false);
    d.remove();
  });

  it('an unreachable database is named with its password masked', async () => {
    const r = await runCli(['--db', 'postgres://u:secretpw99@127.0.0.1:1/x', 'ingest', 'data/']);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe('llmops: cannot open database postgres://u:***@127.0.0.1:1/x: connect ECONNREFUSED 127.0.0.1:1\n');
  });

  it('an unreadable subfolder or file: exit 2, one line naming it, no database created', async () => {
    const d = tempDir();
    try {
      mkdirSync(join(d.path, 'in/locked'), { recursive: true });
      writeFileSync(join(d.path, 'in/a.jsonl'), '{"text":"hello"}\n');
      writeFileSync(join(d.path, 'in/locked/b.jsonl'), '{"text":"hidden"}\n');
      writeFileSync(join(d.path, 'secret.jsonl'), '{"text":"secret"}\n');
      chmodSync(join(d.path, 'in/locked'), 0o000);
      chmodSync(join(d.path, 'secret.jsonl'), 0o000);
      const dirRun = await runCliAsUnprivileged(['--db', join(d.path, 'x.db'), 'ingest', join(d.path, 'in')], d.path);
      expect(dirRun.stderr).toBe(`llmops: ingest: cannot read ${join(d.path, 'in/locked')}: permission denied\n`);
      expect(dirRun.code).toBe(2);
      const fileRun = await runCliAsUnprivileged(['--db', join(d.path, 'x.db'), 'ingest', join(d.path, 'in/a.jsonl'), join(d.path, 'secret.jsonl')], d.path);
      expect(fileRun.stderr).toBe(`llmops: ingest: cannot read ${join(d.path, 'secret.jsonl')}: permission denied\n`);
      expect(fileRun.code).toBe(2);
      expect(existsSync(join(d.path, 'x.db'))).toBe(false);
    } finally {
      chmodSync(join(d.path, 'in/locked'), 0o755);
      d.remove();
    }
  });

  it('an exit-2 run adds no runs row to an existing database, and creates no default database', async () => {
    const d = tempDir();
    try {
      writeFileSync(join(d.path, 'good.jsonl'), '{"text":"hello"}\n');
      writeFileSync(join(d.path, 'bad.jsonl'), '{"text":"hello"}\n{"text":""}\n');
      const bad = await runCli(['ingest', 'bad.jsonl'], { cwd: d.path });
      expect(bad.code).toBe(2);
      expect(existsSync(join(d.path, '.llmops'))).toBe(false);
      expect((await runCli(['ingest', 'good.jsonl'], { cwd: d.path })).code).toBe(0);
      expect((await runCli(['ingest', 'bad.jsonl'], { cwd: d.path })).code).toBe(2);
      const db = await openDatabase(parseDatabaseUrl(join(d.path, '.llmops/llmops.db')));
      try {
        expect((await listRuns(db.db, { limit: 10 })).map((r) => r.status)).toEqual(['ok']);
      } finally {
        await db.close();
      }
    } finally {
      d.remove();
    }
  });

  it('an unknown option exits 2', async () => {
    const r = await runCli(['ingest', '--no-such-flag', 'x']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("unknown option '--no-such-flag'");
  });
});

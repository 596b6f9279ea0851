import { createWriteStream, writeFileSync, mkdirSync } from 'node:fs';
import { once } from 'node:events';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase, type Db } from '../../src/store/database.js';
import { parseDatabaseUrl } from '../../src/store/database-url.js';
import { countDocuments } from '../../src/store/documents-repo.js';
import { listRuns } from '../../src/store/runs-repo.js';
import { ENGINES, engineMissing, freshDatabase, tempDir } from '../helpers/databases.js';
import { ndjson, runCli } from '../helpers/cli.js';

const dir = tempDir();
afterAll(() => dir.remove());

function write(name: string, content: string | Buffer): string {
  const p = join(dir.path, name);
  mkdirSync(join(p, '..'), { recursive: true });
  writeFileSync(p, content);
  return p;
}

const good = write(
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
write('in/ignored.txt', 'not a record file');

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
      expect(first.stderr).toBe('');
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
    expect(r.stderr).toMatch(/llmops\.yaml: ingest: Unrecognized key: "text_feld"/);
    expect(r.stderr).toMatch(/llmops\.yaml: ingest\.max_record_mb: /);
    expect(r.stderr).toMatch(/llmops\.yaml: split\.batch_size: /);
    d.remove();
  });

  it('an unreachable database is named with its password masked', async () => {
    const r = await runCli(['--db', 'postgres://u:secretpw99@127.0.0.1:1/x', 'ingest', 'data/']);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe('llmops: cannot open database postgres://u:***@127.0.0.1:1/x: connect ECONNREFUSED 127.0.0.1:1\n');
  });

  it('an unknown option exits 2', async () => {
    const r = await runCli(['ingest', '--no-such-flag', 'x']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("unknown option '--no-such-flag'");
  });
});

import { cpSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase, type Db } from '../../src/store/database.js';
import { parseDatabaseUrl } from '../../src/store/database-url.js';
import { countDocuments } from '../../src/store/documents-repo.js';
import { ENGINES, engineMissing, freshDatabase, tempDir } from '../helpers/databases.js';
import { writeFileIn } from '../helpers/files.js';
import { ndjson, runCli, withoutCreatedNote } from '../helpers/cli.js';

const dir = tempDir();
afterAll(() => dir.remove());

const write = (name: string, content: string | Buffer) => writeFileIn(dir.path, name, content);

const NOTES = join(dir.path, 'notes');
write('notes/meeting.md', '---\ntitle: Planning meeting\nauthor: Ann\ncategory: notes\ntags: [q3, roadmap]\n---\n# Agenda\n\nWe agreed on the plan. Bob takes the launch.\n');
write('notes/guide/setup.markdown', 'Intro line before the title.\n\n```sh\n# not a heading\n```\n\n# Setting *up* the [tool](https://example.com)\n\nRun the installer.\n');
write('notes/todo.txt', 'Buy milk.\r\nCall the plumber.\r\n');
write(
  'notes/page.html',
  `<!doctype html><html><head><meta charset="utf-8"><title>Rivers rise | The Daily</title>
<meta property="og:title" content="Rivers rise after the storm">
<script>window.tracker = "<p>tracking script text</p>";</script><style>p { color: red }</style></head>
<body><nav><a href="/">Home</a> <a href="/news">News</a></nav>
<article><h1>Rivers rise after the storm</h1>
<p>The river rose two metres overnight and the old bridge was closed to traffic by the morning.</p>
<p>Residents near the bank were asked to move their cars to higher ground before noon.</p>
<script>document.write("injected by a script")</script></article>
<footer>© The Daily. All rights reserved.</footer></body></html>`,
);
write('notes/records.jsonl', '{"id":"j1","text":"A JSON record among the notes.","title":"From JSON"}\n');
write('notes/.obsidian/workspace.md', '# Hidden folder: skipped\n');
write('notes/node_modules/pkg/README.md', '# A dependency: skipped\n');
write('notes/image.png', Buffer.from([0x89, 0x50, 0x4e, 0x47, 0, 0, 0, 0x0d]));

type Row = { title: string | null; author: string | null; category: string; link: string | null; content: string; metadata: unknown };

async function documents(db: Db): Promise<Record<string, Row>> {
  const rows = await db.db.selectFrom('documents').select(['title', 'author', 'category', 'link', 'content', 'metadata']).execute();
  return Object.fromEntries(rows.map((r) => [r.title ?? '', { ...r, metadata: typeof r.metadata === 'string' ? JSON.parse(r.metadata) : r.metadata }]));
}

for (const engine of ENGINES) {
  describe.skipIf(engineMissing(engine))(`llmops ingest, text files (${engine})`, () => {
    let url: string;
    let cleanup: () => Promise<void>;
    let db: Db;
    // A copy per engine: a test below changes a file.
    const notes = join(dir.path, `notes-${engine}`);
    beforeAll(async () => {
      ({ url, cleanup } = await freshDatabase(engine));
      cpSync(NOTES, notes, { recursive: true });
    });
    afterAll(async () => {
      await db?.close();
      await cleanup?.();
    });

    it('a folder of Markdown, text, HTML and JSON files: one document each, titled, clean text; again: unchanged', async () => {
      const r = await runCli(['--db', url, 'ingest', notes]);
      expect(withoutCreatedNote(r.stderr)).toBe('');
      expect(r.code).toBe(0);
      expect(ndjson(r.stdout)[0]).toMatchObject({ files: 5, records: 5, inserted: 5, invalid: 0, skipped: 0 });
      db = await openDatabase(parseDatabaseUrl(url));
      const docs = await documents(db);
      expect(Object.keys(docs).sort()).toEqual(['From JSON', 'Planning meeting', 'Rivers rise after the storm', 'Setting up the tool', 'todo.txt']);
      expect(docs['Planning meeting']).toMatchObject({
        author: 'Ann',
        category: 'notes',
        link: pathToFileURL(join(notes, 'meeting.md')).href,
        content: '# Agenda\n\nWe agreed on the plan. Bob takes the launch.',
        metadata: { tags: ['q3', 'roadmap'] },
      });
      expect(docs['todo.txt']).toMatchObject({ category: 'documents', content: 'Buy milk.\nCall the plumber.', link: pathToFileURL(join(notes, 'todo.txt')).href });
      const page = docs['Rivers rise after the storm']!;
      expect(page.content).toBe(
        'The river rose two metres overnight and the old bridge was closed to traffic by the morning.\n\nResidents near the bank were asked to move their cars to higher ground before noon.',
      );
      expect(page.content).not.toMatch(/<|tracking|injected|color: red|Home|Copyright|©/);

      const again = await runCli(['--db', url, 'ingest', notes]);
      expect(again.code).toBe(0);
      expect(ndjson(again.stdout)[0]).toMatchObject({ inserted: 0, updated: 0, unchanged: 5, note: 'nothing new to store' });
    });

    it('a changed file updates its document, named by the same path however it is given', async () => {
      const todo = join(notes, 'todo.txt');
      writeFileSync(todo, `${readFileSync(todo, 'utf8')}Water the plants.\n`);
      const r = await runCli(['--db', url, 'ingest', join(notes, '..', `notes-${engine}`, 'todo.txt')]);
      expect(r.code, r.stderr).toBe(0);
      expect(ndjson(r.stdout)[0]).toMatchObject({ inserted: 0, updated: 1 });
      expect(await countDocuments(db.db)).toBe(5);
      expect((await documents(db))['todo.txt']!.content).toBe('Buy milk.\nCall the plumber.\nWater the plants.');
    });
  });
}

describe('llmops ingest, text inputs', () => {
  const dbIn = (name: string) => join(dir.path, `${name}.db`);

  it('--glob chooses the files of a directory', async () => {
    const r = await runCli(['--db', dbIn('glob'), 'ingest', NOTES, '--glob', '**/*.md']);
    expect(r.code, r.stderr).toBe(0);
    expect(ndjson(r.stdout)[0]).toMatchObject({ files: 1, inserted: 1 });
    const none = await runCli(['--db', dbIn('glob'), 'ingest', NOTES, '--glob', '**/*.rst']);
    expect(none.code).toBe(2);
    expect(none.stderr).toBe(`llmops: ingest: ${NOTES}: no files match --glob **/*.rst\n`);
  });

  it('stdin as one text document (--format text --title) and as one document per line (--format lines)', async () => {
    const db = dbIn('stdin');
    const text = await runCli(['--db', db, 'ingest', '-', '--format', 'text', '--title', 'Pasted'], { input: 'First paragraph.\n\nSecond paragraph.\n' });
    expect(text.code, text.stderr).toBe(0);
    expect(ndjson(text.stdout)[0]).toMatchObject({ records: 1, inserted: 1 });
    const lines = await runCli(['--db', db, 'ingest', '-', '--format', 'lines', '--category', 'posts'], { input: 'one post\n\n  two post  \r\nthree post\n' });
    expect(lines.code, lines.stderr).toBe(0);
    expect(ndjson(lines.stdout)[0]).toMatchObject({ records: 3, inserted: 3 });
    const d = await openDatabase(parseDatabaseUrl(db));
    try {
      const rows = await d.db.selectFrom('documents').select(['title', 'category', 'content', 'link']).orderBy('content').execute();
      expect(rows).toEqual([
        { title: 'Pasted', category: 'documents', content: 'First paragraph.\n\nSecond paragraph.', link: null },
        { title: null, category: 'posts', content: 'one post', link: null },
        { title: null, category: 'posts', content: 'three post', link: null },
        { title: null, category: 'posts', content: 'two post', link: null },
      ]);
    } finally {
      await d.close();
    }
    const same = await runCli(['--db', db, 'ingest', '-', '--format', 'lines', '--category', 'posts'], { input: 'three post\none post\n' });
    expect(ndjson(same.stdout)[0]).toMatchObject({ inserted: 0, unchanged: 2 });
  });

  it('text on stdin without --format: one line, exit 2, nothing written', async () => {
    const fresh = dbIn('not-json');
    const r = await runCli(['--db', fresh, 'ingest', '-'], { input: 'Just some words someone pasted, many of them.\n' });
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toBe('llmops: ingest: stdin is not JSON records (objects, one per line or in an array); use --format text or --format lines\n');
    expect(existsSync(fresh)).toBe(false);
    // JSON that is not records (a string, null) is told the same way, not called "not JSON" alone.
    for (const input of ['"just a string"\n', 'null\n']) {
      const v = await runCli(['--db', fresh, 'ingest', '-'], { input });
      expect(v.code).toBe(2);
      expect(v.stderr).toBe('llmops: ingest: stdin is not JSON records (objects, one per line or in an array); use --format text or --format lines\n');
    }

    // Into an existing database: no document and no runs row.
    const good = write('one.jsonl', '{"text":"kept"}\n');
    expect((await runCli(['--db', fresh, 'ingest', good])).code).toBe(0);
    const again = await runCli(['--db', fresh, 'ingest', good, '-'], { input: 'plain words\n' });
    expect(again.code).toBe(2);
    expect(again.stderr).toBe('llmops: ingest: stdin is not JSON records (objects, one per line or in an array); use --format text or --format lines\n');
    const d = await openDatabase(parseDatabaseUrl(fresh));
    try {
      expect(await countDocuments(d.db)).toBe(1);
      expect(await d.db.selectFrom('runs').select('status').execute()).toEqual([{ status: 'ok' }]);
    } finally {
      await d.close();
    }
  });

  it('a file of another extension is JSON unless --format says otherwise', async () => {
    const log = write('app.log', 'started\nstopped\n');
    const asJson = await runCli(['--db', dbIn('log'), 'ingest', log]);
    expect(asJson.code).toBe(2);
    expect(asJson.stderr).toBe(`llmops: ingest: ${log} is not JSON records (objects, one per line or in an array); use --format text or --format lines\n`);
    const asLines = await runCli(['--db', dbIn('log'), 'ingest', '--format', 'lines', log]);
    expect(asLines.code, asLines.stderr).toBe(0);
    expect(ndjson(asLines.stdout)[0]).toMatchObject({ records: 2, inserted: 2 });
    const asText = await runCli(['--db', dbIn('log'), 'ingest', '--format', 'text', log]);
    expect(ndjson(asText.stdout)[0]).toMatchObject({ records: 1, inserted: 1 });
  });

  it('binary data under a .txt name is refused naming the file; a later NUL is removed and a lone surrogate replaced, with warnings; an empty file is skipped with a note; an oversized file is refused', async () => {
    const folder = join(dir.path, 'hostile');
    const binary = write('hostile/photo.txt', Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 0x0d]), Buffer.alloc(2000, 7)]));
    const late = write('hostile/late-nul.txt', Buffer.concat([Buffer.from('x'.repeat(9000)), Buffer.from([0]), Buffer.from(' end\n')]));
    const empty = write('hostile/empty.md', '');
    // A lone surrogate written as UTF-8 bytes (WTF-8), which UTF-8 forbids.
    const wtf8 = write('hostile/wtf8.txt', Buffer.concat([Buffer.from('café '), Buffer.from([0xed, 0xa0, 0x80]), Buffer.from(' after\n')]));
    write('hostile/fine.txt', 'A fine note.\n');
    const db = dbIn('hostile');
    const r = await runCli(['--db', db, 'ingest', folder]);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(`llmops: ingest: 1 invalid record (${binary}: binary data, not text); nothing stored (--skip-invalid stores the valid ones)\n`);
    expect(existsSync(db)).toBe(false);

    const s = await runCli(['--db', db, 'ingest', '--skip-invalid', folder]);
    expect(s.code).toBe(3);
    expect(withoutCreatedNote(s.stderr).split('\n')).toEqual([
      `${binary}: binary data, not text`,
      `warning: ${late}: removed 1 NUL character (\\u0000)`,
      `warning: ${wtf8}: replaced 1 lone surrogate with U+FFFD`,
      `note: ${empty}: empty, skipped`,
      'llmops: ingest: 1 invalid record(s) skipped, the rest stored',
      '',
    ]);
    expect(ndjson(s.stdout)[0]).toMatchObject({ files: 5, records: 4, inserted: 3, invalid: 1, skipped: 1, repaired: 2 });
    const d = await openDatabase(parseDatabaseUrl(db));
    try {
      const row = await d.db.selectFrom('documents').select('content').where('title', '=', 'wtf8.txt').executeTakeFirstOrThrow();
      expect(row.content).toBe('café \ufffd after');
    } finally {
      await d.close();
    }

    const big = await runCli(['--db', db, 'ingest', '--max-record-mb', '0.001', late]);
    expect(big.code).toBe(2);
    expect(big.stderr).toBe(`llmops: ingest: 1 invalid record (${late}: larger than 1 KB (--max-record-mb)); nothing stored (--skip-invalid stores the valid ones)\n`);
  });

  it('an endless input (/dev/zero, `yes |`) past --max-record-mb is refused at the cap, not read forever', async () => {
    const db = dbIn('endless');
    const zero = await runCli(['--db', db, 'ingest', '/dev/zero', '--format', 'text', '--max-record-mb', '1']);
    expect(zero.code).toBe(2);
    expect(withoutCreatedNote(zero.stderr)).toBe('llmops: ingest: 1 invalid record (/dev/zero: larger than 1 MB (--max-record-mb)); nothing stored (--skip-invalid stores the valid ones)\n');
  });

  it('an HTML file in a legacy charset is read by its <meta charset>; a text file that is not UTF-8 as windows-1252', async () => {
    const html = write('legacy/page.htm', Buffer.from('<html><head><meta charset="windows-1252"><title>Caf\xe9 \x93news\x94</title></head><body><p>Cr\xe8me br\xfbl\xe9e for everyone at the caf\xe9 today.</p></body></html>', 'latin1'));
    const txt = write('legacy/old.txt', Buffer.from('Na\xefve \x93quotes\x94 \x96 dash\n', 'latin1'));
    const db = dbIn('legacy');
    const r = await runCli(['--db', db, 'ingest', html, txt]);
    expect(r.code, r.stderr).toBe(0);
    const d = await openDatabase(parseDatabaseUrl(db));
    try {
      const rows = await d.db.selectFrom('documents').select(['title', 'content']).orderBy('title').execute();
      expect(rows).toEqual([
        { title: 'Café “news”', content: 'Crème brûlée for everyone at the café today.' },
        { title: 'old.txt', content: 'Naïve “quotes” – dash' },
      ]);
    } finally {
      await d.close();
    }
  });

  it('--title is for text; --restore for JSON', async () => {
    const t = await runCli(['--db', dbIn('flags'), 'ingest', write('t.jsonl', '{"text":"x"}\n'), '--title', 'X']);
    expect(t.code).toBe(2);
    expect(t.stderr).toMatch(/^llmops: ingest: --title names documents read as text, and .*t\.jsonl is read as JSON/);
    const r = await runCli(['--db', dbIn('flags'), 'ingest', '--restore', join(NOTES, 'todo.txt')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^llmops: ingest: --restore reads inspect exports \(JSON\), and .*todo\.txt is read as text\n$/);
  });
});

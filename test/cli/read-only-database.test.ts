import { chmodSync, createReadStream, createWriteStream, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { createGunzip } from 'node:zlib';
import { pipeline } from 'node:stream/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO, ndjson, runCli, runCliAsUnprivileged } from '../helpers/cli.js';
import { tempDir } from '../helpers/databases.js';

// A database someone may read and not write: a read-only mount, a CI artifact, another user's
// folder. SQLite needs <db>-shm beside a WAL database even to read it; inspect must read it
// anyway, and write nothing there. As root (CI) the runs are made as `nobody` in a folder root
// owns; as a user, the folder is made read-only (mode 0555) for the runs.
const root = process.getuid?.() === 0;
const dir = tempDir();
const folder = join(dir.path, 'shared');
const db = join(folder, 'corpus.db');

const sha256 = (file: string) => createHash('sha256').update(readFileSync(file)).digest('hex');

function readOnly(path: string): void {
  chmodSync(dir.path, 0o755); // nobody may reach it
  chmodSync(path, root ? 0o755 : 0o555);
}

const search = ['inspect', 'search', 'embedded_articles', '--query', 'retrieval of dense vectors', '--k', '3'];
let expected: string;

beforeAll(async () => {
  const docs = [
    { id: 'a1', category: 'articles', title: 'Dense retrieval', text: 'Dense retrieval embeds queries and passages into vectors and compares them by cosine similarity.' },
    { id: 'a2', category: 'articles', title: 'BM25', text: 'BM25 ranks documents by term frequency and inverse document frequency.' },
    { id: 'a3', category: 'articles', title: 'Chunking', text: 'Long documents are cut into chunks before they are embedded, so each vector covers one passage.' },
  ];
  mkdirSync(folder);
  writeFileSync(join(dir.path, 'docs.jsonl'), docs.map((d) => JSON.stringify(d)).join('\n'));
  for (const args of [['ingest', join(dir.path, 'docs.jsonl')], ['featurize', '--embedder', 'hashing', '--workers', '1']]) {
    const r = await runCli(['--db', db, ...args], { cwd: dir.path });
    expect(r.code, r.stderr).toBe(0);
  }
  const r = await runCli(['--db', db, ...search], { cwd: dir.path });
  expect(r.code, r.stderr).toBe(0);
  expected = r.stdout;
  expect(readdirSync(folder)).toEqual(['corpus.db']); // closed cleanly: no WAL beside it
  readOnly(folder);
}, 60_000);

afterAll(() => {
  chmodSync(folder, 0o755);
  dir.remove();
});

describe('a database in a folder the user may not write', () => {
  it('inspect reads it, searches it as before, and leaves nothing beside it', async () => {
    const before = sha256(db);
    const collections = await runCliAsUnprivileged(['--db', db, 'inspect', 'collections'], folder, { giveCwd: false });
    expect(collections.code, collections.stderr).toBe(0);
    expect(ndjson(collections.stdout).map((c) => [c.name, c.count])).toEqual([
      ['cleaned_articles', 3],
      ['embedded_articles', 3],
    ]);
    const found = await runCliAsUnprivileged(['--db', db, ...search], folder, { giveCwd: false });
    expect(found.code, found.stderr).toBe(0);
    expect(found.stdout).toBe(expected);
    expect(ndjson(found.stdout)[0].title).toBe('Dense retrieval');
    const stats = await runCliAsUnprivileged(['--db', db, 'inspect', 'stats', 'embedded_articles'], folder, { giveCwd: false });
    expect(stats.code, stats.stderr).toBe(0);
    expect(readdirSync(folder)).toEqual(['corpus.db']);
    expect(sha256(db)).toBe(before);
  });

  it('ask without a model (extractive) answers from it too, writing nothing', async () => {
    const before = sha256(db);
    const r = await runCliAsUnprivileged(['--db', db, 'ask', 'How are queries compared in dense retrieval?', '--json'], folder, { giveCwd: false });
    expect(r.code, r.stderr).toBe(0);
    const answer = ndjson(r.stdout)[0];
    expect(answer.mode).toBe('extractive');
    expect(answer.citations.map((c: { title: string }) => c.title)).toContain('Dense retrieval');
    expect(readdirSync(folder)).toEqual(['corpus.db']);
    expect(sha256(db)).toBe(before);
  });

  it('a command that writes says the database is read-only there, in one line, and changes nothing', async () => {
    const before = sha256(db);
    writeFileSync(join(dir.path, 'more.jsonl'), '{"id":"a4","text":"one more"}\n');
    chmodSync(join(dir.path, 'more.jsonl'), 0o644);
    const r = await runCliAsUnprivileged(['--db', db, 'ingest', join(dir.path, 'more.jsonl')], folder, { giveCwd: false });
    expect(r.code).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toContain(`--db: cannot open SQLite database ${db}`);
    expect(r.stderr).toContain('read-only here');
    expect(readdirSync(folder)).toEqual(['corpus.db']);
    expect(sha256(db)).toBe(before);
  });

  it('a database of an older llmops there is refused with what to do, not migrated half-way', async () => {
    const old = join(dir.path, 'old');
    mkdirSync(old);
    const file = join(old, 'release-0.1.0.db');
    await pipeline(createReadStream(join(REPO, 'test/fixtures/release-0.1.0/release-0.1.0.db.gz')), createGunzip(), createWriteStream(file));
    chmodSync(file, 0o644);
    readOnly(old);
    try {
      const before = sha256(file);
      const r = await runCliAsUnprivileged(['--db', file, 'inspect', 'collections'], old, { giveCwd: false });
      expect(r.code).toBe(2);
      expect(r.stderr.trim()).toBe(`llmops: --db: ${file} is read-only here and was written by an older llmops: run any llmops command on it where it can be written, to bring its tables up to date`);
      expect(readdirSync(old)).toEqual(['release-0.1.0.db']);
      expect(sha256(file)).toBe(before);
    } finally {
      chmodSync(old, 0o755);
    }
  });
});

import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { findProjectRoot } from '../../src/config/project-dir.js';
import { ndjson, runCli } from '../helpers/cli.js';
import { tempDir } from '../helpers/databases.js';

const CREATED = 'llmops: created .llmops/llmops.db (new database)';

/** A project folder with two documents stored from its root, and a subfolder a/b. */
async function project(): Promise<{ path: string; sub: string; remove: () => void }> {
  const d = tempDir();
  writeFileSync(join(d.path, 'docs.jsonl'), '{"text":"The first one."}\n{"text":"The second one."}\n');
  const r = await runCli(['ingest', 'docs.jsonl'], { cwd: d.path });
  expect(r.code).toBe(0);
  const sub = join(d.path, 'a/b');
  mkdirSync(sub, { recursive: true });
  return { path: d.path, sub, remove: d.remove };
}

/** `llmops where --json` as { what: row }. */
async function where(args: string[], cwd: string, env?: Record<string, string | undefined>) {
  const r = await runCli([...args, 'where', '--json'], { cwd, env: { QDRANT_URL: undefined, ...env } });
  expect(r.stderr).toBe('');
  expect(r.code).toBe(0);
  return Object.fromEntries(ndjson(r.stdout).map((row) => [row.what, row]));
}

describe('finding the database as git finds .git', () => {
  it('the tests run below no .llmops/ of their own (one above the temp folder would capture them all)', () => {
    expect(findProjectRoot(tmpdir())).toBeUndefined();
  });

  it('from a subfolder, commands use the database of the nearest parent holding .llmops/', async () => {
    const p = await project();
    try {
      const docs = await runCli(['inspect', 'documents', '--json'], { cwd: p.sub });
      expect(docs.code).toBe(0);
      expect(ndjson(docs.stdout)).toHaveLength(2);
      const split = await runCli(['split', '--json'], { cwd: p.sub });
      expect(split.code).toBe(0);
      expect(ndjson(split.stdout)[0]).toMatchObject({ documents: 2, documents_in_store: 2 });
      expect(split.stderr).toBe(''); // nothing new was created
      expect(readdirSync(p.sub)).toEqual([]);
    } finally {
      p.remove();
    }
  });

  it('a writer in a fresh folder creates .llmops/ there and says so once, on stderr', async () => {
    const d = tempDir();
    try {
      writeFileSync(join(d.path, 'a.jsonl'), '{"text":"hello"}\n');
      const first = await runCli(['ingest', 'a.jsonl'], { cwd: d.path });
      expect(first.code).toBe(0);
      expect(first.stderr.split('\n').filter((l) => l === CREATED)).toHaveLength(1);
      expect(first.stdout).not.toContain('created');
      expect(readdirSync(join(d.path, '.llmops'))).toContain('llmops.db');
      const again = await runCli(['ingest', 'a.jsonl'], { cwd: d.path });
      expect(again.stderr).not.toContain('created');
      const quiet = tempDir();
      writeFileSync(join(quiet.path, 'a.jsonl'), '{"text":"hello"}\n');
      const q = await runCli(['-q', 'ingest', 'a.jsonl'], { cwd: quiet.path });
      expect(q.code).toBe(0);
      expect(q.stderr).toBe('');
      quiet.remove();
      // A --db that names no database yet (a typo, say) is created too, and said so.
      const named = await runCli(['--db', 'dtaa/typo.db', 'ingest', 'a.jsonl'], { cwd: d.path });
      expect(named.code).toBe(0);
      expect(named.stderr).toBe('llmops: created dtaa/typo.db (new database)\n');
      expect((await runCli(['--db', 'dtaa/typo.db', 'ingest', 'a.jsonl'], { cwd: d.path })).stderr).toBe('');
    } finally {
      d.remove();
    }
  });

  it('a reader in an empty folder creates nothing and says there is no database', async () => {
    const d = tempDir();
    try {
      const r = await runCli(['inspect', 'runs'], { cwd: d.path });
      expect(r.code).toBe(2);
      expect(r.stderr).toBe(`llmops: no llmops database at ${join(d.path, '.llmops/llmops.db')} (nothing to read: run ingest, crawl or monitor first, or pass --db)\n`);
      const w = await runCli(['where'], { cwd: d.path });
      expect(w.code).toBe(0);
      expect(readdirSync(d.path)).toEqual([]);
    } finally {
      d.remove();
    }
  });
});

describe('llmops where', () => {
  it('says which database, warehouse, vector store and config are in use, and why', async () => {
    const p = await project();
    try {
      const fromSub = await where([], p.sub);
      const db = join(p.path, '.llmops/llmops.db');
      expect(fromSub.database).toMatchObject({ location: db, source: 'parent', exists: true });
      expect(fromSub.database.why).toContain(p.path);
      expect(fromSub.warehouse).toMatchObject({ location: db, source: 'default', exists: true });
      expect(fromSub.vectors).toMatchObject({ location: `sqlite-vec in ${db}`, source: 'default' });
      expect(fromSub.config).toMatchObject({ location: '(none)', source: 'default', exists: false });

      const atRoot = await where([], p.path);
      expect(atRoot.database).toMatchObject({ location: db, source: 'default', exists: true });

      const empty = tempDir();
      const nothing = await where([], empty.path);
      expect(nothing.database).toMatchObject({ location: join(empty.path, '.llmops/llmops.db'), source: 'default', exists: false });
      empty.remove();

      writeFileSync(join(p.path, 'llmops.yaml'), 'db: data/by-config.db\nwarehouse: mongodb://app:s3cret@127.0.0.1/docs\n');
      const byConfig = await where([], p.sub);
      // A path in llmops.yaml is relative to the file's folder, wherever the command runs.
      expect(byConfig.database).toMatchObject({ location: join(p.path, 'data/by-config.db'), source: 'config', why: '../../llmops.yaml: db', exists: false });
      expect(byConfig.warehouse).toMatchObject({ location: 'mongodb://app:***@127.0.0.1/docs', source: 'config', exists: null });
      expect(byConfig.config).toMatchObject({ location: join(p.path, 'llmops.yaml'), source: 'parent', exists: true });

      const byEnv = await where([], p.sub, { LLMOPS_DB: 'postgres://u:hunter2@127.0.0.1/x', LLMOPS_WAREHOUSE: 'mongodb://w:pw@h/d', QDRANT_URL: 'http://k:qsecret@127.0.0.1:6333' });
      expect(byEnv.database).toMatchObject({ location: 'postgres://u:***@127.0.0.1/x', source: 'env', why: 'LLMOPS_DB', exists: null });
      expect(byEnv.warehouse).toMatchObject({ source: 'env', why: 'LLMOPS_WAREHOUSE' });
      expect(byEnv.vectors).toMatchObject({ location: 'qdrant http://k:***@127.0.0.1:6333', source: 'env', why: 'QDRANT_URL' });

      writeFileSync(join(p.sub, 'other.yaml'), '{}\n');
      const byFlag = await where(['--db', 'mine.db', '--warehouse', 'mongodb://h/d', '--config', 'other.yaml'], p.sub, { LLMOPS_DB: 'env.db' });
      expect(byFlag.database).toMatchObject({ location: join(p.sub, 'mine.db'), source: 'flag', why: '--db', exists: false });
      expect(byFlag.warehouse).toMatchObject({ location: 'mongodb://h/d', source: 'flag' });
      expect(byFlag.config).toMatchObject({ location: join(p.sub, 'other.yaml'), source: 'flag', why: '--config' });
      expect(readdirSync(p.sub)).toEqual(['other.yaml']);
    } finally {
      p.remove();
    }
  });

  it('`inspect path` is the same', async () => {
    const d = tempDir();
    try {
      const a = await runCli(['where', '--json'], { cwd: d.path });
      const b = await runCli(['inspect', 'path', '--json'], { cwd: d.path });
      expect(b.code).toBe(0);
      expect(b.stdout).toBe(a.stdout);
      expect(ndjson(a.stdout).map((r) => r.what)).toEqual(['database', 'warehouse', 'vectors', 'config']);
    } finally {
      d.remove();
    }
  });
});

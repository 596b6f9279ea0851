import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { REPO, runCli, type CliResult } from '../helpers/cli.js';
import { createPgDatabase, engineMissing, tempDir } from '../helpers/databases.js';

/** One line on stderr: the error the user reads, nothing else. */
function oneLine(r: CliResult): string {
  const lines = r.stderr.trim().split('\n');
  expect(lines).toHaveLength(1);
  return lines[0]!;
}

describe('opening --db: clear errors, exit 2, nothing created', () => {
  it('a PostgreSQL URL with no host names --db and what was given', async () => {
    const dir = tempDir();
    try {
      const r = await runCli(['--db', 'postgres://user@', 'inspect', 'runs'], { cwd: dir.path });
      expect(r.code).toBe(2);
      expect(oneLine(r)).toMatch(/--db: not a valid PostgreSQL URL: postgres:\/\/user@/);
      expect(r.stderr).not.toMatch(/^llmops: Invalid URL/);
      const withPassword = await runCli(['--db', 'postgres://bob:se cret@', 'inspect', 'runs'], { cwd: dir.path });
      expect(withPassword.code).toBe(2);
      expect(oneLine(withPassword)).toContain('postgres://bob:***@');
      expect(withPassword.stderr).not.toContain('se cret');
      expect(readdirSync(dir.path)).toEqual([]);
    } finally {
      dir.remove();
    }
  });

  it('a file that is not SQLite is named, and left as it was', async () => {
    const dir = tempDir();
    try {
      const file = join(dir.path, 'notes.txt');
      writeFileSync(file, 'these are my notes, not a database\n'.repeat(20));
      writeFileSync(join(dir.path, 'd.jsonl'), '{"text":"hello"}\n');
      const r = await runCli(['--db', file, 'ingest', 'd.jsonl'], { cwd: dir.path });
      expect(r.code).toBe(2);
      expect(oneLine(r)).toContain(`--db: ${file} is not a SQLite database`);
      expect(readdirSync(dir.path).sort()).toEqual(['d.jsonl', 'notes.txt']);
    } finally {
      dir.remove();
    }
  });

  it('--db "" is refused, not taken for the default file', async () => {
    const dir = tempDir();
    try {
      writeFileSync(join(dir.path, 'd.jsonl'), '{"text":"hello"}\n');
      const r = await runCli(['--db', '', 'ingest', 'd.jsonl'], { cwd: dir.path });
      expect(r.code).toBe(2);
      expect(oneLine(r)).toMatch(/--db: empty value/);
      expect(existsSync(join(dir.path, '.llmops'))).toBe(false);
    } finally {
      dir.remove();
    }
  });

  it('a folder as --db is named as a folder, for a writer and a reader, and nothing is created in it', async () => {
    const dir = tempDir();
    try {
      writeFileSync(join(dir.path, 'd.jsonl'), '{"text":"hello"}\n');
      const folder = join(dir.path, 'data');
      mkdirSync(folder);
      for (const args of [['ingest', 'd.jsonl'], ['inspect', 'documents']]) {
        const r = await runCli(['--db', 'data', ...args], { cwd: dir.path });
        expect(r.code).toBe(2);
        expect(oneLine(r)).toBe(`llmops: --db: ${folder} is a folder, not a SQLite database file (name a file in it, such as ${join(folder, 'llmops.db')})`);
      }
      expect(readdirSync(folder)).toEqual([]);
    } finally {
      dir.remove();
    }
  });

  it('a read-only command on a path with no database says so and creates nothing', async () => {
    const dir = tempDir();
    try {
      const db = join(dir.path, 'nothing-here', 'llmops.db');
      for (const args of [['inspect', 'runs'], ['inspect', 'documents'], ['inspect', 'collections'], ['dedup', 'ledger', 'count']]) {
        const r = await runCli(['--db', db, ...args], { cwd: dir.path });
        expect(r.code, args.join(' ')).toBe(2);
        expect(oneLine(r)).toContain(`no llmops database at ${db}`);
        expect(r.stdout).toBe('');
      }
      expect(readdirSync(dir.path)).toEqual([]);
      // The default path too: nothing appears in the working folder.
      const d = await runCli(['inspect', 'documents'], { cwd: dir.path });
      expect(d.code).toBe(2);
      expect(d.stderr).toContain('no llmops database at');
      expect(readdirSync(dir.path)).toEqual([]);
    } finally {
      dir.remove();
    }
  });
});

describe.skipIf(engineMissing('postgres'))('opening a PostgreSQL --db', () => {
  it('a server that is not there (a refused port) is said as such, not "no llmops database" (exit 1, as ingest)', async () => {
    const r = await runCli(['--db', 'postgres://postgres:hunter2secret@127.0.0.1:1/x', 'inspect', 'runs']);
    expect(r.code).toBe(1);
    expect(oneLine(r)).toBe('llmops: cannot open database postgres://postgres:***@127.0.0.1:1/x: connect ECONNREFUSED 127.0.0.1:1');
  });

  it('a missing database is a usage error with the password masked', async () => {
    const r = await runCli(['--db', 'postgres://postgres:hunter2secret@127.0.0.1:5432/llmops_no_such_db_x', 'inspect', 'runs']);
    expect(r.code).toBe(2);
    const line = oneLine(r);
    expect(line).toContain('llmops_no_such_db_x');
    expect(line).toContain('postgres://postgres:***@127.0.0.1:5432/');
    expect(r.stderr).not.toContain('hunter2secret');
  });

  it('a database llmops never wrote to is "no llmops database" for a reader, and stays empty', async () => {
    const fresh = await createPgDatabase();
    try {
      const r = await runCli(['--db', fresh.url, 'inspect', 'runs']);
      expect(r.code).toBe(2);
      expect(oneLine(r)).toMatch(/no llmops database at postgres:\/\//);
      const c = new pg.Client({ connectionString: fresh.url });
      await c.connect();
      const { rows } = await c.query(`select count(*)::int as n from information_schema.tables where table_schema = 'public'`);
      await c.end();
      expect(rows[0].n).toBe(0);
    } finally {
      await fresh.drop();
    }
  });

  it('inspect collections works without Qdrant and says there are none; search says why', async () => {
    const fresh = await createPgDatabase();
    try {
      const dir = tempDir();
      writeFileSync(join(dir.path, 'd.jsonl'), '{"text":"hello"}\n');
      expect((await runCli(['--db', fresh.url, 'ingest', 'd.jsonl'], { cwd: dir.path })).code).toBe(0);
      dir.remove();
      const env = { QDRANT_URL: undefined };
      const r = await runCli(['--db', fresh.url, 'inspect', 'collections'], { env });
      expect(r.code).toBe(0);
      expect(r.stdout).toBe('');
      expect(r.stderr).toMatch(/no collections \(with PostgreSQL as --db, collections live in Qdrant and QDRANT_URL is not set\)/);
      const s = await runCli(['--db', fresh.url, 'inspect', 'search', 'embedded_articles', '--query', 'x'], { env });
      expect(s.code).toBe(2);
      expect(oneLine(s)).toMatch(/no collection named embedded_articles \(with PostgreSQL as --db/);
      // featurize keeps its error: it would have nowhere to write the vectors.
      const f = await runCli(['--db', fresh.url, 'featurize', '--embedder', 'hashing'], { env });
      expect(f.code).toBe(2);
      expect(f.stderr).toMatch(/vectors live in Qdrant: set QDRANT_URL/);
    } finally {
      await fresh.drop();
    }
  });
});

/** Starts n CLI runs at once and waits for all of them. */
const together = (n: number, args: string[], cwd: string) => Promise.all(Array.from({ length: n }, () => runCli(args, { cwd, timeoutMs: 120_000 })));

describe('a fresh database opened by several processes at once', () => {
  it('SQLite: six ingests started together all succeed, round after round', async () => {
    const dir = tempDir();
    try {
      writeFileSync(join(dir.path, 'd.jsonl'), '{"id":"one","text":"hello there"}\n');
      for (let round = 0; round < 2; round++) {
        const db = join(dir.path, `round-${round}.db`);
        const runs = await together(6, ['--db', db, 'ingest', 'd.jsonl'], dir.path);
        for (const r of runs) expect(r.stderr, `round ${round}`).not.toMatch(/already exists/);
        expect(runs.map((r) => r.code)).toEqual([0, 0, 0, 0, 0, 0]);
        const docs = await runCli(['--db', db, 'inspect', 'documents', '--json'], { cwd: dir.path });
        expect(docs.stdout.trim().split('\n')).toHaveLength(1);
      }
    } finally {
      dir.remove();
    }
  }, 300_000);

  it('SQLite: three monitors started together on a fresh file all run (the cron-tick case)', async () => {
    const dir = tempDir();
    try {
      const db = join(dir.path, 'm.db');
      const runs = await together(3, ['--db', db, 'monitor', join(REPO, 'configs/monitor.yaml'), '--json'], dir.path);
      expect(runs.map((r) => r.code), runs.map((r) => r.stderr).join('')).toEqual([0, 0, 0]);
      // The ledger shares the 50 items out: each is scored once over the three runs.
      const scored = runs.map((r) => JSON.parse(r.stdout.trim().split('\n')[0]!).scored_items as number);
      expect(scored.reduce((a, b) => a + b, 0)).toBe(50);
    } finally {
      dir.remove();
    }
  }, 300_000);

  it.skipIf(engineMissing('postgres'))('PostgreSQL: six ingests started together on a fresh database all succeed', async () => {
    const dir = tempDir();
    try {
      writeFileSync(join(dir.path, 'd.jsonl'), '{"id":"one","text":"hello there"}\n');
      for (let round = 0; round < 1; round++) {
        const fresh = await createPgDatabase();
        try {
          const runs = await together(6, ['--db', fresh.url, 'ingest', 'd.jsonl'], dir.path);
          expect(runs.map((r) => r.code), runs.map((r) => r.stderr).join('')).toEqual([0, 0, 0, 0, 0, 0]);
        } finally {
          await fresh.drop();
        }
      }
    } finally {
      dir.remove();
    }
  }, 300_000);
});

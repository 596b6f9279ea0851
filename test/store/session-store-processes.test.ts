import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { openDatabase } from '../../src/store/database.js';
import { parseDatabaseUrl } from '../../src/store/database-url.js';
import { SqlSessionStore } from '../../src/store/sql-session-store.js';
import { freshDatabase } from '../helpers/databases.js';

// In one process every SQLite query goes through one connection, one at a time; the file's
// lock is only contended by other processes (several `llmops chat`s, or serve beside a chat).

const WORKER = fileURLToPath(new URL('./fixtures/append-turns.ts', import.meta.url));

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

function run(args: string[]): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', WORKER, ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stderr }));
  });
}

describe('SQL session store across processes (SQLite)', () => {
  it('numbers every message once when four processes append to one session at the same time', async () => {
    const target = await freshDatabase('sqlite');
    cleanups.push(target.cleanup);
    const db = await openDatabase(parseDatabaseUrl(target.url));
    cleanups.push(() => db.close());
    const store = new SqlSessionStore(db.db);
    const s = await store.create('ada');
    const workers = ['w0', 'w1', 'w2', 'w3'];
    const results = await Promise.all(workers.map((w) => run([target.url, s.id, 'ada', w, '25'])));
    for (const r of results) expect(r.code, r.stderr).toBe(0);
    const messages = (await store.messages(s.id, 'ada'))!;
    expect(messages.map((m) => m.seq)).toEqual(Array.from({ length: 200 }, (_, i) => i + 1));
    // Each turn whole and in place, and each worker's turns in the order it sent them.
    for (let k = 0; k < 100; k++) expect(messages[2 * k + 1]!.content).toBe(messages[2 * k]!.content.replace(' asks ', ' is told '));
    for (const w of workers) {
      const mine = messages.filter((m) => m.role === 'user' && m.content.startsWith(`${w} `)).map((m) => m.content);
      expect(mine).toEqual(Array.from({ length: 25 }, (_, t) => `${w} asks ${t}`));
    }
    expect((await store.get(s.id, 'ada'))!.message_count).toBe(200);
  });
});

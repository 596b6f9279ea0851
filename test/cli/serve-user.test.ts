import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openDatabase } from '../../src/store/database.js';
import { parseDatabaseUrl } from '../../src/store/database-url.js';
import { RedisSessionStore } from '../../src/store/redis-session-store.js';
import { SqlSessionStore } from '../../src/store/sql-session-store.js';
import { SqlUserStore } from '../../src/store/sql-user-store.js';
import { hasScript, ndjson, runCli } from '../helpers/cli.js';
import { tempDir } from '../helpers/databases.js';
import { redisAvailable, redisClient, REDIS_TEST_URL } from '../helpers/redis.js';
import { TerminalSession } from '../helpers/terminal.js';

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

function workdir(): { dir: string; db: string } {
  const dir = tempDir();
  cleanups.push(dir.remove);
  return { dir: dir.path, db: join(dir.path, 'llmops.db') };
}

/** Whether `password` logs `name` in, asked of the database the CLI wrote. */
async function logsIn(dbPath: string, name: string, password: string): Promise<boolean> {
  const db = await openDatabase(parseDatabaseUrl(dbPath));
  try {
    return (await new SqlUserStore(db.db).verify(name, password)) !== null;
  } finally {
    await db.close();
  }
}

const user = (db: string, args: string[], input?: string) => runCli(['--db', db, 'serve', 'user', ...args], { input, env: { REDIS_URL: undefined } });

describe('llmops serve user', () => {
  it('adds, lists, changes the password of and removes accounts, the password read from stdin', async () => {
    const { db } = workdir();
    const add = await user(db, ['add', 'ada', '--password-stdin'], 'first password\n');
    expect(add.code, add.stderr).toBe(0);
    expect(ndjson(add.stdout)).toEqual([{ command: 'serve user add', user: 'ada', added: true }]);
    expect((await user(db, ['add', 'bob', '--password-stdin'], 'bobs password')).code).toBe(0);
    // The line end a shell adds is not part of the password.
    expect(await logsIn(db, 'ada', 'first password')).toBe(true);
    expect(await logsIn(db, 'ada', 'first password\n')).toBe(false);

    const list = await user(db, ['list']);
    expect(ndjson(list.stdout).map((u) => Object.keys(u).sort())).toEqual([['created_at', 'name'], ['created_at', 'name']]);
    expect(ndjson(list.stdout).map((u) => u.name)).toEqual(['ada', 'bob']);

    expect((await user(db, ['passwd', 'ada', '--password-stdin'], 'second password\n')).code).toBe(0);
    expect(await logsIn(db, 'ada', 'first password')).toBe(false);
    expect(await logsIn(db, 'ada', 'second password')).toBe(true);

    const removed = await user(db, ['remove', 'ada']);
    expect(ndjson(removed.stdout)).toEqual([{ command: 'serve user remove', user: 'ada', removed: true, sessions_deleted: 0 }]);
    expect(ndjson((await user(db, ['list'])).stdout).map((u) => u.name)).toEqual(['bob']);
    // No password, whole or hashed to something readable, is in the database file.
    const file = readFileSync(db).toString('latin1') + readFileSync(`${db}-wal`, { flag: 'a+' }).toString('latin1');
    expect(file).not.toContain('bobs password');
    expect(file).not.toContain('second password');
  });

  it('refuses bad input with one line naming the field, and exit 2', async () => {
    const { db } = workdir();
    await user(db, ['add', 'ada', '--password-stdin'], 'a good password');
    const cases: [string[], string | undefined, RegExp][] = [
      [['add', 'ada', '--password-stdin'], 'another password', /^llmops: user "ada" already exists\n$/],
      [['add', 'ada smith', '--password-stdin'], 'a good password', /^llmops: user name "ada smith": use 1-64 letters/],
      [['add', 'bob', '--password-stdin'], 'short\n', /^llmops: password: at least 8 characters\n$/],
      [['add', 'bob'], undefined, /^llmops: password: pipe it in with --password-stdin, or run on a terminal/],
      [['passwd', 'carol', '--password-stdin'], 'a good password', /^llmops: no serve user "carol"/],
      [['remove', 'carol'], undefined, /^llmops: no serve user "carol"/],
    ];
    for (const [args, input, message] of cases) {
      const r = await user(db, args, input);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr).toMatch(message);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
    }
    expect(ndjson((await user(db, ['list'])).stdout).map((u) => u.name)).toEqual(['ada']);
  });

  it("removes the account's chat sessions with it, and no one else's", async () => {
    const { db } = workdir();
    await user(db, ['add', 'ada', '--password-stdin'], 'a good password');
    const handle = await openDatabase(parseDatabaseUrl(db));
    const sessions = new SqlSessionStore(handle.db);
    const hers = await sessions.create('ada');
    await sessions.append(hers.id, 'ada', [{ role: 'user', content: 'q' }]);
    const his = await sessions.create('bob');
    await handle.close();
    const r = await user(db, ['remove', 'ada']);
    expect(ndjson(r.stdout)[0]).toMatchObject({ removed: true, sessions_deleted: 1 });
    const after = await openDatabase(parseDatabaseUrl(db));
    cleanups.push(() => after.close());
    const store = new SqlSessionStore(after.db);
    expect(await store.list('ada')).toEqual([]);
    expect((await store.list('bob')).map((s) => s.id)).toEqual([his.id]);
  });

  it('keeps the account when its sessions cannot be removed (Redis out of reach), so that the command can be run again', async () => {
    const { db } = workdir();
    await user(db, ['add', 'ada', '--password-stdin'], 'a good password');
    // Nothing listens on port 9 here: the session store cannot be reached.
    const failed = await runCli(['--db', db, 'serve', 'user', 'remove', 'ada'], { env: { REDIS_URL: 'redis://127.0.0.1:9/0' } });
    expect(failed.code).not.toBe(0);
    expect(failed.stderr).toMatch(/redis/i);
    expect(ndjson((await user(db, ['list'])).stdout).map((u) => u.name)).toEqual(['ada']);
    expect(await logsIn(db, 'ada', 'a good password')).toBe(true);
    const again = await user(db, ['remove', 'ada']);
    expect(again.code, again.stderr).toBe(0);
    expect(ndjson((await user(db, ['list'])).stdout)).toEqual([]);
  });

  it('removes the sessions an earlier removal left under a name whose account is gone', async () => {
    const { db } = workdir();
    await user(db, ['add', 'bob', '--password-stdin'], 'a good password');
    const handle = await openDatabase(parseDatabaseUrl(db));
    const left = await new SqlSessionStore(handle.db).create('ada');
    await handle.close();
    const r = await user(db, ['remove', 'ada']);
    expect(r.code, r.stderr).toBe(0);
    expect(ndjson(r.stdout)).toEqual([{ command: 'serve user remove', user: 'ada', removed: false, sessions_deleted: 1 }]);
    const after = await openDatabase(parseDatabaseUrl(db));
    cleanups.push(() => after.close());
    expect(await new SqlSessionStore(after.db).get(left.id, 'ada')).toBeNull();
  });

  it.skipIf(!redisAvailable)('removes the sessions from Redis when REDIS_URL is set', async () => {
    const { db } = workdir();
    const name = `ada-${randomBytes(4).toString('hex')}`;
    await user(db, ['add', name, '--password-stdin'], 'a good password');
    const store = await RedisSessionStore.open(REDIS_TEST_URL);
    cleanups.push(() => store.close());
    const s = await store.create(name);
    const r = await runCli(['--db', db, 'serve', 'user', 'remove', name], { env: { REDIS_URL: REDIS_TEST_URL } });
    expect(ndjson(r.stdout)[0]).toMatchObject({ removed: true, sessions_deleted: 1 });
    expect(await store.get(s.id, name)).toBeNull();
    const raw = redisClient();
    cleanups.push(() => raw.disconnect());
    expect(await raw.exists(`llmops:user:${name}:sessions`)).toBe(0);
  });
});

describe.skipIf(!hasScript)('llmops serve user on a terminal', () => {
  /** `serve user add ada` on a terminal, at its first password prompt. */
  async function addAdaOnTerminal() {
    const { dir, db } = workdir();
    const term = new TerminalSession(['--db', db, 'serve', 'user', 'add', 'ada'], { cwd: dir });
    cleanups.push(() => term.kill());
    await term.waitFor('New password for ada: ');
    return { db, term };
  }

  it('asks for the password twice and never shows it', async () => {
    const { db, term } = await addAdaOnTerminal();
    term.type('typed secret 42\r');
    await term.waitFor('Repeat it: ');
    term.type('typed secret 42\r');
    expect(await term.exit()).toMatchObject({ code: 0 });
    expect(term.screen).not.toContain('typed secret');
    expect(term.screen).toMatch(/serve user add\s+user\s+ada\s+added\s+true/);
    expect(await logsIn(db, 'ada', 'typed secret 42')).toBe(true);
  });

  it('takes both entries typed ahead in one go (a paste), still showing neither', async () => {
    const { db, term } = await addAdaOnTerminal();
    term.type('pasted secret 7\rpasted secret 7\r');
    expect(await term.exit()).toMatchObject({ code: 0 });
    expect(term.screen).not.toContain('pasted secret');
    expect(await logsIn(db, 'ada', 'pasted secret 7')).toBe(true);
  });

  it('adds nobody when the two entries differ', async () => {
    const { db, term } = await addAdaOnTerminal();
    term.type('typed secret 42\r');
    await term.waitFor('Repeat it: ');
    term.type('typed secret 43\r');
    expect(await term.exit()).toMatchObject({ code: 2 });
    expect(term.screen).toContain('password: the two entries differ (nothing changed)');
    expect(await logsIn(db, 'ada', 'typed secret 42')).toBe(false);
  });
});

import { afterEach, describe, expect, it } from 'vitest';
import { getOrCreateSecret } from '../../src/store/app-secrets-repo.js';
import { openDatabase, type Db } from '../../src/store/database.js';
import { parseDatabaseUrl } from '../../src/store/database-url.js';
import { DEFAULT_SCRYPT, SqlUserStore, type ScryptParams } from '../../src/store/sql-user-store.js';
import { ENGINES, engineMissing, freshDatabase } from '../helpers/databases.js';

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

/** A fresh database and a way to open more handles (connections) to it. */
async function freshDb(engine: (typeof ENGINES)[number]): Promise<{ db: Db; another: () => Promise<Db> }> {
  const target = await freshDatabase(engine);
  cleanups.push(target.cleanup);
  const another = async () => {
    const db = await openDatabase(parseDatabaseUrl(target.url));
    cleanups.push(() => db.close());
    return db;
  };
  return { db: await another(), another };
}

// Most tests hash with cheap parameters: what they check does not depend on the cost, and the
// machine is shared. The default parameters are exercised where the cost is the point.
const CHEAP: ScryptParams = { N: 1024, r: 8, p: 1 };

for (const engine of ENGINES) {
  describe.skipIf(engineMissing(engine))(`serve users (${engine})`, () => {
    it('verifies the right password only, and says nothing of unknown users', async () => {
      const { db } = await freshDb(engine);
      const users = new SqlUserStore(db.db, CHEAP);
      await users.add('ada', 'correct horse battery');
      expect(await users.verify('ada', 'correct horse battery')).toMatchObject({ name: 'ada' });
      expect(await users.verify('ada', 'correct horse batterY')).toBeNull();
      expect(await users.verify('ada', '')).toBeNull();
      expect(await users.verify('bob', 'correct horse battery')).toBeNull();
      expect(await users.verify('not a name!', 'correct horse battery')).toBeNull();
    });

    it('stores a salted hash, never the password', async () => {
      const { db } = await freshDb(engine);
      const users = new SqlUserStore(db.db, CHEAP);
      await users.add('ada', 'same password 123');
      await users.add('bob', 'same password 123');
      const rows = await db.db.selectFrom('serve_users').selectAll().orderBy('name').execute();
      for (const r of rows) {
        expect(JSON.stringify(r)).not.toContain('same password 123');
        expect(Buffer.from(r.password_hash, 'base64').toString('utf8')).not.toContain('same password');
        expect([r.scrypt_n, r.scrypt_r, r.scrypt_p]).toEqual([CHEAP.N, CHEAP.r, CHEAP.p]);
      }
      expect(rows[0]!.password_salt).not.toBe(rows[1]!.password_salt);
      expect(rows[0]!.password_hash).not.toBe(rows[1]!.password_hash);
    });

    it('changes a password (the old one stops working) and removes a user', async () => {
      const { db } = await freshDb(engine);
      const users = new SqlUserStore(db.db, CHEAP);
      await users.add('ada', 'first password');
      await users.add('bob', 'bobs password');
      expect(await users.setPassword('ada', 'second password')).toBe(true);
      expect(await users.verify('ada', 'first password')).toBeNull();
      expect(await users.verify('ada', 'second password')).not.toBeNull();
      expect(await users.setPassword('carol', 'whatever123')).toBe(false);
      expect(await users.exists('ada')).toBe(true);
      expect(await users.remove('ada')).toBe(true);
      expect(await users.remove('ada')).toBe(false);
      expect(await users.exists('ada')).toBe(false);
      expect(await users.verify('ada', 'second password')).toBeNull();
      expect((await users.list()).map((u) => u.name)).toEqual(['bob']);
    });

    it('refuses a taken name, a bad name and a short password, each in one line naming the rule', async () => {
      const { db } = await freshDb(engine);
      const users = new SqlUserStore(db.db, CHEAP);
      await users.add('ada', 'a good password');
      await expect(users.add('ada', 'another password')).rejects.toThrow(/^user "ada" already exists$/);
      await expect(users.add('ada smith', 'a good password')).rejects.toThrow(/^user name "ada smith": use 1-64 letters, digits, '\.', '_' or '-', starting with a letter or digit$/);
      await expect(users.add('-ada', 'a good password')).rejects.toThrow(/user name/);
      await expect(users.add('x'.repeat(65), 'a good password')).rejects.toThrow(/user name/);
      await expect(users.add('bob', 'short')).rejects.toThrow(/^password: at least 8 characters$/);
      await expect(users.setPassword('ada', 'short')).rejects.toThrow(/^password: at least 8 characters$/);
      expect((await users.list()).map((u) => u.name)).toEqual(['ada']);
    });

    it('still verifies a hash made with older parameters, and moves it to the current ones', async () => {
      const { db } = await freshDb(engine);
      await new SqlUserStore(db.db, CHEAP).add('ada', 'made long ago');
      const stronger = new SqlUserStore(db.db, { N: 2048, r: 8, p: 1 });
      expect(await stronger.verify('ada', 'made long ago')).not.toBeNull();
      const row = await db.db.selectFrom('serve_users').selectAll().executeTakeFirstOrThrow();
      expect(row.scrypt_n).toBe(2048);
      expect(await stronger.verify('ada', 'made long ago')).not.toBeNull();
    });

    it('keeps one secret when two processes create it at once', async () => {
      const { db, another } = await freshDb(engine);
      const handles = [db, await another(), await another()];
      let made = 0;
      const values = await Promise.all(
        Array.from({ length: 12 }, (_, i) =>
          getOrCreateSecret(handles[i % handles.length]!.db, 'jwt', () => {
            made++;
            return `secret-${i}`;
          }),
        ),
      );
      expect(made).toBeGreaterThanOrEqual(1);
      expect(new Set(values).size).toBe(1);
      expect(await getOrCreateSecret(db.db, 'jwt', () => 'a new one')).toBe(values[0]);
      expect(await db.db.selectFrom('app_secrets').selectAll().execute()).toHaveLength(1);
    });
  });
}

describe('serve users: the cost of a check', () => {
  // CPU time, not wall time: it counts the scrypt work done (in libuv's threads too), whatever
  // else the machine is doing. Without the dummy check an unknown name costs one SELECT.
  it('is the same for an unknown name as for a known one (default parameters)', async () => {
    const { db } = await freshDb('sqlite');
    const users = new SqlUserStore(db.db, DEFAULT_SCRYPT);
    await users.add('ada', 'a fine password');
    const cpu = async (name: string) => {
      const start = process.cpuUsage();
      for (let i = 0; i < 3; i++) await users.verify(name, 'a wrong password');
      const used = process.cpuUsage(start);
      return used.user + used.system;
    };
    const known = await cpu('ada');
    const unknown = await cpu('nobody');
    expect(unknown).toBeGreaterThan(known * 0.5);
  });
});

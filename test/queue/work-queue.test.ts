import { spawnSync } from 'node:child_process';
import { hostname } from 'node:os';
import { afterEach, describe, expect, it } from 'vitest';
import { openDatabase, type Db } from '../../src/store/database.js';
import { parseDatabaseUrl } from '../../src/store/database-url.js';
import { openWorkQueue } from '../../src/queue/work-queue.js';
import { ENGINES, engineMissing, freshDatabase } from '../helpers/databases.js';

const ids = (n: number) => Array.from({ length: n }, (_, i) => `item-${String(i).padStart(4, '0')}`);

for (const engine of ENGINES) {
  describe.skipIf(engineMissing(engine))(`the work queue (${engine})`, () => {
    const cleanups: (() => Promise<unknown>)[] = [];
    afterEach(async () => {
      for (const c of cleanups.splice(0).reverse()) await c();
    });
    async function open(): Promise<Db> {
      const fresh = await freshDatabase(engine);
      cleanups.push(fresh.cleanup);
      const db = await openDatabase(parseDatabaseUrl(fresh.url));
      cleanups.push(() => db.close());
      return db;
    }
    const leases = async (db: Db) => (await db.db.selectFrom('work_claims').select(['item_id', 'worker']).orderBy('item_id').execute());

    it('two workers claiming the same items at once never both hold one', async () => {
      const db = await open();
      const [a, b] = [openWorkQueue(db.db, 'q'), openWorkQueue(db.db, 'q')];
      const [wonA, wonB] = await Promise.all([a.claim(ids(1200)), b.claim(ids(1200).reverse())]);
      expect(wonA.length + wonB.length).toBe(1200);
      expect(new Set([...wonA, ...wonB]).size).toBe(1200);
      expect(await a.claim(ids(10))).toEqual([]);
      // Another queue's items are its own.
      expect(await openWorkQueue(db.db, 'other').claim(ids(3))).toEqual(ids(3));
      a.stop();
      b.stop();
    });

    it('completes inside the caller\'s transaction: a rolled-back write keeps its leases', async () => {
      const db = await open();
      const q = openWorkQueue(db.db, 'q');
      await q.claim(ids(3));
      await expect(
        db.db.transaction().execute(async (trx) => {
          await q.complete(trx, ids(2));
          throw new Error('the result write failed');
        }),
      ).rejects.toThrow('the result write failed');
      expect((await leases(db)).map((l) => l.item_id)).toEqual(ids(3));
      await db.db.transaction().execute((trx) => q.complete(trx, ids(2)));
      expect((await leases(db)).map((l) => l.item_id)).toEqual(['item-0002']);
      await q.release();
      expect(await leases(db)).toEqual([]);
      q.stop();
    });

    it('an item found done by the pending check is not claimed, and keeps no lease', async () => {
      const db = await open();
      const q = openWorkQueue(db.db, 'q');
      const won = await q.claim(ids(4), async (_trx, claimed) => claimed.filter((id) => id !== 'item-0001'));
      expect(won).toEqual(['item-0000', 'item-0002', 'item-0003']);
      expect((await leases(db)).map((l) => l.item_id)).toEqual(won);
      expect(await q.leased(ids(2))).toEqual(new Set(['item-0000']));
      q.stop();
    });

    it('releases leases that expired, and leases of a dead process on this host', async () => {
      const db = await open();
      const dead = spawnSync(process.execPath, ['-e', '0']).pid!;
      const row = (item_id: string, pid: number, expires: number) => ({ item_id, queue: 'q', worker: `w-${item_id}`, pid, host: hostname(), expires_at: new Date(Date.now() + expires).toISOString() });
      await db.db
        .insertInto('work_claims')
        .values([row('expired', process.pid, -1000), row('dead', dead, 60_000), row('live', process.pid, 60_000), { ...row('elsewhere', dead, 60_000), host: 'another-host' }])
        .execute();
      const q = openWorkQueue(db.db, 'q');
      expect(await q.releaseStale()).toBe(2);
      expect((await leases(db)).map((l) => l.item_id)).toEqual(['elsewhere', 'live']);
      expect(await q.claim(['dead', 'expired', 'live'])).toEqual(['dead', 'expired']);
      q.stop();
    });

    it('a live worker\'s heartbeat keeps its leases from expiring', async () => {
      const db = await open();
      const q = openWorkQueue(db.db, 'q', { leaseMs: 1500 });
      await q.claim(ids(2));
      await new Promise((r) => setTimeout(r, 2500));
      expect(await openWorkQueue(db.db, 'q').releaseStale()).toBe(0);
      q.stop();
      await new Promise((r) => setTimeout(r, 1600));
      expect(await openWorkQueue(db.db, 'q').releaseStale()).toBe(2);
    });
  });
}

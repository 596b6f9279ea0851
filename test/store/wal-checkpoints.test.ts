import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { openDatabase, type Db } from '../../src/store/database.js';
import { parseDatabaseUrl } from '../../src/store/database-url.js';
import { sqliteWal, workerCheckpoints } from '../../src/store/wal-checkpoints.js';

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

async function database(): Promise<{ db: Db; file: string }> {
  const dir = mkdtempSync(join(tmpdir(), 'llmops-wal-'));
  const file = join(dir, 'w.db');
  const db = await openDatabase(parseDatabaseUrl(`sqlite:${file}`));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }), () => db.close());
  await sql`create table t (x text)`.execute(db.db);
  return { db, file };
}

const write = async (db: Db, rows: number) => {
  for (let i = 0; i < rows; i++) await sql`insert into t values (${'x'.repeat(4000)})`.execute(db.db);
};

describe('workerCheckpoints', () => {
  it('at the end of a run whose WAL is due to start over, leaves it empty (not only due to start over at a next write)', async () => {
    const { db, file } = await database();
    const wal = await sqliteWal(db.db);
    const schedule = await workerCheckpoints([wal], 1, { restartPages: 1 });
    await write(db, 50);
    // The thread's checkpoint is the only one, and the run ends before another write.
    await schedule.wrote(1);
    await schedule.restore();
    expect(statSync(`${file}-wal`).size).toBe(0);
    const { rows } = await sql<{ log: number }>`pragma wal_checkpoint(PASSIVE)`.execute(db.db);
    expect(rows[0]!.log).toBe(0);
    expect((await sql<{ n: number }>`select count(*) as n from t`.execute(db.db)).rows[0]!.n).toBe(50);
  });

  it('below the size to start over, leaves the WAL to the next writer, copied into the file', async () => {
    const { db, file } = await database();
    const wal = await sqliteWal(db.db);
    const before = statSync(file).size;
    const schedule = await workerCheckpoints([wal], 1);
    await write(db, 50);
    await schedule.wrote(1);
    await schedule.restore();
    const { rows } = await sql<{ log: number; checkpointed: number }>`pragma wal_checkpoint(PASSIVE)`.execute(db.db);
    expect(rows[0]!.log).toBeGreaterThan(50);
    expect(rows[0]!.checkpointed).toBe(rows[0]!.log);
    expect(statSync(file).size).toBeGreaterThan(before);
    const { rows: auto } = await sql<{ wal_autocheckpoint: number }>`pragma wal_autocheckpoint`.execute(db.db);
    expect(auto[0]!.wal_autocheckpoint).toBeGreaterThan(0);
  });

  it('once draining (nothing more to claim), checkpoints after every write instead of every `every` characters', async () => {
    const { db, file } = await database();
    const wal = await sqliteWal(db.db);
    const before = statSync(file).size;
    const schedule = await workerCheckpoints([wal], 1e12);
    try {
      await write(db, 50);
      await schedule.wrote(4000 * 50);
      expect(statSync(file).size).toBe(before); // far below `every`: nothing copied into the file
      schedule.draining();
      await schedule.wrote(1);
      // The thread's checkpoint copies the WAL into the file (nothing else checkpoints meanwhile).
      await vi.waitFor(() => expect(statSync(file).size).toBeGreaterThan(before + 50 * 4000), { timeout: 20_000, interval: 20 });
    } finally {
      await schedule.restore();
    }
  });
});

import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase, type Db } from '../../src/store/database.js';
import { parseDatabaseUrl } from '../../src/store/database-url.js';
import { upsertDocuments } from '../../src/store/documents-repo.js';
import type { NewDocument } from '../../src/store/types.js';
import { createPgDatabase, engineMissing } from '../helpers/databases.js';

const doc = (content: string): NewDocument => ({
  id: '3b1f0c9e-5d2a-5e0b-9c1d-000000000001',
  source: 'test',
  external_id: 'k1',
  category: 'documents',
  link: null,
  author: null,
  title: null,
  content,
  metadata: {},
  content_hash: `hash-of-${content}`,
  created_at: new Date().toISOString(),
});

// Two ingests of two versions of one record on PostgreSQL: the second looked before the first
// committed, saw no row, and its insert (ON CONFLICT DO NOTHING) waited for the first and then
// did nothing: its version was dropped while its summary counted it inserted.
describe.skipIf(engineMissing('postgres'))('upsertDocuments racing another writer (PostgreSQL)', () => {
  let target: { url: string; drop: () => Promise<void> };
  let a: Db;
  let b: Db;
  let admin: pg.Client;
  beforeAll(async () => {
    target = await createPgDatabase();
    a = await openDatabase(parseDatabaseUrl(target.url));
    b = await openDatabase(parseDatabaseUrl(target.url));
    admin = new pg.Client({ connectionString: target.url });
    await admin.connect();
  });
  afterAll(async () => {
    await admin?.end();
    await a?.close();
    await b?.close();
    await target?.drop();
  });

  it('the writer that commits last keeps its text and counts it as an update', async () => {
    let releaseFirst!: () => void;
    const firstMayCommit = new Promise<void>((r) => (releaseFirst = r));
    let firstWrote!: () => void;
    const firstHasWritten = new Promise<void>((r) => (firstWrote = r));
    const first = a.db.transaction().execute(async (trx) => {
      const counts = await upsertDocuments(trx, [doc('version one')]);
      firstWrote();
      await firstMayCommit;
      return counts;
    });
    await firstHasWritten;
    const second = b.db.transaction().execute((trx) => upsertDocuments(trx, [doc('version two')]));
    // The second writer has looked (no row yet) and waits on the first one's uncommitted row.
    for (;;) {
      const { rows } = await admin.query(`select 1 from pg_stat_activity where datname = current_database() and wait_event_type = 'Lock' and query like 'insert into "documents"%'`);
      if (rows.length > 0) break;
      await new Promise((r) => setTimeout(r, 20));
    }
    releaseFirst();
    expect(await first).toEqual({ inserted: 1, updated: 0, unchanged: 0 });
    expect(await second).toEqual({ inserted: 0, updated: 1, unchanged: 0 });
    const { rows } = await admin.query('select content from documents');
    expect(rows).toEqual([{ content: 'version two' }]);
  });
});

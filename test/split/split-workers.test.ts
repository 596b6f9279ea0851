import { statSync } from 'node:fs';
import { sql } from 'kysely';
import { afterEach, describe, expect, it } from 'vitest';
import pg from 'pg';
import { sentenceId } from '../../src/core/ids.js';
import { mapRecord } from '../../src/ingest/map-record.js';
import { runSplit } from '../../src/split/run-split.js';
import { splitDocument } from '../../src/split/split-document.js';
import { openDatabase, type Db } from '../../src/store/database.js';
import { parseDatabaseUrl } from '../../src/store/database-url.js';
import { documentHashes } from '../../src/store/sentences-repo.js';
import { SqlDocumentStore } from '../../src/store/sql-document-store.js';
import { WAL_AUTOCHECKPOINT_PAGES } from '../../src/store/sqlite-pragmas.js';
import { engineMissing, freshDatabase, type Engine } from '../helpers/databases.js';
import { ndjson, runCli } from '../helpers/cli.js';
import { seedDocuments } from '../helpers/seed.js';
import { storedSentences } from '../helpers/sentences.js';

/** Abbreviations, decimals, quotes, unicode, emoji and surrogate pairs: offsets must survive the trip. */
function records(): Record<string, unknown>[] {
  return Array.from({ length: 90 }, (_, i) => ({
    id: `doc-${i}`,
    text: Array.from(
      { length: 1 + (i % 9) },
      (_, j) => `Dr. Smith (${i}.${j}) said "it rose 3.5% in the U.S." 🎉 Naïve café — 你好。Was it ${j}? Yes!\n\nNew paragraph 𝔘𝔫𝔦𝔠𝔬𝔡𝔢 ${'word '.repeat((i * j) % 17)}`,
    ).join(' '),
  }));
}

async function sentences(db: Db) {
  const rows = await storedSentences(db);
  const marks = await db.db.selectFrom('document_splits').select(['document_id', 'splitter_version', 'sentence_count']).orderBy('document_id').execute();
  return { rows, marks };
}

describe('split --workers', () => {
  const cleanups: (() => Promise<unknown>)[] = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
  });

  async function seeded(engine: Engine = 'sqlite') {
    const target = await freshDatabase(engine);
    cleanups.push(target.cleanup);
    const db = await openDatabase(parseDatabaseUrl(target.url));
    cleanups.push(() => db.close());
    await seedDocuments(db, records());
    return { url: target.url, db };
  }

  it('three worker threads (the built CLI) store the same sentences, texts and offsets as one', async () => {
    const one = await seeded();
    const three = await seeded();
    const r1 = await runCli(['--db', one.url, 'split', '--workers', '1', '--batch-size', '7']);
    expect(r1.code, r1.stderr).toBe(0);
    const r3 = await runCli(['--db', three.url, 'split', '--workers', '3', '--batch-size', '7']);
    expect(r3.code, r3.stderr).toBe(0);
    expect(ndjson(r1.stdout)[0]).toMatchObject({ workers: 1, documents: 90 });
    expect(ndjson(r3.stdout)[0]).toMatchObject({ workers: 3, documents: 90, sentences: ndjson(r1.stdout)[0].sentences });
    const [s1, s3] = [await sentences(one.db), await sentences(three.db)];
    expect(s3.rows.length).toBeGreaterThan(300);
    expect(s3).toEqual(s1);
    // The stored spans are the splitter's, run here on the stored text (the store keeps offsets only).
    const docs = await three.db.db.selectFrom('documents').select(['id', 'content']).execute();
    const expected = docs.flatMap((d) => splitDocument(d)).map((x) => [x.id, x.start, x.end, x.text]);
    expect(s3.rows.map((x) => [x.id, x.start_offset, x.end_offset, x.text]).sort()).toEqual(expected.sort());
  }, 120_000);

  it('in process with --limit: two workers split exactly the first n documents, as one does', async () => {
    const one = await seeded();
    const two = await seeded();
    const a = await runSplit(one.db, { workers: 1, batchSize: 4, limit: 21 });
    const b = await runSplit(two.db, { workers: 2, batchSize: 4, limit: 21 });
    expect(b).toEqual({ ...a, workers: 2 });
    expect(a.documents).toBe(21);
    expect(await sentences(two.db)).toEqual(await sentences(one.db));
  }, 120_000);

  it('with the documents sent to the workers (PostgreSQL: no file for them to read) the same sentences as one worker on SQLite', async () => {
    if (engineMissing('postgres')) return;
    const one = await seeded();
    const pg = await seeded('postgres');
    const a = await runSplit(one.db, { workers: 1, batchSize: 5 });
    const b = await runSplit(pg.db, { workers: 2, batchSize: 5 });
    expect(b).toEqual({ ...a, workers: 2 });
    expect(await sentences(pg.db)).toEqual(await sentences(one.db));
    for (const s of (await sentences(pg.db)).rows) expect(s.id).toBe(sentenceId(s.document_id, s.idx));
  }, 120_000);

  it('a document deleted while its batch is in flight leaves no sentence behind, and the rest are stored', async () => {
    const { db } = await seeded();
    const order = (await db.db.selectFrom('documents').select('id').orderBy('id').execute()).map((d) => d.id);
    // Batches 2 and 3 are claimed and read by the workers before batch 1 is written.
    const doomed = order[9]!;
    let first = true;
    const summary = await runSplit(db, {
      workers: 2,
      batchSize: 4,
      onBatch: async () => {
        if (first) await db.db.deleteFrom('documents').where('id', '=', doomed).execute();
        first = false;
      },
    });
    expect(summary.documents).toBe(89);
    const { rows, marks } = await sentences(db);
    expect(rows.some((s) => s.document_id === doomed)).toBe(false);
    expect(marks.map((m) => m.document_id)).toEqual(order.filter((id) => id !== doomed));
    const { rows: orphans } = await sql<{ n: number }>`select count(*) as n from sentences s where not exists (select 1 from documents d where d.id = s.document_id)`.execute(db.db);
    expect(orphans[0]!.n).toBe(0);
    const { rows: fk } = await sql<{ foreign_keys: number }>`pragma foreign_keys`.execute(db.db);
    expect(fk[0]!.foreign_keys).toBe(1);
  }, 120_000);

  const changeCases = [['sqlite', 'another connection'], ['sqlite', 'the writer\'s own connection, from onBatch'], ['postgres', 'another connection']] as const;
  for (const [engine, via] of changeCases) {
    it.skipIf(engineMissing(engine))(`a document changed by an ingest through ${via} while its batch is in flight (${engine}) is left unsplit, and the next split stores its new sentences`, async () => {
      const { db, url } = await seeded(engine);
      // Another connection, as another process has: SQLite's data version tells the split's
      // writer that something else wrote. Through its own connection, the split sees onBatch write.
      let ingest = db;
      if (via === 'another connection') {
        ingest = await openDatabase(parseDatabaseUrl(url));
        cleanups.push(() => ingest.close());
      }
      const order = (await db.db.selectFrom('documents').select('id').orderBy('id').execute()).map((d) => d.id);
      // Batch 2 goes to the second worker thread at once, which reads it while the first splits
      // batch 1, most often before batch 1 is written: the document is in batch 2.
      const changed = order[5]!;
      const { external_id: external } = await db.db.selectFrom('documents').select('external_id').where('id', '=', changed).executeTakeFirstOrThrow();
      const text = 'Rewritten since. 🎉 It is much shorter now! Only three sentences.';
      let first = true;
      const summary = await runSplit(db, {
        workers: 2,
        batchSize: 4,
        onBatch: async () => {
          if (first) await seedDocuments(ingest, [{ id: external, text }]);
          first = false;
        },
      });
      const newSentences = ['Rewritten since.', '🎉 It is much shorter now!', 'Only three sentences.'];
      const ofChanged = async () => (await storedSentences(db)).filter((s) => s.document_id === changed).map((s) => s.text);
      const marked = async () => (await db.db.selectFrom('document_splits').select('document_id').where('document_id', '=', changed).execute()).length;
      // Read at its old text (certain on PostgreSQL, where this thread reads at the claim; on
      // SQLite a worker reads it when it takes the batch, usually before the change): its old
      // spans would cut the new text anywhere, so it is left unsplit and unmarked. Read after
      // the change, it is split at its new text. Either way no sentence is a wrong slice.
      if (engine === 'postgres') expect(summary.documents).toBe(89);
      expect(await ofChanged()).toEqual((await marked()) ? newSentences : []);
      expect(summary.documents).toBe(89 + (await marked()));
      const left = 1 - (await marked());
      expect(await runSplit(db, { workers: 2, batchSize: 4 })).toMatchObject({ documents: left, sentences: 3 * left });
      expect(await ofChanged()).toEqual(newSentences);
    }, 120_000);
  }

  it.skipIf(engineMissing('postgres'))('on PostgreSQL the writer skips a document an ingest holds, so an ingest changing documents in any order, in one transaction, never deadlocks with it', async () => {
    const { db, url } = await seeded('postgres');
    const docs = await db.db.selectFrom('documents').select(['id', 'external_id', 'content_hash']).orderBy('id').limit(2).execute();
    const [first, second] = docs as [(typeof docs)[0], (typeof docs)[0]];
    const deferred = <T = void>() => {
      let resolve!: (v: T) => void;
      return { promise: new Promise<T>((r) => (resolve = r)), resolve };
    };
    /** Until `done()` or a backend of this database waits on a row lock. */
    const untilDoneOrWaiting = async (done: () => boolean) => {
      for (;;) {
        const { rows } = await sql<{ n: string }>`select count(*) as n from pg_stat_activity where datname = current_database() and wait_event_type = 'Lock'`.execute(db.db);
        if (done() || Number(rows[0]!.n) > 0) return;
        await new Promise((r) => setTimeout(r, 20));
      }
    };
    const ingest = await openDatabase(parseDatabaseUrl(url));
    cleanups.push(() => ingest.close());
    const now = new Date().toISOString();
    const [newSecond, newFirst] = [second, first].map((d) => {
      const m = mapRecord({ id: d.external_id, text: `Changed ${d.external_id}. Twice over.` }, {}, now);
      if (!m.ok) throw new Error(m.reason);
      return m.doc;
    });
    // An ingest run, one transaction in batches in file order: the second document first…
    const firstBatchDone = deferred();
    const nextBatch = deferred();
    const ingested = new SqlDocumentStore(ingest.db).transaction(async (tx) => {
      const a = await tx.upsert([newSecond!]);
      firstBatchDone.resolve();
      await nextBatch.promise;
      const b = await tx.upsert([newFirst!]);
      return a.updated + b.updated;
    });
    await firstBatchDone.promise;
    // …while the split's writer checks a batch of both, and holds what it locked until it commits.
    let hashes: Map<string, string> | undefined;
    const commit = deferred();
    const checked = db.db.transaction().execute(async (trx) => {
      hashes = await documentHashes(trx, 'postgres', [first.id, second.id]);
      await commit.promise;
    });
    await untilDoneOrWaiting(() => hashes !== undefined);
    // The ingest's next batch changes the first document: it waits for the writer's commit.
    nextBatch.resolve();
    await untilDoneOrWaiting(() => false);
    commit.resolve();
    const [split, counts] = await Promise.allSettled([checked, ingested]);
    // Had the writer waited for the second document, the ingest would now wait for the first
    // one it holds: PostgreSQL aborts one of them ("deadlock detected").
    expect(split.status === 'rejected' ? String(split.reason) : 'ok').toBe('ok');
    expect(counts.status === 'rejected' ? String(counts.reason) : 'ok').toBe('ok');
    // The document the ingest held is left for the next run; the other was as read.
    expect(Object.fromEntries(hashes!)).toEqual({ [first.id]: first.content_hash });
    expect(counts.status === 'fulfilled' && counts.value).toBe(2);
  }, 60_000);

  it('the checkpoint thread checkpoints the WAL while the writer writes, the writer starts it over once it is large, and gets its own checkpoints back', async () => {
    /** Frames in the WAL since it last started over. */
    const walFrames = async (db: Db) => {
      const { rows } = await sql<{ log: number }>`pragma wal_checkpoint(PASSIVE)`.execute(db.db);
      return rows[0]!.log;
    };
    const never = await seeded();
    const often = await seeded();
    const rarely = await seeded();
    // Start all from an empty WAL, so that what is in it after the split is the split's.
    for (const s of [never, often, rarely]) await sql`pragma wal_checkpoint(TRUNCATE)`.execute(s.db.db);
    const before = statSync(rarely.url).size;
    await runSplit(never.db, { workers: 2, batchSize: 4, checkpointEvery: Infinity });
    await runSplit(often.db, { workers: 2, batchSize: 4, checkpointEvery: 1, walRestartPages: 1 });
    // The default: started over only from ~100 MB of WAL, far more than this split writes.
    await runSplit(rarely.db, { workers: 2, batchSize: 4, checkpointEvery: 1 });
    // Copied into the database file as the split went (the file grew). Whether its WAL was
    // started over is not for this test to say: SQLite itself starts it over at a writer's next
    // transaction whenever a checkpoint copied all of it and no reader holds it, so it depends
    // on how the threads fell.
    expect(statSync(rarely.url).size).toBeGreaterThan(before);
    expect(statSync(never.url).size).toBe(before);
    const [all, kept] = [await walFrames(never.db), await walFrames(often.db)];
    expect(all).toBeGreaterThan(50);
    // Started over at least once. How many frames follow the last start is how the threads
    // fell: the writer restarts only between checkpoints, and a short split may end before the
    // thread's first checkpoint is back; then the writer's own at the end empties the WAL.
    // (It was a RESTART, which takes effect only at a next write: 432 of 432 frames twice in CI.)
    expect(kept).toBeLessThan(all);
    for (const s of [often, rarely]) expect(await sentences(s.db)).toEqual(await sentences(never.db));
    for (const s of [never, often, rarely]) {
      const { rows } = await sql<{ wal_autocheckpoint: number }>`pragma wal_autocheckpoint`.execute(s.db.db);
      expect(rows[0]!.wal_autocheckpoint).toBe(WAL_AUTOCHECKPOINT_PAGES);
    }
  }, 120_000);
});

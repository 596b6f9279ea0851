import { describe, expect, it } from 'vitest';
import Database from 'better-sqlite3';
import { Kysely, SqliteDialect } from 'kysely';
import { migrate, openDatabase } from '../../src/store/database.js';
import { parseDatabaseUrl } from '../../src/store/database-url.js';
import { SqliteVectorStore } from '../../src/vector/sqlite-vector-store.js';
import { freshDatabase } from '../helpers/databases.js';

describe('a SQLite file with vector indexes', () => {
  it('opens on a connection without sqlite-vec once its schema is up to date', async () => {
    const fresh = await freshDatabase('sqlite');
    try {
      await (await openDatabase(parseDatabaseUrl(fresh.url))).close();
      const store = await SqliteVectorStore.open(fresh.url);
      await store.createCollection('embedded_docs', { embedder: 'test:unit', dimension: 3 });
      await store.upsert('embedded_docs', [{ id: '00000000-0000-4000-8000-000000000001', vector: [1, 0, 0], payload: {} }], 'test:unit');
      await store.close();
      // Files written before the quantized copy have a sqlite-vec (vec0) index per collection.
      const old = new Database(fresh.url);
      (await import('sqlite-vec')).load(old);
      old.exec('create virtual table vec_index_embedded__older using vec0(embedding float[3] distance_metric=cosine)');
      old.close();

      // A connection without the extension (a platform with no prebuilt sqlite-vec): the
      // migrator's introspection would fail on the vec0 table ("no such module: vec0").
      const plain = new Kysely<any>({ dialect: new SqliteDialect({ database: new Database(fresh.url) }) });
      try {
        await expect(plain.introspection.getTables()).rejects.toThrow(/no such module: vec0/);
        await expect(migrate(plain)).resolves.toBeUndefined();
        const docs = await plain.selectFrom('documents').select((eb) => eb.fn.countAll().as('n')).executeTakeFirst();
        expect(Number(docs?.n)).toBe(0);
      } finally {
        await plain.destroy();
      }
    } finally {
      await fresh.cleanup();
    }
  });
});

describe('prepared statements kept by SQL text', () => {
  it('the same query streams, stops early and runs again on its cached statement', async () => {
    const fresh = await freshDatabase('sqlite');
    const { db, close } = await openDatabase(parseDatabaseUrl(fresh.url));
    try {
      const now = new Date().toISOString();
      const rows = Array.from({ length: 5 }, (_, i) => ({
        id: `00000000-0000-4000-8000-00000000000${i}`,
        external_id: `d${i}`,
        source: 'test',
        category: 'documents',
        link: null,
        author: null,
        title: null,
        content: `text ${i}`,
        metadata: '{}',
        content_hash: `h${i}`,
        created_at: now,
        updated_at: now,
      }));
      await db.insertInto('documents').values(rows).execute();
      const query = () => db.selectFrom('documents').select(['id', 'content']).orderBy('id');
      const seen: string[] = [];
      for await (const row of query().stream()) {
        seen.push(row.content);
        if (seen.length === 2) break; // leaves the cached statement mid-iteration: it must be reset
      }
      expect(seen).toEqual(['text 0', 'text 1']);
      expect((await query().execute()).map((r) => r.content)).toEqual(rows.map((r) => r.content));
      const streamed: string[] = [];
      for await (const row of query().stream()) streamed.push(row.content);
      expect(streamed).toHaveLength(5);
      // parameters bind afresh on every run of a cached statement
      const one = (i: number) => db.selectFrom('documents').select('content').where('external_id', '=', `d${i}`).executeTakeFirst();
      expect((await one(3))?.content).toBe('text 3');
      expect((await one(1))?.content).toBe('text 1');
    } finally {
      await close();
      await fresh.cleanup();
    }
  });
});

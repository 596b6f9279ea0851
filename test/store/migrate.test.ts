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

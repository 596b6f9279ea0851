import { describe, it } from 'vitest';
import { openDatabase } from '../../src/store/database.js';
import { parseDatabaseUrl } from '../../src/store/database-url.js';
import { SqlDocumentStore } from '../../src/store/sql-document-store.js';
import { freshDatabase, engineMissing, SERVICES_REQUIRED } from '../helpers/databases.js';
import { documentStoreContract } from './document-store.contract.js';

for (const engine of ['sqlite', 'postgres'] as const) {
  describe.skipIf(engineMissing(engine))(engine, () => {
    documentStoreContract(`sql (${engine})`, async () => {
      const fresh = await freshDatabase(engine);
      const db = await openDatabase(parseDatabaseUrl(fresh.url));
      return { store: new SqlDocumentStore(db.db, () => db.close()), cleanup: fresh.cleanup };
    });
  });
}

// No MongoDB server can be installed on this machine; the suite runs wherever MONGODB_URL
// points at one (the shipped docker-compose.yml starts a replica set for transactions).
const mongoUrl = process.env.MONGODB_URL;
if (mongoUrl) {
  documentStoreContract('mongodb', async () => {
    const { MongoDocumentStore } = await import('../../src/store/mongo-document-store.js');
    const dbName = `llmops_t_${Date.now()}`;
    const store = await MongoDocumentStore.open(mongoUrl, dbName);
    return {
      store,
      cleanup: async () => {
        const { MongoClient } = await import('mongodb');
        const c = new MongoClient(mongoUrl);
        await c.connect();
        await c.db(dbName).dropDatabase();
        await c.close();
      },
    };
  });
} else {
  describe('mongodb document store', () => {
    it.skip('SKIPPED: set MONGODB_URL to a MongoDB replica set to run the contract suite against MongoDB', () => {});
  });
  if (SERVICES_REQUIRED) console.warn('[llmops tests] MONGODB_URL not set: MongoDB document store suite SKIPPED (no server can run here)');
}

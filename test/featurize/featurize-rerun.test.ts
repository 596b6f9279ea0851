import { afterEach, describe, expect, it } from 'vitest';
import { createEmbedder } from '../../src/embed/create-embedder.js';
import { loadFeaturizeConfig } from '../../src/featurize/featurize-config.js';
import { runFeaturize } from '../../src/featurize/run-featurize.js';
import { openDatabase } from '../../src/store/database.js';
import { parseDatabaseUrl } from '../../src/store/database-url.js';
import type { DocumentStore } from '../../src/store/document-store.js';
import { SqlDocumentStore } from '../../src/store/sql-document-store.js';
import { openVectorStore } from '../../src/vector/open-vector-store.js';
import { freshDatabase } from '../helpers/databases.js';
import { REPO } from '../helpers/cli.js';
import { seedDocuments } from '../helpers/seed.js';

/** The real SQL store, with the ids of the documents whose text it handed out. */
function recording(store: DocumentStore): { store: DocumentStore; read: string[] } {
  const read: string[] = [];
  const wrapped = Object.create(store) as DocumentStore;
  wrapped.list = async (opts) => {
    const docs = await store.list(opts);
    read.push(...docs.map((d) => d.id));
    return docs;
  };
  wrapped.getMany = async (ids) => {
    const docs = await store.getMany(ids);
    read.push(...docs.map((d) => d.id));
    return docs;
  };
  return { store: wrapped, read };
}

describe('featurize rerun', () => {
  const cleanups: (() => Promise<unknown>)[] = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
  });

  it('reads the text of the documents it featurizes only: none when all are done, the changed one after an edit', async () => {
    const target = await freshDatabase('sqlite');
    cleanups.push(target.cleanup);
    const db = await openDatabase(parseDatabaseUrl(target.url));
    cleanups.push(() => db.close());
    const records = Array.from({ length: 40 }, (_, i) => ({ id: `doc-${i}`, category: i % 2 ? 'articles' : 'posts', text: `Document ${i} is about topic ${i % 7}. It says so twice. Topic ${i % 7}.` }));
    await seedDocuments(db, records);
    const vectors = await openVectorStore(parseDatabaseUrl(target.url), 'sqlite');
    cleanups.push(() => vectors.close());
    const embedder = await createEmbedder({ name: 'hashing' });
    const config = await loadFeaturizeConfig(undefined, REPO);
    const run = async () => {
      const r = recording(new SqlDocumentStore(db.db));
      const summary = await runFeaturize(db.db, r.store, vectors, { embedder, config, batchSize: 16 });
      return { documents: summary.documents, read: r.read };
    };

    const first = await run();
    expect(first.documents).toBe(40);
    expect(new Set(first.read).size).toBe(40);

    expect(await run()).toEqual({ documents: 0, read: [] });

    await seedDocuments(db, [{ ...records[7]!, text: 'Document 7 now says something else entirely.' }]);
    const changed = (await db.db.selectFrom('documents').select('id').where('content', 'like', '%something else%').executeTakeFirstOrThrow()).id;
    expect(await run()).toEqual({ documents: 1, read: [changed] });
  });
});

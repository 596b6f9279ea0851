import { UsageError } from '../core/errors.js';
import type { AnswerSource } from '../answer/answer-types.js';
import type { Embedder } from '../embed/embedder.js';
import type { SearchResult } from '../search/search-results.js';
import type { Db } from '../store/database.js';
import type { DocumentStore } from '../store/document-store.js';
import type { VectorStore } from '../vector/vector-store.js';
import type { Retriever } from './retrieve.js';

/**
 * Retrieval for a long-running server: the vector store opened on first use (a server may
 * start before `featurize` made one), one retriever per set of collections asked for, and one
 * embedder per embedder id, all kept for the server's life (a local model loads once).
 */
export type ServeRetrieval = {
  /** The best `k` sources over `collections` (default: every embedded collection). */
  retrieve(question: string, k: number, collections?: string[]): Promise<AnswerSource[]>;
  /** `POST /search`: one collection as `inspect search` searches it, or all of them fused. */
  search(req: { query: string; collection?: string; k: number; mode: 'vector' | 'lexical' | 'hybrid' }): Promise<SearchResult[]>;
  /** /readyz: the vector store answers. */
  ping(): Promise<void>;
  close(): Promise<void>;
};

type Stores = { db: Db; documents: DocumentStore; openVectors: () => Promise<VectorStore | null>; modelsDir?: string };

// Distinct collection sets a server keeps retrievers for; past it the oldest is closed.
const MAX_RETRIEVERS = 16;

export function createServeRetrieval(stores: Stores): ServeRetrieval {
  let vectors: Promise<VectorStore | null> | undefined;
  const retrievers = new Map<string, Promise<Retriever>>();
  const embedders = new Map<string, Promise<Embedder>>();

  const vectorStore = async (): Promise<VectorStore | null> => {
    const v = await (vectors ??= stores.openVectors());
    if (!v) vectors = undefined; // none yet: look again next time
    return v;
  };

  const retriever = async (collections: string[] | undefined): Promise<Retriever> => {
    const key = collections && collections.length > 0 ? [...new Set(collections)].sort().join('\n') : '';
    let r = retrievers.get(key);
    if (!r) {
      r = (async () => {
        const { openRetriever } = await import('./retrieve.js');
        return openRetriever({ db: stores.db, vectors: await vectorStore(), documents: stores.documents }, { collections, modelsDir: stores.modelsDir, command: 'serve', where: "the server's database" });
      })();
      retrievers.set(key, r);
      // A failure (no such collection yet) is not kept: featurize may make it.
      r.catch(() => retrievers.delete(key));
      if (retrievers.size > MAX_RETRIEVERS) {
        const [oldest, pending] = retrievers.entries().next().value!;
        retrievers.delete(oldest);
        void pending.then((x) => x.close()).catch(() => {});
      }
    }
    return r;
  };

  const embedderFor = (id: string): Promise<Embedder> => {
    let e = embedders.get(id);
    if (!e) {
      e = import('../embed/create-embedder.js').then((m) => m.embedderFromId(id, { modelsDir: stores.modelsDir }));
      embedders.set(id, e);
      e.catch(() => embedders.delete(id));
    }
    return e;
  };

  return {
    async retrieve(question, k, collections) {
      return (await retriever(collections)).retrieve(question, k);
    },
    async search(req) {
      if (req.collection === undefined) {
        if (req.mode !== 'hybrid') throw new UsageError('search: mode vector or lexical needs a collection');
        return (await retriever(undefined)).retrieve(req.query, req.k);
      }
      // The path `inspect search` takes, so the same query gives the same hits.
      const v = await vectorStore();
      const info = v ? await v.getCollection(req.collection) : null;
      if (!v || !info) throw new UsageError(`search: no collection named ${req.collection}`);
      if (!info.embedder) throw new UsageError(`search: ${req.collection} holds payloads only; search its embedded_ twin`);
      const { searchCollection } = await import('../search/search-collection.js');
      const { describeHits } = await import('../search/search-results.js');
      const embedder = req.mode === 'lexical' ? undefined : await embedderFor(info.embedder);
      const hits = await searchCollection({ db: stores.db.db, engine: stores.db.engine, vectors: v, collection: req.collection, query: req.query, k: req.k, mode: req.mode, embedder });
      return describeHits(hits, stores.documents, req.query);
    },
    async ping() {
      const v = await vectorStore();
      if (!v) throw new Error('no vector store to read (featurize makes one; with PostgreSQL set QDRANT_URL)');
      await v.listCollections();
    },
    async close() {
      const all = await Promise.allSettled([...retrievers.values()]);
      retrievers.clear();
      for (const r of all) if (r.status === 'fulfilled') await r.value.close().catch(() => {});
      const es = await Promise.allSettled([...embedders.values()]);
      embedders.clear();
      for (const e of es) if (e.status === 'fulfilled') await e.value.close?.();
      const v = await vectors?.catch(() => null);
      await v?.close();
    },
  };
}

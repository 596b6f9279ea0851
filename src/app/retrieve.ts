import { UsageError } from '../core/errors.js';
import type { AnswerSource } from '../answer/answer-types.js';
import type { Embedder } from '../embed/embedder.js';
import type { Db } from '../store/database.js';
import type { DocumentStore } from '../store/document-store.js';
import type { CollectionInfo, VectorStore } from '../vector/vector-store.js';
import type { CommandScope } from './command-scope.js';

export type RetrieverOptions = {
  /** Collections to search; default every collection with an embedder (the embedded_* ones). */
  collections?: string[];
  /** Where local models live (minilm collections). */
  modelsDir?: string;
  /** Names the command in errors (`ask`, `chat`, `serve`). */
  command?: string;
  /** Names the database in errors (default: its path or masked URL; a server does not tell its clients where its files are). */
  where?: string;
  /** The command writes nothing to the database: opened as a reader (OpenOptions.reader). */
  reader?: boolean;
};

/**
 * Hybrid search over several collections, as one (searchCollections). Keeps each collection's
 * embedder open between questions (a model loads once for an NDJSON run or a server's life);
 * `close()` releases them.
 */
export interface Retriever {
  readonly collections: readonly string[];
  /** The best `k` chunks for `question` over every collection, best first, each with its document. */
  retrieve(question: string, k: number): Promise<AnswerSource[]>;
  close(): Promise<void>;
}

type Stores = { db: Db; vectors: VectorStore | null; documents: Pick<DocumentStore, 'getMany'> };
type Searchable = { name: string; embedder: Embedder };

// How deep each collection's lexical and vector lists are read before its own fusion.
const DEPTH = 100;

/**
 * A retriever over `stores`; the stores stay the caller's to close, the embedders the
 * retriever's. For a caller without a command scope (a server that lives on).
 * @public
 */
export async function openRetriever(stores: Stores, opts: RetrieverOptions = {}): Promise<Retriever> {
  const command = opts.command ?? 'ask';
  const infos = await chosenCollections(stores, opts.collections, command, opts.where ?? stores.db.display);
  const { embedderFromId } = await import('../embed/create-embedder.js');
  const byId = new Map<string, Promise<Embedder>>();
  const searchable: Searchable[] = [];
  try {
    for (const info of infos) {
      // Collections made by one embedder share one instance of it.
      const pending = byId.get(info.embedder!) ?? embedderFromId(info.embedder!, { modelsDir: opts.modelsDir });
      byId.set(info.embedder!, pending);
      searchable.push({ name: info.name, embedder: await pending });
    }
  } catch (err) {
    await closeAll(byId);
    throw err;
  }
  const { searchCollection } = await import('../search/search-collection.js');
  const { searchCollections } = await import('../search/search-collections.js');
  const { describeHits } = await import('../search/search-results.js');
  return {
    collections: searchable.map((s) => s.name),
    async retrieve(question, k) {
      const base = { db: stores.db.db, engine: stores.db.engine, vectors: stores.vectors!, query: question, k, depth: Math.max(DEPTH, k) };
      const only = searchable.length === 1 ? searchable[0]! : undefined;
      const hits = only
        ? (await searchCollection({ ...base, collection: only.name, mode: 'hybrid', embedder: only.embedder })).map((h) => ({ ...h, collection: only.name }))
        : await searchCollections(base, searchable);
      const results = await describeHits(hits, stores.documents, question);
      return results.map((r, i) => ({ ...r, collection: hits[i]!.collection }));
    },
    close: () => closeAll(byId),
  };
}

/** A retriever over the command's stores (the database must exist), closed when the command ends. */
export async function openScopedRetriever(scope: CommandScope, opts: RetrieverOptions = {}): Promise<Retriever> {
  const db = await scope.db({ mustExist: true, reader: opts.reader });
  const vectors = await scope.vectorsForReading();
  const documents = await scope.warehouse();
  return scope.use(await openRetriever({ db, vectors, documents }, opts), (r) => r.close());
}

async function chosenCollections(stores: Stores, names: string[] | undefined, command: string, where: string): Promise<CollectionInfo[]> {
  if (!stores.vectors) {
    const { NO_VECTOR_STORE_NOTE } = await import('../search/open-vectors-for-reading.js');
    throw new UsageError(`${command}: no collection to search: ${NO_VECTOR_STORE_NOTE}`);
  }
  if (!names || names.length === 0) {
    const embedded = (await stores.vectors.listCollections()).filter((c) => c.embedder !== null);
    if (embedded.length === 0) throw new UsageError(`${command}: no embedded collection in ${where} to search (run llmops featurize first)`);
    return embedded;
  }
  const out: CollectionInfo[] = [];
  for (const name of new Set(names)) {
    const info = await stores.vectors.getCollection(name);
    if (!info) throw new UsageError(`--collection ${name}: no such collection in ${where} (llmops inspect collections lists them; llmops featurize makes them)`);
    if (!info.embedder) throw new UsageError(`--collection ${name}: holds payloads only, no vectors; ask its embedded_ twin`);
    out.push(info);
  }
  return out;
}

async function closeAll(embedders: Map<string, Promise<Embedder>>): Promise<void> {
  const all = await Promise.allSettled(embedders.values());
  embedders.clear();
  for (const e of all) if (e.status === 'fulfilled') await e.value.close?.();
}

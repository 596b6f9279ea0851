import type BetterSqlite3 from 'better-sqlite3';
import { UsageError, errorMessage } from '../core/errors.js';
import {
  checkCollectionName,
  checkDimension,
  checkEmbedder,
  type CollectionInfo,
  type CollectionSpec,
  type Hit,
  type PayloadFilter,
  type Point,
  type StoredPoint,
  type VectorStore,
} from './vector-store.js';

type CollectionRow = { name: string; embedder: string | null; dimension: number | null };

function isZero(v: ArrayLike<number>): boolean {
  for (let i = 0; i < v.length; i++) if (v[i] !== 0) return false;
  return true;
}

function blobOf(v: Float32Array | number[]): Buffer {
  const f = v instanceof Float32Array ? v : Float32Array.from(v);
  return Buffer.from(f.buffer, f.byteOffset, f.byteLength);
}
const bindable = (v: string | number | boolean) => (typeof v === 'boolean' ? (v ? 1 : 0) : v);

/** sqlite-vec answers a KNN query for at most this many neighbours. */
const KNN_MAX = 4096;

/** The vec0 table indexing a collection: `_` → `__`, `-` → `_d` keeps distinct names distinct. */
export function indexTableName(collection: string): string {
  return `vec_index_${collection.replace(/_/g, '__').replace(/-/g, '_d')}`;
}

/**
 * Vectors in the same SQLite file as everything else, through sqlite-vec. Each point is a row
 * of `vector_points` (migration 0003): its id, its payload as JSON and its vector as a float32
 * BLOB, the record export and `get` read. Each collection with vectors also has a vec0 table
 * (`vec_index_<name>`, rowid = the point's seq), written in the same transaction: the index a
 * search reads, exact (brute force over sqlite-vec's chunked storage, cosine in C), a few times
 * faster than scanning the points table row by row. A filtered search scans the points with
 * vec_distance_cosine, the filter applied in the same statement.
 *
 * Every connection to the file loads sqlite-vec (openDatabase does too): a vec0 table cannot
 * be introspected without it. A collection made before the index existed gets one on first use.
 */
export class SqliteVectorStore implements VectorStore {
  readonly kind = 'sqlite-vec' as const;
  private readonly indexed = new Set<string>();
  private constructor(private readonly db: BetterSqlite3.Database) {}

  /** Opens the vector store in a SQLite file whose schema is already migrated (openDatabase). */
  static async open(path: string): Promise<SqliteVectorStore> {
    const { default: Database } = await import('better-sqlite3');
    const sqliteVec = await import('sqlite-vec');
    const db = new Database(path);
    try {
      sqliteVec.load(db);
    } catch (err) {
      db.close();
      throw new Error(`sqlite-vec: cannot load the extension: ${errorMessage(err)}`);
    }
    db.pragma('busy_timeout = 15000');
    db.pragma('foreign_keys = ON');
    // A search reads every vector of the collection through sqlite-vec's chunk blobs. Without
    // mmap a fresh process reads them ~15% faster (no page faults on a new mapping; a one-shot
    // `inspect search` is the common case); a 128 MB page cache keeps them for the next search.
    db.pragma('mmap_size = 0');
    db.pragma('cache_size = -131072');
    return new SqliteVectorStore(db);
  }

  /**
   * The collection's vec0 index, created (and filled from its points) if it is missing: a
   * collection written before the index existed, or one whose index was dropped by hand.
   */
  private ensureIndex(c: CollectionInfo): string {
    const table = indexTableName(c.name);
    if (this.indexed.has(c.name)) return table;
    const exists = this.db.prepare("select 1 from sqlite_master where type = 'table' and name = ?").get(table);
    if (!exists) {
      this.db.transaction(() => {
        this.db.exec(`create virtual table if not exists ${table} using vec0(embedding float[${c.dimension}] distance_metric=cosine)`);
        this.db.prepare(`insert into ${table}(rowid, embedding) select seq, embedding from vector_points where collection = ? and embedding is not null`).run(c.name);
      })();
    }
    this.indexed.add(c.name);
    return table;
  }

  private collection(name: string): CollectionInfo {
    const row = this.db.prepare('select name, embedder, dimension from vector_collections where name = ?').get(name) as CollectionRow | undefined;
    if (!row) throw new UsageError(`no collection named ${name} (llmops inspect collections lists them)`);
    return { ...row, count: 0 };
  }

  async createCollection(name: string, spec: CollectionSpec): Promise<void> {
    checkCollectionName(name);
    const existing = this.db.prepare('select name, embedder, dimension from vector_collections where name = ?').get(name) as CollectionRow | undefined;
    if (existing) {
      if (existing.embedder !== spec.embedder || existing.dimension !== spec.dimension) checkEmbedder({ ...existing, count: 0 }, spec.embedder, 'vectors');
      return;
    }
    if ((spec.embedder === null) !== (spec.dimension === null)) throw new UsageError(`collection ${name}: embedder and dimension go together`);
    if (spec.dimension !== null && (!Number.isInteger(spec.dimension) || spec.dimension < 1)) throw new UsageError(`collection ${name}: dimension must be a positive integer`);
    // IMMEDIATE, and checked again inside: workers sharing a featurize run create it at once.
    this.db
      .transaction(() => {
        if (this.db.prepare('select 1 from vector_collections where name = ?').get(name)) return;
        this.db.prepare('insert into vector_collections (name, embedder, dimension, distance, created_at) values (?, ?, ?, ?, ?)').run(name, spec.embedder, spec.dimension, 'cosine', new Date().toISOString());
        if (spec.dimension !== null) this.db.exec(`create virtual table ${indexTableName(name)} using vec0(embedding float[${spec.dimension}] distance_metric=cosine)`);
      })
      .immediate();
    this.indexed.add(name);
  }

  async getCollection(name: string): Promise<CollectionInfo | undefined> {
    const row = this.db.prepare('select name, embedder, dimension from vector_collections where name = ?').get(name) as CollectionRow | undefined;
    if (!row) return undefined;
    return { ...row, count: await this.count(name) };
  }

  async listCollections(): Promise<CollectionInfo[]> {
    const rows = this.db
      .prepare('select c.name, c.embedder, c.dimension, (select count(*) from vector_points p where p.collection = c.name) as count from vector_collections c order by c.name')
      .all() as CollectionInfo[];
    return rows;
  }

  async dropCollection(name: string): Promise<void> {
    checkCollectionName(name);
    this.indexed.delete(name);
    this.db.transaction(() => {
      this.db.exec(`drop table if exists ${indexTableName(name)}`);
      this.db.prepare('delete from vector_points where collection = ?').run(name);
      this.db.prepare('delete from vector_collections where name = ?').run(name);
    })();
  }

  async upsert(name: string, points: Point[], embedder: string | null): Promise<void> {
    const c = this.collection(name);
    checkEmbedder(c, embedder, 'vectors');
    for (const p of points) {
      if (c.dimension !== null) {
        if (!p.vector) throw new UsageError(`collection ${name}: point ${p.id} has no vector`);
        checkDimension(c, p.vector);
      }
    }
    const upsertPoint = this.db.prepare(
      'insert into vector_points (collection, id, payload, embedding) values (?, ?, ?, ?) on conflict (collection, id) do update set payload = excluded.payload, embedding = excluded.embedding returning seq',
    );
    const table = c.dimension === null ? undefined : this.ensureIndex(c);
    const unindex = table && this.db.prepare(`delete from ${table} where rowid = ?`);
    const index = table && this.db.prepare(`insert into ${table}(rowid, embedding) values (?, ?)`);
    this.db.transaction(() => {
      for (const p of points) {
        // A zero vector (a text with no features) has no direction: stored as NULL and left out
        // of the index, it is never a hit (cosine would call it a perfect match for every query).
        const blob = c.dimension === null || isZero(p.vector!) ? null : blobOf(p.vector!);
        const { seq } = upsertPoint.get(name, p.id, JSON.stringify(p.payload), blob) as { seq: number };
        if (!unindex || !index) continue;
        unindex.run(BigInt(seq));
        if (blob) index.run(BigInt(seq), blob);
      }
    })();
  }

  async delete(name: string, ids: string[]): Promise<void> {
    const c = this.collection(name);
    const del = this.db.prepare('delete from vector_points where collection = ? and id = ? returning seq');
    const table = c.dimension === null ? undefined : this.ensureIndex(c);
    const unindex = table && this.db.prepare(`delete from ${table} where rowid = ?`);
    this.db.transaction(() => {
      for (const id of ids) {
        const row = del.get(name, id) as { seq: number } | undefined;
        if (row && unindex) unindex.run(BigInt(row.seq));
      }
    })();
  }

  private filterSql(filter: PayloadFilter | undefined, alias = ''): { sql: string; params: unknown[] } {
    if (!filter) return { sql: '', params: [] };
    const parts: string[] = [];
    const params: unknown[] = [];
    for (const [k, v] of Object.entries(filter)) {
      parts.push(`json_extract(${alias}payload, ?) = ?`);
      params.push(`$.${k}`, bindable(v));
    }
    return { sql: parts.map((p) => ` and ${p}`).join(''), params };
  }

  async get(name: string, ids: string[], opts: { withVector?: boolean } = {}): Promise<StoredPoint[]> {
    const c = this.collection(name);
    const find = this.db.prepare('select id, payload, embedding from vector_points where collection = ? and id = ?');
    const out: StoredPoint[] = [];
    for (const id of ids) {
      const row = find.get(name, id) as { id: string; payload: string; embedding: Buffer | null } | undefined;
      if (!row) continue;
      const p: StoredPoint = { id: row.id, payload: JSON.parse(row.payload) };
      if (opts.withVector && c.dimension !== null) {
        p.vector = row.embedding ? Array.from(new Float32Array(row.embedding.buffer, row.embedding.byteOffset, row.embedding.byteLength / 4)) : new Array<number>(c.dimension).fill(0);
      }
      out.push(p);
    }
    return out;
  }

  async count(name: string, filter?: PayloadFilter): Promise<number> {
    this.collection(name);
    const f = this.filterSql(filter);
    const row = this.db.prepare(`select count(*) as n from vector_points where collection = ?${f.sql}`).get(name, ...f.params) as { n: number };
    return row.n;
  }

  async sample(name: string, limit: number, filter?: PayloadFilter): Promise<StoredPoint[]> {
    this.collection(name);
    const f = this.filterSql(filter);
    const rows = this.db.prepare(`select id, payload from vector_points where collection = ?${f.sql} order by id limit ?`).all(name, ...f.params, limit) as { id: string; payload: string }[];
    return rows.map((r) => ({ id: r.id, payload: JSON.parse(r.payload) }));
  }

  async search(name: string, query: { vector: Float32Array | number[]; embedder: string; k: number; filter?: PayloadFilter }): Promise<Hit[]> {
    const c = this.collection(name);
    checkEmbedder(c, query.embedder, 'query');
    checkDimension(c, query.vector);
    if (query.k <= 0) return [];
    if (isZero(query.vector)) return []; // no direction: nothing is nearer than anything else
    if (!query.filter && query.k <= KNN_MAX) return this.searchIndex(c, query.vector, query.k);
    const f = this.filterSql(query.filter);
    const rows = this.db
      .prepare(
        // NOT INDEXED: one sequential scan beats 100k index-then-row lookups on (collection, id).
        `select id, payload, vec_distance_cosine(embedding, ?) as distance from vector_points not indexed
         where collection = ? and embedding is not null${f.sql} order by distance, id limit ?`,
      )
      .all(blobOf(query.vector), name, ...f.params, query.k) as { id: string; payload: string; distance: number }[];
    return rows.map((r) => ({ id: r.id, score: 1 - r.distance, payload: JSON.parse(r.payload) }));
  }

  /** KNN through the collection's vec0 index; hits in (distance, id) order, as the scan gives. */
  private searchIndex(c: CollectionInfo, vector: Float32Array | number[], k: number): Hit[] {
    const table = this.ensureIndex(c);
    const rows = this.db
      .prepare(
        `select p.id, p.payload, knn.distance from (select rowid, distance from ${table} where embedding match ? and k = ?) knn
         join vector_points p on p.seq = knn.rowid order by knn.distance, p.id`,
      )
      .all(blobOf(vector), k) as { id: string; payload: string; distance: number }[];
    return rows.map((r) => ({ id: r.id, score: 1 - r.distance, payload: JSON.parse(r.payload) }));
  }

  async close(): Promise<void> {
    this.db.close();
  }
}

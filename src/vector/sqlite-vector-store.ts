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

type MemoryMatrix = { version: number; dim: number; count: number; ids: string[]; matrix: Float32Array };

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

/**
 * Vectors in the same SQLite file as everything else, through sqlite-vec: each point is a row
 * of `vector_points` (migration 0003) with its payload as JSON and its vector as a float32
 * BLOB; search is an exact scan in C with sqlite-vec's vec_distance_cosine, ordered with a
 * top-k sorter, filters applied on the payload in the same statement.
 *
 * Not vec0 virtual tables: every other connection to the file (kysely's, in every command)
 * would then need the extension too, or fail on "no such module: vec0" when it introspects
 * the schema. This store uses its own better-sqlite3 connection with sqlite-vec loaded; WAL
 * lets it share the file with the kysely connection.
 */
export class SqliteVectorStore implements VectorStore {
  readonly kind = 'sqlite-vec' as const;
  private readonly matrices = new Map<string, MemoryMatrix>();
  private readonly searches = new Map<string, number>();
  private constructor(
    private readonly db: BetterSqlite3.Database,
    private readonly memoryScanAfter: number,
  ) {}

  /**
   * Opens the vector store in a SQLite file whose schema is already migrated (openDatabase).
   * `memoryScanAfter`: from the n-th unfiltered search of a collection on, this process keeps
   * its vectors in one Float32Array and scans that (exact, same ranking) until the file
   * changes; one-shot commands never pay for loading it. Infinity: always SQL.
   */
  static async open(path: string, opts: { memoryScanAfter?: number } = {}): Promise<SqliteVectorStore> {
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
    // A search reads every vector of the collection: map the file instead of copying pages.
    db.pragma('mmap_size = 4294967296');
    db.pragma('cache_size = -131072');
    return new SqliteVectorStore(db, opts.memoryScanAfter ?? 2);
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
    this.db.prepare('insert into vector_collections (name, embedder, dimension, distance, created_at) values (?, ?, ?, ?, ?)').run(name, spec.embedder, spec.dimension, 'cosine', new Date().toISOString());
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
    this.matrices.delete(name);
    this.db.transaction(() => {
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
    this.matrices.delete(name);
    const upsertPoint = this.db.prepare(
      'insert into vector_points (collection, id, payload, embedding) values (?, ?, ?, ?) on conflict (collection, id) do update set payload = excluded.payload, embedding = excluded.embedding',
    );
    this.db.transaction(() => {
      // A zero vector (a text with no features) has no direction: stored as NULL, it is never
      // a hit (vec_distance_cosine would call it a perfect match for every query).
      for (const p of points) upsertPoint.run(name, p.id, JSON.stringify(p.payload), c.dimension === null || isZero(p.vector!) ? null : blobOf(p.vector!));
    })();
  }

  async delete(name: string, ids: string[]): Promise<void> {
    this.collection(name);
    this.matrices.delete(name);
    const del = this.db.prepare('delete from vector_points where collection = ? and id = ?');
    this.db.transaction(() => {
      for (const id of ids) del.run(name, id);
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
    if (!query.filter) {
      const m = this.memoryMatrix(name);
      if (m) return this.scanMemory(name, m, query.vector, query.k);
    }
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

  private memoryMatrix(name: string): MemoryMatrix | undefined {
    const n = (this.searches.get(name) ?? 0) + 1;
    this.searches.set(name, n);
    // data_version moves when another connection commits: then our copy may be stale.
    const version = this.db.pragma('data_version', { simple: true }) as number;
    const cached = this.matrices.get(name);
    if (cached && cached.version === version) return cached;
    this.matrices.delete(name);
    if (n < this.memoryScanAfter) return undefined;
    const c = this.collection(name);
    const dim = c.dimension!;
    const total = (this.db.prepare('select count(*) as n from vector_points where collection = ? and embedding is not null').get(name) as { n: number }).n;
    const matrix = new Float32Array(total * dim);
    const ids: string[] = new Array(total);
    let i = 0;
    for (const [id, emb] of this.db.prepare('select id, embedding from vector_points where collection = ? and embedding is not null order by id').raw().iterate(name) as Iterable<[string, Buffer]>) {
      if (i >= total) break;
      const v = new Float32Array(emb.buffer, emb.byteOffset, dim);
      let s = 0;
      for (let d = 0; d < dim; d++) s += v[d]! * v[d]!;
      const inv = s > 0 ? 1 / Math.sqrt(s) : 0;
      for (let d = 0; d < dim; d++) matrix[i * dim + d] = v[d]! * inv; // unit rows: cosine is a dot product
      ids[i++] = id;
    }
    const m: MemoryMatrix = { version, dim, count: i, ids, matrix };
    this.matrices.set(name, m);
    return m;
  }

  /** Exact top-k by cosine over the in-memory copy; ties broken by id, as the SQL path does. */
  private scanMemory(name: string, m: MemoryMatrix, vector: Float32Array | number[], k: number): Hit[] {
    const { dim, matrix } = m;
    const q = Float32Array.from(vector);
    let qs = 0;
    for (let d = 0; d < dim; d++) qs += q[d]! * q[d]!;
    const qinv = qs > 0 ? 1 / Math.sqrt(qs) : 0;
    for (let d = 0; d < dim; d++) q[d]! *= qinv;
    const topS = new Float64Array(k).fill(-Infinity);
    const topI = new Int32Array(k).fill(-1);
    for (let i = 0, o = 0; i < m.count; i++, o += dim) {
      let a0 = 0, a1 = 0, a2 = 0, a3 = 0;
      let d = 0;
      for (; d + 3 < dim; d += 4) {
        a0 += matrix[o + d]! * q[d]!;
        a1 += matrix[o + d + 1]! * q[d + 1]!;
        a2 += matrix[o + d + 2]! * q[d + 2]!;
        a3 += matrix[o + d + 3]! * q[d + 3]!;
      }
      for (; d < dim; d++) a0 += matrix[o + d]! * q[d]!;
      const s = a0 + a1 + a2 + a3;
      if (s <= topS[k - 1]!) continue; // rows are in id order: on a tie the earlier id stays
      let j = k - 1;
      while (j > 0 && topS[j - 1]! < s) {
        topS[j] = topS[j - 1]!;
        topI[j] = topI[j - 1]!;
        j--;
      }
      topS[j] = s;
      topI[j] = i;
    }
    const hits: Hit[] = [];
    const payloadOf = this.db.prepare('select payload from vector_points where collection = ? and id = ?');
    for (let j = 0; j < k && topI[j]! >= 0; j++) {
      const id = m.ids[topI[j]!]!;
      const row = payloadOf.get(name, id) as { payload: string } | undefined;
      hits.push({ id, score: topS[j]!, payload: row ? JSON.parse(row.payload) : {} });
    }
    return hits;
  }

  async close(): Promise<void> {
    this.db.close();
  }
}

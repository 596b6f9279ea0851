import { resolve } from 'node:path';
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
  type PointCodes,
  type StoredPoint,
  type VectorStore,
} from './vector-store.js';
import { payloadFilterSql } from './payload-filter-sql.js';
import { WAL_AUTOCHECKPOINT_PAGES } from '../store/sqlite-pragmas.js';
import { openSqliteFile } from '../store/sqlite-file.js';
import type { WalConnection } from '../store/wal-checkpoints.js';
import { filterHashes } from './quantized/payload-hashes.js';
import { codesFit, pointCode } from './quantized/point-codes.js';
import { createCopy, CopyWriter, dropCopy, ensureCopySchema, isFresh, readMeta, rebuildCopy } from './quantized/quantized-copy.js';
import { searchCopy, type ScoredPoint } from './quantized/quantized-search.js';
import { CopyCache } from './quantized/copy-cache.js';
import { VectorMemo } from './quantized/vector-memo.js';

type CollectionRow = { name: string; embedder: string | null; dimension: number | null };

function isZero(v: ArrayLike<number>): boolean {
  for (let i = 0; i < v.length; i++) if (v[i] !== 0) return false;
  return true;
}

function blobOf(v: Float32Array | number[]): Buffer {
  const f = v instanceof Float32Array ? v : Float32Array.from(v);
  return Buffer.from(f.buffer, f.byteOffset, f.byteLength);
}
/** The vec0 table that indexed a collection before the quantized copy: `_` → `__`, `-` → `_d` keeps distinct names distinct. */
export function indexTableName(collection: string): string {
  return `vec_index_${collection.replace(/_/g, '__').replace(/-/g, '_d')}`;
}

/**
 * Vectors in the same SQLite file as everything else. Each point is a row of `vector_points`
 * (migration 0003): its id, its payload as JSON and its vector as a float32 BLOB, what `get`
 * and the record export read. Each collection with vectors also has a quantized copy
 * (quantized/quantized-copy.ts: 2-bit codes, per-slot payload hashes), written in the same
 * transaction as its points; a search scans the copy and re-scores the few points that could
 * make the top k exactly (quantized/quantized-search.ts): the same hits as a brute-force scan
 * at a fraction of the bytes read, filtered or not.
 *
 * Where the copy cannot answer (a filter on a path nested deeper than it hashes, or a copy
 * that is stale or missing in a file this process cannot write) a search scans the points
 * with sqlite-vec's vec_distance_cosine instead: slower, same answer. Files written before the
 * copy existed had a sqlite-vec vec0 index per collection; it is dropped when the copy is built
 * (with sqlite-vec loaded for that: a vec0 table cannot be dropped without it). Nothing writes
 * or reads a vec0 table any more.
 */
export class SqliteVectorStore implements VectorStore {
  readonly kind = 'sqlite-vec' as const;
  readonly wal: WalConnection | undefined;
  private readonly cache: CopyCache;
  private readonly memo = new VectorMemo();
  private vecLoaded = false;
  private constructor(
    private readonly db: BetterSqlite3.Database,
    private readonly sqliteVec: typeof import('sqlite-vec'),
  ) {
    this.cache = new CopyCache(db.memory ? undefined : resolve(db.name));
    // The file as SQLite names it (symlinks resolved), as the relational connection's is named:
    // a bulk writer compares the two to know they are one file.
    const main = db.memory ? undefined : (db.pragma('database_list') as { name: string; file: string }[]).find((r) => r.name === 'main')?.file;
    this.wal = !main
      ? undefined
      : {
          file: main,
          setAutoCheckpoint: async (pages) => {
            const was = db.pragma('wal_autocheckpoint', { simple: true }) as number;
            db.pragma(`wal_autocheckpoint = ${Math.trunc(pages)}`);
            return was;
          },
          pragma: async (text) => db.pragma(text),
        };
  }

  /**
   * Opens the vector store in a SQLite file whose schema is already migrated (openDatabase);
   * `reader`: for searching only, so a file in a read-only folder opens as it is (sqlite-file.ts).
   */
  static async open(path: string, opts: { reader?: boolean } = {}): Promise<SqliteVectorStore> {
    const sqliteVec = await import('sqlite-vec');
    const { sqlite: db } = await openSqliteFile(path, { reader: opts.reader });
    db.pragma('busy_timeout = 15000');
    db.pragma('foreign_keys = ON');
    // As on the relational connection (database.ts): with WAL, NORMAL is durable across process
    // crashes, and a commit no longer waits for an fsync of the log (FULL, SQLite's default,
    // made every batch of featurize wait for the disk: ~80% of its write time on a busy machine).
    db.pragma('synchronous = NORMAL');
    // A search reads the copy's chunk rows once. Without mmap a fresh process reads them
    // faster (no page faults on a new mapping; a one-shot `inspect search` is the common case).
    // The 128 MB page cache that keeps them for the next search of a long-lived process is
    // taken at the first search: a writer (featurize) only passes pages through, and kept them
    // all, ~130 MB of its peak RSS on a large corpus.
    db.pragma('mmap_size = 0');
    db.pragma('cache_size = -16384');
    // A featurize batch writes ~7 MB of pages: checkpointing every 4 MB (the default) copied and
    // fsynced the file at nearly every commit, and rewrote pages several batches touch (index
    // and copy rows) once per batch. 32 MB between checkpoints, as on the relational connection.
    db.pragma(`wal_autocheckpoint = ${WAL_AUTOCHECKPOINT_PAGES}`);
    return new SqliteVectorStore(db, sqliteVec);
  }

  /**
   * sqlite-vec, loaded into the connection when first needed: by the plain scan and to drop an
   * older file's vec0 table. Loading it costs ~3 ms, a fifth of a search through the copy.
   */
  private withSqliteVec(): BetterSqlite3.Database {
    if (this.vecLoaded) return this.db;
    try {
      this.sqliteVec.load(this.db);
    } catch (err) {
      throw new Error(`sqlite-vec: cannot load the extension: ${errorMessage(err)}`);
    }
    this.vecLoaded = true;
    return this.db;
  }

  /** Drops the vec0 index an older llmops kept for the collection, if this file has one. */
  private dropOldIndex(name: string): void {
    const table = indexTableName(name);
    if (this.db.prepare("select 1 from sqlite_master where type = 'table' and name = ?").get(table)) this.withSqliteVec().exec(`drop table ${table}`);
  }

  private searched = false;

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
        if (spec.dimension !== null) createCopy(this.db, name, spec.dimension);
      })
      .immediate();
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
    this.db
      .transaction(() => {
        this.dropOldIndex(name);
        dropCopy(this.db, name);
        this.db.prepare('delete from vector_points where collection = ?').run(name);
        this.db.prepare('delete from vector_collections where name = ?').run(name);
      })
      .immediate();
    this.cache.forget(name);
    this.memo.forget(name);
  }

  /**
   * Inside a write transaction: the writer of a collection's quantized copy, the copy first
   * (re)built from the points if it is missing or stale, and the vec0 index of older files dropped.
   */
  private copyWriter(c: CollectionInfo): CopyWriter | undefined {
    if (c.dimension === null) return undefined;
    ensureCopySchema(this.db);
    if (!isFresh(readMeta(this.db, c.name), c.dimension)) {
      this.dropOldIndex(c.name);
      rebuildCopy(this.db, c.name, c.dimension);
    }
    return new CopyWriter(this.db, c.name, c.dimension);
  }

  /** Inside a write transaction: records the writer's changes, compacting a copy left mostly empty. */
  private finish(c: CollectionInfo, writer: CopyWriter | undefined): void {
    if (writer?.commit()) rebuildCopy(this.db, c.name, c.dimension!);
  }

  async upsert(name: string, points: Point[], embedder: string | null, codes?: PointCodes): Promise<void> {
    const c = this.collection(name);
    checkEmbedder(c, embedder, 'vectors');
    // Codes made for other points (or another dimension) would put wrong codes in the copy.
    if (codes && !codesFit(codes, points, c.dimension)) throw new Error(`collection ${name}: the point codes given are not these points'`);
    for (const p of points) {
      if (c.dimension !== null) {
        if (!p.vector) throw new UsageError(`collection ${name}: point ${p.id} has no vector`);
        checkDimension(c, p.vector);
      }
    }
    const upsertPoint = this.db.prepare(
      'insert into vector_points (collection, id, payload, embedding) values (?, ?, ?, ?) on conflict (collection, id) do update set payload = excluded.payload, embedding = excluded.embedding returning seq',
    );
    this.db
      .transaction(() => {
        const writer = this.copyWriter(c);
        points.forEach((p, i) => {
          // A zero vector (a text with no features) has no direction: stored as NULL and left out
          // of the copy, it is never a hit (cosine would call it a perfect match for every query).
          const blob = c.dimension === null || isZero(p.vector!) ? null : blobOf(p.vector!);
          const { seq } = upsertPoint.get(name, p.id, JSON.stringify(p.payload), blob) as { seq: number };
          writer?.put(seq, blob ? p.vector! : null, p.payload, codes && blob ? pointCode(codes, i) : undefined);
        });
        this.finish(c, writer);
      })
      .immediate();
  }

  async delete(name: string, ids: string[]): Promise<void> {
    const c = this.collection(name);
    const del = this.db.prepare('delete from vector_points where collection = ? and id = ? returning seq');
    this.db
      .transaction(() => {
        const writer = this.copyWriter(c);
        for (const id of ids) {
          const row = del.get(name, id) as { seq: number } | undefined;
          if (row) writer?.remove(row.seq);
        }
        this.finish(c, writer);
      })
      .immediate();
  }

  private filterSql(filter: PayloadFilter | undefined): { sql: string; params: unknown[] } {
    const f = payloadFilterSql(filter);
    return { sql: f.conditions.map((p) => ` and ${p}`).join(''), params: f.params };
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
    if (!this.searched) {
      this.searched = true;
      this.db.pragma('cache_size = -131072');
    }
    const hashes = query.filter ? filterHashes(query.filter) : new Map<string, number>();
    const hits = hashes && this.searchCopy(c, query.vector, query.k, query.filter && { hashes, sql: query.filter });
    return hits ?? this.scan(c, query.vector, query.k, query.filter);
  }

  /** The search through the quantized copy; undefined when there is none and none can be built. */
  private searchCopy(c: CollectionInfo, vector: Float32Array | number[], k: number, filter: Parameters<typeof searchCopy>[6]): Hit[] | undefined {
    // One read transaction: the copy and the points it points at are one snapshot.
    const attempt = this.db.transaction((): Hit[] | undefined => {
      const meta = readMeta(this.db, c.name);
      if (!isFresh(meta, c.dimension!)) return undefined;
      return this.hitsOf(searchCopy(this.db, this.cache, c.name, meta, vector, k, filter, this.memo));
    });
    const hits = attempt();
    if (hits) return hits;
    try {
      this.db
        .transaction(() => {
          this.finish(c, this.copyWriter(c));
        })
        .immediate();
    } catch (err) {
      // A file this process may only read, or one another writer holds for longer than the
      // busy timeout: the plain scan answers instead.
      if (/^SQLITE_(READONLY|BUSY)/.test((err as { code?: string }).code ?? '')) return undefined;
      throw err;
    }
    return attempt();
  }

  private hitsOf(top: ScoredPoint[]): Hit[] {
    const rows = this.db.prepare('select seq, payload from vector_points where seq in (select value from json_each(?))').all(JSON.stringify(top.map((p) => p.seq))) as { seq: number; payload: string }[];
    const payloads = new Map(rows.map((r) => [r.seq, r.payload]));
    return top.map((p) => ({ id: p.id, score: p.score, payload: JSON.parse(payloads.get(p.seq)!) }));
  }

  /** Every point's exact cosine through sqlite-vec, the filter in the same statement. */
  private scan(c: CollectionInfo, vector: Float32Array | number[], k: number, filter: PayloadFilter | undefined): Hit[] {
    const f = this.filterSql(filter);
    const rows = this.withSqliteVec()
      .prepare(
        // NOT INDEXED: one sequential scan beats 100k index-then-row lookups on (collection, id).
        `select id, payload, vec_distance_cosine(embedding, ?) as distance from vector_points not indexed
         where collection = ? and embedding is not null${f.sql} order by distance, id limit ?`,
      )
      .all(blobOf(vector), c.name, ...f.params, k) as { id: string; payload: string; distance: number }[];
    return rows.map((r) => ({ id: r.id, score: 1 - r.distance, payload: JSON.parse(r.payload) }));
  }

  async close(): Promise<void> {
    this.db.close();
  }
}

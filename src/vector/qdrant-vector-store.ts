import type { QdrantClient } from '@qdrant/js-client-rest';
import { UsageError, errorMessage } from '../core/errors.js';
import { deterministicId } from '../core/ids.js';
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

// Which embedder wrote which collection lives in a payload-only collection of its own, so any
// Qdrant version (and anything else looking at the server) sees the same record.
const REGISTRY = 'llmops_collections';
const UPSERT_BATCH = 256;

type Registered = { name: string; embedder: string | null; dimension: number | null };

function qdrantFilter(filter: PayloadFilter | undefined) {
  if (!filter) return undefined;
  return { must: Object.entries(filter).map(([key, value]) => ({ key, match: { value } })) };
}

/** Qdrant's error text from the client's ApiError (`{status: {error}}` body), else the message. */
function qdrantMessage(err: unknown): string {
  const data = (err as { data?: { status?: { error?: string } } })?.data;
  return data?.status?.error ?? errorMessage(err);
}

/** Vectors in Qdrant (`QDRANT_URL`, optional `QDRANT_API_KEY`) through the official REST client. */
export class QdrantVectorStore implements VectorStore {
  readonly kind = 'qdrant' as const;
  private registryReady = false;
  private constructor(
    private readonly client: QdrantClient,
    readonly url: string,
  ) {}

  static async open(url: string, apiKey = process.env.QDRANT_API_KEY): Promise<QdrantVectorStore> {
    const { QdrantClient } = await import('@qdrant/js-client-rest');
    const client = new QdrantClient({ url, apiKey, checkCompatibility: false, timeout: 60_000 });
    return new QdrantVectorStore(client, url);
  }

  private async call<T>(what: string, fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (err) {
      if (err instanceof UsageError) throw err;
      throw new Error(`qdrant ${what}: ${qdrantMessage(err)}`, { cause: err });
    }
  }

  private async ensureRegistry(): Promise<void> {
    if (this.registryReady) return;
    const { exists } = await this.call('collection exists', () => this.client.collectionExists(REGISTRY));
    if (!exists) {
      await this.call('create registry', () => this.client.createCollection(REGISTRY, { vectors: {} })).catch(async (err) => {
        // another worker created it first
        if (!(await this.client.collectionExists(REGISTRY)).exists) throw err;
      });
    }
    this.registryReady = true;
  }

  private async registered(name: string): Promise<Registered | undefined> {
    await this.ensureRegistry();
    const pts = await this.call('retrieve', () => this.client.retrieve(REGISTRY, { ids: [deterministicId('collection', name)], with_payload: true }));
    return pts[0]?.payload as Registered | undefined;
  }

  private async collection(name: string): Promise<CollectionInfo> {
    const r = await this.registered(name);
    if (!r) throw new UsageError(`no collection named ${name} in Qdrant at ${this.url} (llmops inspect collections lists them)`);
    return { ...r, count: 0 };
  }

  async createCollection(name: string, spec: CollectionSpec): Promise<void> {
    checkCollectionName(name);
    const existing = await this.registered(name);
    if (existing) {
      if (existing.embedder !== spec.embedder || existing.dimension !== spec.dimension) checkEmbedder({ ...existing, count: 0 }, spec.embedder, 'vectors');
      return;
    }
    const { exists } = await this.call('collection exists', () => this.client.collectionExists(name));
    if (!exists) {
      await this.call('create collection', () =>
        this.client.createCollection(name, { vectors: spec.dimension === null ? {} : { size: spec.dimension, distance: 'Cosine' } }),
      ).catch(async (err) => {
        // another worker (featurize processes sharing the work) created it first
        if (!(await this.client.collectionExists(name)).exists) throw err;
      });
    }
    const payload: Registered = { name, embedder: spec.embedder, dimension: spec.dimension };
    await this.call('register collection', () => this.client.upsert(REGISTRY, { wait: true, points: [{ id: deterministicId('collection', name), vector: {}, payload }] }));
  }

  async getCollection(name: string): Promise<CollectionInfo | undefined> {
    const r = await this.registered(name);
    if (!r) return undefined;
    return { ...r, count: await this.count(name) };
  }

  async listCollections(): Promise<CollectionInfo[]> {
    await this.ensureRegistry();
    const out: CollectionInfo[] = [];
    let offset: string | number | undefined | null;
    do {
      const page = await this.call('scroll', () => this.client.scroll(REGISTRY, { limit: 256, with_payload: true, offset: offset ?? undefined }));
      for (const p of page.points) {
        const r = p.payload as Registered;
        out.push({ ...r, count: await this.count(r.name).catch(() => 0) });
      }
      offset = page.next_page_offset as string | number | null | undefined;
    } while (offset !== null && offset !== undefined);
    return out.sort((a, b) => a.name.localeCompare(b.name));
  }

  async dropCollection(name: string): Promise<void> {
    await this.ensureRegistry();
    await this.call('delete collection', () => this.client.deleteCollection(name));
    await this.call('unregister', () => this.client.delete(REGISTRY, { wait: true, points: [deterministicId('collection', name)] }));
  }

  async upsert(name: string, points: Point[], embedder: string | null): Promise<void> {
    const c = await this.collection(name);
    checkEmbedder(c, embedder, 'vectors');
    for (const p of points) if (c.dimension !== null) {
      if (!p.vector) throw new UsageError(`collection ${name}: point ${p.id} has no vector`);
      checkDimension(c, p.vector);
    }
    for (let i = 0; i < points.length; i += UPSERT_BATCH) {
      const batch = points.slice(i, i + UPSERT_BATCH).map((p) => ({ id: p.id, vector: c.dimension === null ? {} : Array.from(p.vector!), payload: p.payload }));
      await this.call('upsert', () => this.client.upsert(name, { wait: true, points: batch }));
    }
  }

  async delete(name: string, ids: string[]): Promise<void> {
    if (ids.length === 0) return;
    await this.collection(name);
    await this.call('delete', () => this.client.delete(name, { wait: true, points: ids }));
  }

  async get(name: string, ids: string[], opts: { withVector?: boolean } = {}): Promise<StoredPoint[]> {
    await this.collection(name);
    if (ids.length === 0) return [];
    const pts = await this.call('retrieve', () => this.client.retrieve(name, { ids, with_payload: true, with_vector: Boolean(opts.withVector) }));
    const byId = new Map(pts.map((p) => [String(p.id), p]));
    return ids.flatMap((id) => {
      const p = byId.get(id);
      if (!p) return [];
      const sp: StoredPoint = { id: String(p.id), payload: (p.payload ?? {}) as Record<string, unknown> };
      if (opts.withVector && Array.isArray(p.vector)) sp.vector = p.vector as number[];
      return [sp];
    });
  }

  async count(name: string, filter?: PayloadFilter): Promise<number> {
    const r = await this.call('count', () => this.client.count(name, { exact: true, filter: qdrantFilter(filter) }));
    return r.count;
  }

  async sample(name: string, limit: number, filter?: PayloadFilter): Promise<StoredPoint[]> {
    await this.collection(name);
    const page = await this.call('scroll', () => this.client.scroll(name, { limit, filter: qdrantFilter(filter), with_payload: true }));
    return page.points.map((p) => ({ id: String(p.id), payload: (p.payload ?? {}) as Record<string, unknown> }));
  }

  async search(name: string, query: { vector: Float32Array | number[]; embedder: string; k: number; filter?: PayloadFilter }): Promise<Hit[]> {
    const c = await this.collection(name);
    checkEmbedder(c, query.embedder, 'query');
    checkDimension(c, query.vector);
    // exact: true skips HNSW, so results equal the sqlite-vec scan (small collections; opt out at scale)
    const res = await this.call('query', () =>
      this.client.query(name, { query: Array.from(query.vector), limit: query.k, filter: qdrantFilter(query.filter), with_payload: true, params: { exact: true } }),
    );
    return res.points.map((p) => ({ id: String(p.id), score: p.score, payload: (p.payload ?? {}) as Record<string, unknown> }));
  }

  async close(): Promise<void> {}
}

import type { ClientSession, Collection, MongoClient } from 'mongodb';
import { UsageError, errorMessage } from '../core/errors.js';
import { redactUrl } from '../core/redact.js';
import type { DocumentStore } from './document-store.js';
import type { Document, DocumentKey, NewDocument, UpsertCounts } from './types.js';
import { countRepeat } from './documents-repo.js';

type MongoDocument = Omit<Document, 'id'> & { _id: string };

const BATCH = 1000;

function fromMongo(d: MongoDocument): Document {
  const { _id, ...rest } = d;
  return { id: _id, ...rest };
}

/**
 * The warehouse in MongoDB (`--warehouse mongodb://…` or MONGODB_URL): one collection,
 * `documents`, keyed by the same deterministic ids as the SQL store.
 */
export class MongoDocumentStore implements DocumentStore {
  readonly kind = 'mongodb' as const;

  private constructor(
    private readonly client: MongoClient,
    private readonly docs: Collection<MongoDocument>,
    private readonly session?: ClientSession,
  ) {}

  static async open(url: string, dbName?: string): Promise<MongoDocumentStore> {
    const { MongoClient } = await import('mongodb');
    const client = new MongoClient(url, { serverSelectionTimeoutMS: 5000, appName: 'llmops' });
    try {
      await client.connect();
    } catch (err) {
      throw new UsageError(`--warehouse: cannot connect to MongoDB at ${redactUrl(url)}: ${errorMessage(err)}`);
    }
    const db = client.db(dbName); // the database named in the URL, else the driver's default
    const docs = db.collection<MongoDocument>('documents');
    await docs.createIndex({ link: 1 });
    await docs.createIndex({ category: 1, _id: 1 });
    return new MongoDocumentStore(client, docs);
  }

  async upsert(input: NewDocument[]): Promise<UpsertCounts> {
    const counts: UpsertCounts = { inserted: 0, updated: 0, unchanged: 0 };
    const byId = new Map<string, NewDocument>();
    for (const d of input) {
      countRepeat(counts, byId.get(d.id), d);
      byId.set(d.id, d);
    }
    const ids = [...byId.keys()];
    const existing = new Map<string, string>();
    for (let i = 0; i < ids.length; i += BATCH) {
      const found = this.docs.find(
        { _id: { $in: ids.slice(i, i + BATCH) } },
        { projection: { content_hash: 1 }, session: this.session },
      );
      for await (const d of found) existing.set(d._id, d.content_hash);
    }
    const now = new Date().toISOString();
    const ops = [];
    for (const d of byId.values()) {
      const hash = existing.get(d.id);
      const { id, ...rest } = d;
      if (hash === undefined) {
        // Upsert rather than insert: a concurrent writer may have inserted the same id.
        ops.push({ updateOne: { filter: { _id: id }, update: { $setOnInsert: { ...rest, updated_at: rest.updated_at ?? now } }, upsert: true } });
        counts.inserted++;
      } else if (hash !== d.content_hash) {
        const { created_at: _c, ...changed } = rest;
        ops.push({ updateOne: { filter: { _id: id }, update: { $set: { ...changed, updated_at: changed.updated_at ?? now } } } });
        counts.updated++;
      } else counts.unchanged++;
    }
    for (let i = 0; i < ops.length; i += BATCH) {
      await this.docs.bulkWrite(ops.slice(i, i + BATCH), { ordered: false, session: this.session });
    }
    return counts;
  }

  async get(id: string) {
    const d = await this.docs.findOne({ _id: id }, { session: this.session });
    return d ? fromMongo(d) : undefined;
  }

  async getMany(ids: string[]) {
    const unique = [...new Set(ids)];
    const out: Document[] = [];
    for (let i = 0; i < unique.length; i += BATCH) {
      const rows = await this.docs.find({ _id: { $in: unique.slice(i, i + BATCH) } }, { session: this.session }).toArray();
      out.push(...rows.map(fromMongo));
    }
    return out;
  }

  async getByLink(link: string) {
    const d = await this.docs.findOne({ link }, { sort: { _id: 1 }, session: this.session });
    return d ? fromMongo(d) : undefined;
  }

  async list(opts: { afterId?: string; limit: number; category?: string }) {
    const filter: Record<string, unknown> = {};
    if (opts.afterId !== undefined) filter._id = { $gt: opts.afterId };
    if (opts.category !== undefined) filter.category = opts.category;
    const rows = await this.docs.find(filter, { sort: { _id: 1 }, limit: opts.limit, session: this.session }).toArray();
    return rows.map(fromMongo);
  }

  async listKeys(opts: { afterId?: string; limit: number; category?: string }): Promise<DocumentKey[]> {
    const filter: Record<string, unknown> = {};
    if (opts.afterId !== undefined) filter._id = { $gt: opts.afterId };
    if (opts.category !== undefined) filter.category = opts.category;
    const rows = await this.docs.find(filter, { sort: { _id: 1 }, limit: opts.limit, projection: { _id: 1, content_hash: 1, category: 1 }, session: this.session }).toArray();
    return rows.map((d) => ({ id: d._id, content_hash: d.content_hash, category: d.category }));
  }

  count(opts: { category?: string } = {}) {
    return this.docs.countDocuments(opts.category !== undefined ? { category: opts.category } : {}, { session: this.session });
  }

  async delete(ids: string[]) {
    const res = await this.docs.deleteMany({ _id: { $in: ids } }, { session: this.session });
    return res.deletedCount;
  }

  /** A MongoDB transaction: needs a replica set (the shipped docker-compose.yml runs one). */
  async transaction<T>(fn: (store: DocumentStore) => Promise<T>): Promise<T> {
    if (this.session) return fn(this);
    const session = this.client.startSession();
    try {
      let out!: T;
      await session.withTransaction(async () => {
        out = await fn(new MongoDocumentStore(this.client, this.docs, session));
      });
      return out;
    } finally {
      await session.endSession();
    }
  }

  async close() {
    if (!this.session) await this.client.close();
  }
}

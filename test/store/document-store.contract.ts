import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DocumentStore } from '../../src/store/document-store.js';
import type { NewDocument } from '../../src/store/types.js';
import { documentId, sha256Hex } from '../../src/core/ids.js';

function makeDoc(n: number, overrides: Partial<NewDocument> = {}): NewDocument {
  const content = overrides.content ?? `Document number ${n}. It has two sentences.`;
  const externalId = overrides.external_id ?? `ext-${n}`;
  return {
    id: documentId('contract', { externalId, contentHash: sha256Hex(content) }),
    source: 'contract',
    external_id: externalId,
    category: n % 2 === 0 ? 'articles' : 'posts',
    link: `https://example.com/${n}`,
    author: 'Ada',
    title: `Title ${n}`,
    content,
    metadata: { n, tags: ['a', 'b'], nested: { ok: true } },
    content_hash: sha256Hex(content),
    created_at: '2026-01-02T03:04:05.000Z',
    ...overrides,
  };
}

/** Every DocumentStore implementation must pass this suite. */
export function documentStoreContract(name: string, open: () => Promise<{ store: DocumentStore; cleanup: () => Promise<void> }>) {
  describe(`${name} document store`, () => {
    let store: DocumentStore;
    let cleanup: () => Promise<void>;
    beforeAll(async () => {
      ({ store, cleanup } = await open());
    });
    afterAll(async () => {
      await store?.close();
      await cleanup?.();
    });

    it('stores a document and gives it back whole', async () => {
      const doc = makeDoc(1);
      expect(await store.upsert([doc])).toEqual({ inserted: 1, updated: 0, unchanged: 0 });
      const got = await store.get(doc.id);
      expect(got).toMatchObject({ ...doc });
      expect(got!.metadata).toEqual({ n: 1, tags: ['a', 'b'], nested: { ok: true } });
    });

    it('upserts idempotently: the same document twice is one document', async () => {
      const doc = makeDoc(2);
      await store.upsert([doc]);
      expect(await store.upsert([doc])).toEqual({ inserted: 0, updated: 0, unchanged: 1 });
      expect(await store.upsert([doc, doc])).toEqual({ inserted: 0, updated: 0, unchanged: 2 });
    });

    it('one id twice in a batch with other content: counted as two batches would count it, the last one kept', async () => {
      const first = makeDoc(31);
      const second = { ...first, content: 'Second text.', content_hash: sha256Hex('Second text.') };
      expect(await store.upsert([first, second])).toEqual({ inserted: 1, updated: 1, unchanged: 0 });
      expect((await store.get(first.id))!.content).toBe('Second text.');
      const other = makeDoc(32);
      const apart = [await store.upsert([other]), await store.upsert([{ ...other, content: 'Second text.', content_hash: sha256Hex('Second text.') }])];
      expect(apart.reduce((n, c) => ({ inserted: n.inserted + c.inserted, updated: n.updated + c.updated, unchanged: n.unchanged + c.unchanged }))).toEqual({ inserted: 1, updated: 1, unchanged: 0 });
    });

    it('replaces a document whose content changed under the same id', async () => {
      const doc = makeDoc(3);
      await store.upsert([doc]);
      const changed = { ...doc, content: 'New text.', content_hash: sha256Hex('New text.'), title: 'New title' };
      expect(await store.upsert([changed])).toEqual({ inserted: 0, updated: 1, unchanged: 0 });
      const got = await store.get(doc.id);
      expect(got!.content).toBe('New text.');
      expect(got!.title).toBe('New title');
      expect(got!.created_at).toBe(doc.created_at);
    });

    it('finds a document by link', async () => {
      const doc = makeDoc(4, { link: 'https://example.com/unique-link' });
      await store.upsert([doc]);
      expect((await store.getByLink('https://example.com/unique-link'))?.id).toBe(doc.id);
      expect(await store.getByLink('https://example.com/nowhere')).toBeUndefined();
    });

    it('gets many documents by id in one call, skipping ids it does not hold', async () => {
      const docs = [makeDoc(5), makeDoc(6), makeDoc(7)];
      await store.upsert(docs);
      const got = await store.getMany([docs[2]!.id, 'no-such-id', docs[0]!.id, docs[2]!.id]);
      expect(got.map((d) => d.id).sort()).toEqual([docs[0]!.id, docs[2]!.id].sort());
      expect(got.find((d) => d.id === docs[0]!.id)).toMatchObject({ title: 'Title 5', metadata: docs[0]!.metadata });
      expect(await store.getMany([])).toEqual([]);
    });

    it('pages through documents in id order, by category', async () => {
      const docs = Array.from({ length: 25 }, (_, i) => makeDoc(100 + i));
      await store.upsert(docs);
      const seen: string[] = [];
      let afterId: string | undefined;
      for (;;) {
        const page = await store.list({ afterId, limit: 7, category: 'articles' });
        if (page.length === 0) break;
        seen.push(...page.map((d) => d.id));
        afterId = page[page.length - 1]!.id;
      }
      expect(seen).toEqual([...seen].sort());
      expect(new Set(seen).size).toBe(seen.length);
      expect(seen.length).toBe(await store.count({ category: 'articles' }));
      for (const d of docs.filter((d) => d.category === 'articles')) expect(seen).toContain(d.id);
    });

    it('pages through ids, hashes and categories alone, the same pages as the documents', async () => {
      await store.upsert(Array.from({ length: 12 }, (_, i) => makeDoc(200 + i)));
      for (const category of [undefined, 'posts']) {
        const keys: unknown[] = [];
        const docs: unknown[] = [];
        for (let afterId: string | undefined; ; ) {
          const page = await store.listKeys({ afterId, limit: 5, category });
          const whole = await store.list({ afterId, limit: 5, category });
          if (page.length === 0) break;
          keys.push(...page);
          docs.push(...whole.map((d) => ({ id: d.id, content_hash: d.content_hash, category: d.category })));
          afterId = page.at(-1)!.id;
        }
        expect(keys).toEqual(docs);
        expect(keys.length).toBe(await store.count({ category }));
      }
    });

    it('deletes documents', async () => {
      const doc = makeDoc(200);
      await store.upsert([doc]);
      expect(await store.delete([doc.id])).toBe(1);
      expect(await store.get(doc.id)).toBeUndefined();
    });

    it('rolls back every write of a failed transaction', async () => {
      const before = await store.count();
      await expect(
        store.transaction(async (tx) => {
          await tx.upsert([makeDoc(300), makeDoc(301)]);
          throw new Error('boom');
        }),
      ).rejects.toThrow('boom');
      expect(await store.count()).toBe(before);
      expect(await store.get(makeDoc(300).id)).toBeUndefined();
    });

    it('keeps unicode text exactly', async () => {
      const content = 'Zoë’s café — naïve résumé 😀 日本語のテキスト。';
      const doc = makeDoc(400, { content, content_hash: sha256Hex(content) });
      await store.upsert([doc]);
      expect((await store.get(doc.id))!.content).toBe(content);
    });
  });
}

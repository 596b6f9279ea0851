import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import { extractArticle, type ExtractedArticle } from '../html/extract-article.js';

// Extraction (DOM parse + cleanup + Readability) is CPU work of ~10 ms a page; on a crawl of
// many pages it, not the network, sets the pace. Worker threads spread it over the cores
// while the main thread keeps fetching and storing.

const WORKER_FLAG = 'llmops-extract-worker';

type Request = { id: number; html: string; url: string };
type Reply = { id: number; article?: ExtractedArticle; error?: string };

// This module is also the worker's entry: the built chunk that holds it is loaded again in
// each worker, which then answers extraction requests.
if (!isMainThread && workerData === WORKER_FLAG && parentPort) {
  const port = parentPort;
  port.on('message', (req: Request) => {
    let reply: Reply;
    try {
      reply = { id: req.id, article: extractArticle(req.html, req.url) };
    } catch (err) {
      reply = { id: req.id, error: (err as Error)?.message ?? String(err) };
    }
    port.postMessage(reply);
  });
}

export type Extractor = {
  extract(html: string, url: string): Promise<ExtractedArticle>;
  close(): Promise<void>;
};

/** In the calling thread: for a handful of pages, and where workers cannot load this file. */
export const inlineExtractor: Extractor = {
  extract: async (html, url) => extractArticle(html, url),
  close: async () => {},
};

/**
 * A pool of extraction workers, started on first use. Falls back to inline extraction when
 * the module runs from TypeScript source (tests), where a worker could not load it.
 */
export function createExtractPool(size = Math.max(1, availableParallelism())): Extractor {
  const file = fileURLToPath(import.meta.url);
  if (!file.endsWith('.js')) return inlineExtractor;
  type Slot = { worker: Worker; busy: number };
  const slots: Slot[] = [];
  const pending = new Map<number, { resolve: (a: ExtractedArticle) => void; reject: (e: Error) => void; slot: Slot }>();
  let nextId = 0;
  let broken = false;
  const spawn = (): Slot => {
    const worker = new Worker(file, { workerData: WORKER_FLAG });
    const slot: Slot = { worker, busy: 0 };
    worker.unref();
    worker.on('message', (reply: Reply) => {
      const p = pending.get(reply.id);
      if (!p) return;
      pending.delete(reply.id);
      slot.busy--;
      if (reply.article) p.resolve(reply.article);
      else p.reject(new Error(reply.error ?? 'extraction failed'));
    });
    worker.on('error', (err) => {
      broken = true;
      for (const [id, p] of pending) {
        if (p.slot !== slot) continue;
        pending.delete(id);
        p.reject(err);
      }
    });
    slots.push(slot);
    return slot;
  };
  return {
    async extract(html, url) {
      if (broken) return extractArticle(html, url);
      // A new worker only when every running one has work queued.
      let slot = slots.reduce<Slot | undefined>((best, s) => (!best || s.busy < best.busy ? s : best), undefined);
      if (!slot || (slot.busy > 0 && slots.length < size)) slot = spawn();
      const id = nextId++;
      slot.busy++;
      const chosen = slot;
      return new Promise<ExtractedArticle>((resolve, reject) => {
        pending.set(id, { resolve, reject, slot: chosen });
        chosen.worker.postMessage({ id, html, url } satisfies Request);
      });
    },
    async close() {
      await Promise.all(slots.map((s) => s.worker.terminate()));
      slots.length = 0;
    },
  };
}

// A worker thread of `featurize --workers N`: cleans, chunks and counts tokens for a batch of
// documents, and embeds the chunks when the embedder is the (pure CPU) hashing embedder.
import { serveWorkerJobs } from '../core/worker-pool.js';
import { TokenCounter } from '../embed/cl100k-tokenizer.js';
import { embedderFromId } from '../embed/create-embedder.js';
import type { Embedder } from '../embed/embedder.js';
import type { Document } from '../store/types.js';
import { encodePoints } from '../vector/quantized/point-codes.js';
import { batchPoints } from './featurize-points.js';
import { prepareDocument, type ChunkingEmbedder } from './prepare-document.js';
import type { FeaturizeWorkerData, FeaturizeWorkerInput, FeaturizeWorkerOutput } from './featurize-preparer.js';

type WorkerEmbedder = ChunkingEmbedder & Partial<Pick<Embedder, 'embedBatch'>>;

/** The hashing embedder rebuilt from its id (which checks it is the same), or a cl100k counter alone. */
async function workerEmbedder(data: FeaturizeWorkerData): Promise<WorkerEmbedder> {
  // The id says how vectors are made, not the chunk limit: a library caller's own maxTokens
  // must cut the same chunks here as in the writer thread, which prepares batches too.
  if (data.embed) return { ...(await embedderFromId(data.embedder.id)), maxTokens: data.embedder.maxTokens };
  const counter = new TokenCounter();
  return { id: data.embedder.id, maxTokens: data.embedder.maxTokens, countTokens: (t) => counter.count(t) };
}

// The embedder of the run's setup (one run per thread: the setup is the same in every job).
let embedder: { key: string; made: Promise<WorkerEmbedder> } | undefined;

serveWorkerJobs<FeaturizeWorkerInput, FeaturizeWorkerOutput>(async ({ docs, setup: data }) => {
  const key = `${data.embedder.id}\u0000${data.embedder.maxTokens}`;
  if (embedder?.key !== key) embedder = { key, made: workerEmbedder(data) };
  const e = await embedder.made;
  const prepared = docs.map((d: Document) => prepareDocument(d, e, data.config));
  if (!e.embedBatch) return { output: { prepared, vectors: null, codes: null } };
  const vecs = await e.embedBatch(prepared.flatMap((p) => p.chunks.map((c) => c.text)));
  const dim = data.embedder.dimension;
  const flat = new Float32Array(vecs.length * dim);
  vecs.forEach((v, i) => flat.set(v, i * dim));
  // The quantized copy's codes of the chunks' points, one per collection in the order the writer upserts them.
  const codes = data.pointCodes ? batchPoints(docs, prepared, vecs).map((g) => encodePoints(g.chunks, dim)) : null;
  return { output: { prepared, vectors: flat, codes } };
});

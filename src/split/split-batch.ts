import { sentenceId } from '../core/ids.js';
import type { SplitBatch } from '../store/sentences-repo.js';
import type { Sentence } from '../store/types.js';
import { splitSentences } from '../text/split-sentences.js';

export type { SplitBatch };

/** A document as the splitter reads it: its hash goes back with its sentences (sentences-repo.ts). */
export type DocumentToSplit = { id: string; content: string; content_hash: string };

/**
 * Splits documents in this thread (one worker, and each worker thread's own work). With
 * `texts`, the sentences' texts come too (for `split --out`): the store keeps only offsets,
 * and cloning the texts from a worker thread cost the writer more than storing them did.
 */
export function splitBatch(docs: DocumentToSplit[], opts: { texts?: boolean } = {}): SplitBatch {
  const counts = new Int32Array(docs.length);
  const offsets: number[] = [];
  const texts: string[] | undefined = opts.texts ? [] : undefined;
  let characters = 0;
  docs.forEach((d, i) => {
    const spans = splitSentences(d.content);
    counts[i] = spans.length;
    characters += d.content.length;
    for (const s of spans) {
      offsets.push(s.start, s.end);
      texts?.push(s.text);
    }
  });
  return { documentIds: docs.map((d) => d.id), hashes: docs.map((d) => d.content_hash), counts, offsets: Int32Array.from(offsets), texts, characters };
}

/** Sentences in the batch. */
export function sentenceCount(batch: SplitBatch): number {
  return batch.offsets.length / 2;
}

/** The batch's sentences as objects (for `split --out` and library callers), in document then index order; it must hold their texts. */
export function batchSentences(batch: SplitBatch): Sentence[][] {
  const texts = batch.texts;
  if (!texts) throw new Error('this split batch was made without its sentences\' texts');
  let k = 0;
  return batch.documentIds.map((documentId, i) =>
    Array.from({ length: batch.counts[i]! }, (_, index) => {
      const s = { id: sentenceId(documentId, index), document_id: documentId, index, text: texts[k]!, start: batch.offsets[2 * k]!, end: batch.offsets[2 * k + 1]! };
      k++;
      return s;
    }),
  );
}

/** The batch without the documents `keep` rejects (deleted or changed since they were read). */
export function keepDocuments(batch: SplitBatch, keep: (documentId: string, hash: string) => boolean): SplitBatch {
  if (batch.documentIds.every((id, d) => keep(id, batch.hashes[d]!))) return batch;
  const documentIds: string[] = [];
  const hashes: string[] = [];
  const counts: number[] = [];
  const offsets: number[] = [];
  const texts: string[] | undefined = batch.texts ? [] : undefined;
  let k = 0;
  batch.documentIds.forEach((id, d) => {
    const n = batch.counts[d]!;
    if (keep(id, batch.hashes[d]!)) {
      documentIds.push(id);
      hashes.push(batch.hashes[d]!);
      counts.push(n);
      for (let j = k; j < k + n; j++) {
        offsets.push(batch.offsets[2 * j]!, batch.offsets[2 * j + 1]!);
        texts?.push(batch.texts![j]!);
      }
      // Characters split stay counted: the work was done, and a rerun does not redo it.
    }
    k += n;
  });
  return { documentIds, hashes, counts: Int32Array.from(counts), offsets: Int32Array.from(offsets), texts, characters: batch.characters };
}

import { sentenceId } from '../core/ids.js';
import type { SplitBatch } from '../store/sentences-repo.js';
import type { Sentence } from '../store/types.js';
import { splitSentences } from '../text/split-sentences.js';

export type { SplitBatch };

/** Splits documents in this thread (one worker, and each worker thread's own work). */
export function splitBatch(docs: { id: string; content: string }[]): SplitBatch {
  const counts = new Int32Array(docs.length);
  const offsets: number[] = [];
  const texts: string[] = [];
  let characters = 0;
  docs.forEach((d, i) => {
    const spans = splitSentences(d.content);
    counts[i] = spans.length;
    characters += d.content.length;
    for (const s of spans) {
      offsets.push(s.start, s.end);
      texts.push(s.text);
    }
  });
  return { documentIds: docs.map((d) => d.id), counts, offsets: Int32Array.from(offsets), texts, characters };
}

/** The batch's sentences as objects (for `split --out` and library callers), in document then index order. */
export function batchSentences(batch: SplitBatch): Sentence[][] {
  let k = 0;
  return batch.documentIds.map((documentId, i) =>
    Array.from({ length: batch.counts[i]! }, (_, index) => {
      const s = { id: sentenceId(documentId, index), document_id: documentId, index, text: batch.texts[k]!, start: batch.offsets[2 * k]!, end: batch.offsets[2 * k + 1]! };
      k++;
      return s;
    }),
  );
}

/** The batch without the documents `keep` rejects (deleted since they were read). */
export function keepDocuments(batch: SplitBatch, keep: (documentId: string) => boolean): SplitBatch {
  if (batch.documentIds.every(keep)) return batch;
  const kept: SplitBatch = { documentIds: [], counts: new Int32Array(0), offsets: new Int32Array(0), texts: [], characters: 0 };
  const counts: number[] = [];
  const offsets: number[] = [];
  let k = 0;
  batch.documentIds.forEach((id, d) => {
    const n = batch.counts[d]!;
    if (keep(id)) {
      kept.documentIds.push(id);
      counts.push(n);
      for (let j = k; j < k + n; j++) {
        offsets.push(batch.offsets[2 * j]!, batch.offsets[2 * j + 1]!);
        kept.texts.push(batch.texts[j]!);
      }
      // Characters split stay counted: the work was done, and a rerun does not redo it.
    }
    k += n;
  });
  return { ...kept, counts: Int32Array.from(counts), offsets: Int32Array.from(offsets), characters: batch.characters };
}

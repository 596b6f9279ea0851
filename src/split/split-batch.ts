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

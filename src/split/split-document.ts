import { sentenceId } from '../core/ids.js';
import type { Sentence } from '../store/types.js';
import { splitSentences } from '../text/split-sentences.js';

/** A document's sentences with their deterministic ids and offsets into its content. */
export function splitDocument(doc: { id: string; content: string }): Sentence[] {
  return splitSentences(doc.content).map((s) => ({
    id: sentenceId(doc.id, s.index),
    document_id: doc.id,
    index: s.index,
    text: s.text,
    start: s.start,
    end: s.end,
  }));
}

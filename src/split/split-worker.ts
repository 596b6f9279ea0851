// A worker thread of `split --workers N`: finds the sentences of a batch of documents and
// sends back their offsets only (the main thread has the texts), in one transferred array.
import { serveWorkerJobs } from '../core/worker-pool.js';
import { splitSentences } from '../text/split-sentences.js';
import type { SplitWorkerInput, SplitWorkerOutput } from './split-workers.js';

serveWorkerJobs<SplitWorkerInput, SplitWorkerOutput>(async ({ contents }) => {
  const counts = new Int32Array(contents.length);
  const offsets: number[] = [];
  contents.forEach((content, i) => {
    const spans = splitSentences(content);
    counts[i] = spans.length;
    for (const s of spans) offsets.push(s.start, s.end);
  });
  const flat = Int32Array.from(offsets);
  return { output: { counts, offsets: flat }, transfer: [counts.buffer, flat.buffer] };
});

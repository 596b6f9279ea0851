import type { Citation } from './answer-types.js';
import type { PackedSource } from './pack-sources.js';

// A bracket of numbers, commas and ranges: [1], [1, 3], [2-4]; [1][2] is two of them.
const BRACKET = /\[\s*(\d+(?:\s*[-–]\s*\d+)?(?:\s*,\s*\d+(?:\s*[-–]\s*\d+)?)*)\s*\]/g;
// A range wider than this is not a citation ([1-2000] is a span of years).
const MAX_RANGE = 20;

/** The source numbers `text` cites, in order of first mention; numbers outside 1..`max` are ignored. */
export function citedNumbers(text: string, max: number): number[] {
  const seen = new Set<number>();
  for (const m of text.matchAll(BRACKET)) {
    for (const part of m[1]!.split(',')) {
      const [a, b = a] = part.split(/[-–]/).map((x) => Number(x.trim()));
      if (b! < a! || b! - a! > MAX_RANGE) continue;
      for (let n = a!; n <= b!; n++) if (n >= 1 && n <= max) seen.add(n);
    }
  }
  return [...seen];
}

/** Each source the text cites, resolved to its document and chunk, by number. */
export function resolveCitations(text: string, sources: PackedSource[]): Citation[] {
  const byNumber = new Map(sources.map((s) => [s.n, s]));
  const max = sources.reduce((m, s) => Math.max(m, s.n), 0);
  return citedNumbers(text, max)
    .sort((a, b) => a - b)
    .flatMap((n) => {
      const s = byNumber.get(n);
      if (!s) return [];
      return [
        {
          n,
          title: s.title,
          link: s.link,
          document_id: s.document_id,
          chunk_id: s.id,
          chunk_index: s.chunk_index,
          collection: s.collection,
          score: s.score,
          snippet: s.snippet,
        },
      ];
    });
}

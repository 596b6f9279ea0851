// Rule-based sentence segmentation with UTF-16 offsets (the scanner is sentence-scanner.ts,
// its word lists abbreviations.ts).

import { ORDINAL_DOT_LANGUAGES } from './abbreviations.js';
import { Scanner, type SentenceSpan } from './sentence-scanner.js';

export type { SentenceSpan } from './sentence-scanner.js';

/** Bump whenever the output for some input changes: stored splits are keyed by it. */
export const SPLITTER_VERSION = 1;

export type SplitOptions = {
  /** BCP 47 tag of the text's language, if known. Enables e.g. German ordinals ("3. Oktober"). */
  locale?: string;
};

export function splitSentences(content: string, opts?: SplitOptions): SentenceSpan[] {
  if (content.length === 0) return [];
  return new Scanner(content, usesOrdinalDots(opts?.locale)).run();
}

function usesOrdinalDots(locale: string | undefined): boolean {
  if (!locale) return false;
  return ORDINAL_DOT_LANGUAGES.has(locale.toLowerCase().split(/[-_]/)[0] ?? '');
}

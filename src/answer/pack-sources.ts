import type { AnswerSource } from './answer-types.js';
import type { CountTokens } from './token-count.js';

/** A source as offered to the model: numbered [n] from 1, best first, its text possibly cut. */
export type PackedSource = AnswerSource & { n: number; /** true when only the start of the chunk fitted */ cut: boolean };

/** What stands between two sources in the prompt. */
const SOURCE_SEPARATOR = '\n\n';

/**
 * Below this many tokens of room, a cut source would be a few words out of context: the
 * packing stops instead.
 */
export const MIN_CUT_TOKENS = 24;

/** The block the model reads for one source: its number, title and link, then the chunk's text. */
function formatSource(n: number, s: Pick<AnswerSource, 'title' | 'link' | 'document_id'>, text: string): string {
  const name = s.title?.trim() || s.document_id;
  return `[${n}] ${name}${s.link ? ` (${s.link})` : ''}\n${text}`;
}

/** Every packed source's block, in order, as the prompt holds them. */
export function renderSources(packed: PackedSource[]): string {
  return packed.map((p) => formatSource(p.n, p, p.text)).join(SOURCE_SEPARATOR);
}

/**
 * The sources that fit in `budget` tokens, best first (the order given). The first one that
 * does not fit whole is cut at a word boundary to the room left (when at least MIN_CUT_TOKENS
 * remain) and ends the packing: a better source is never dropped to make room for a worse one.
 */
export function packSources(sources: AnswerSource[], budget: number, count: CountTokens): PackedSource[] {
  const packed: PackedSource[] = [];
  let used = 0;
  for (const s of sources) {
    const n = packed.length + 1;
    const separator = packed.length > 0 ? count(SOURCE_SEPARATOR) : 0;
    const whole = count(formatSource(n, s, s.text)) + separator;
    if (used + whole <= budget) {
      packed.push({ ...s, n, cut: false });
      used += whole;
      continue;
    }
    const room = budget - used - separator - count(formatSource(n, s, ''));
    if (room >= MIN_CUT_TOKENS) {
      const text = cutToTokens(s.text, room, count);
      if (text) packed.push({ ...s, n, text, cut: true });
    }
    break;
  }
  return packed;
}

const ELLIPSIS = ' …';

/** The longest start of `text` ending at a word boundary that, with " …", takes at most `room` tokens. */
function cutToTokens(text: string, room: number, count: CountTokens): string {
  const ends: number[] = [];
  for (const m of text.matchAll(/\s+/g)) if (m.index > 0) ends.push(m.index);
  ends.push(text.length);
  // Binary search over word ends: token counts grow with the prefix.
  let lo = 0;
  let hi = ends.length - 1;
  let best = '';
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const candidate = text.slice(0, ends[mid]).trimEnd() + ELLIPSIS;
    if (count(candidate) <= room) {
      best = candidate;
      lo = mid + 1;
    } else hi = mid - 1;
  }
  return best;
}

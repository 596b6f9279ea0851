import type { PieceCounter } from '../embed/embedder.js';
import { splitSentences } from '../text/split-sentences.js';
import { unitBounds } from './word-units.js';

/**
 * Chunking strategies. Each returns pieces of the cleaned text (exact substrings, so a chunk
 * can be shown in place); then `capToTokenLimit` cuts any piece the embedder could not read
 * whole, counting with the embedder's own tokenizer.
 */
export type ChunkStrategy =
  | { strategy: 'tokens'; size: number; overlap: number }
  | { strategy: 'sentences'; min_chars: number; max_chars: number }
  | { strategy: 'code'; size: number; overlap: number };

/** Counts a piece's tokens; with `range`, a span of a text without slicing it (embedder.ts). */
export type CountTokens = PieceCounter;

/** The token count of each unit (word-units.ts) of `text`. */
function unitTokens(text: string, bounds: Int32Array, count: CountTokens): Float64Array {
  const out = new Float64Array(bounds.length - 1);
  const range = count.range;
  if (range) for (let u = 0; u < out.length; u++) out[u] = range(text, bounds[u]!, bounds[u + 1]!);
  else for (let u = 0; u < out.length; u++) out[u] = count(text.slice(bounds[u]!, bounds[u + 1]!));
  return out;
}

/** Windows of `size` tokens that overlap by `overlap` tokens, cut between words. */
export function tokenWindows(text: string, size: number, overlap: number, count: CountTokens): string[] {
  const b = unitBounds(text);
  const units = b.length - 1;
  if (units === 0) return [];
  const tokens = unitTokens(text, b, count).map((t) => Math.max(1, t));
  const out: string[] = [];
  let i = 0;
  while (i < units) {
    let j = i;
    let n = 0;
    while (j < units && (n + tokens[j]! <= size || j === i)) n += tokens[j++]!;
    out.push(text.slice(b[i]!, b[j]!).trim());
    if (j >= units) break;
    // step back until `overlap` tokens are repeated, but always move forward
    let back = j;
    let o = 0;
    while (back > i + 1 && o + tokens[back - 1]! <= overlap) o += tokens[--back]!;
    i = back;
  }
  return out.filter((c) => c !== '');
}

/** Sentences packed into chunks of min..max characters; a lone sentence over max is cut by words. */
export function sentenceWindows(text: string, minChars: number, maxChars: number): string[] {
  const sentences = splitSentences(text);
  const out: string[] = [];
  let start = -1;
  let end = -1;
  const flush = () => {
    if (start >= 0) out.push(text.slice(start, end).trim());
    start = end = -1;
  };
  for (const s of sentences) {
    if (s.end - s.start > maxChars) {
      flush();
      out.push(...hardSplit(text.slice(s.start, s.end), maxChars));
      continue;
    }
    if (start >= 0 && s.end - start > maxChars) flush();
    if (start < 0) start = s.start;
    end = s.end;
    if (end - start >= minChars) flush();
  }
  if (start >= 0) {
    // a short tail joins the chunk before it when both fit
    const tail = text.slice(start, end).trim();
    const prev = out.at(-1);
    if (prev !== undefined && tail.length < minChars && prev.length + tail.length + 1 <= maxChars) out[out.length - 1] = `${prev} ${tail}`;
    else out.push(tail);
  }
  return out.filter((c) => c !== '');
}

function hardSplit(text: string, maxChars: number): string[] {
  const out: string[] = [];
  let rest = text.trim();
  while (rest.length > maxChars) {
    let cut = rest.lastIndexOf(' ', maxChars);
    if (cut < maxChars / 2) cut = maxChars;
    out.push(rest.slice(0, cut).trim());
    rest = rest.slice(cut).trim();
  }
  if (rest) out.push(rest);
  return out;
}

// Where a new file or a new top-level definition starts: good places to cut code.
const FILE_BOUNDARY = /^(--- .+ ---|diff --git .+|={3,} .+ ={3,})$/;
const DEF_BOUNDARY =
  /^(export\s+|pub(\(crate\))?\s+|public\s+|private\s+|protected\s+|static\s+|async\s+|@\w+)*(function\*?|class|interface|type|enum|def|fn|func|struct|impl|trait|module|namespace|const\s+\w+\s*=\s*(async\s*)?\(|let\s+\w+\s*=\s*(async\s*)?\()\b/;

/** Code: blocks at file and top-level definition boundaries, packed into windows of `size` tokens. */
export function codeWindows(text: string, size: number, overlap: number, count: CountTokens): string[] {
  const lines = text.split('\n');
  const blocks: string[] = [];
  let cur: string[] = [];
  for (const line of lines) {
    if ((FILE_BOUNDARY.test(line) || DEF_BOUNDARY.test(line)) && cur.some((l) => l.trim() !== '')) {
      blocks.push(cur.join('\n'));
      cur = [];
    }
    cur.push(line);
  }
  if (cur.length) blocks.push(cur.join('\n'));
  const out: string[] = [];
  let pack = '';
  let packTokens = 0;
  const flush = () => {
    if (pack.trim()) out.push(pack.replace(/^\n+|\s+$/g, ''));
    pack = '';
    packTokens = 0;
  };
  for (const b of blocks) {
    const n = count(b);
    if (n > size) {
      flush();
      out.push(...lineWindows(b, size, overlap, count));
      continue;
    }
    // a new file starts a new chunk when the current one is already substantial
    if (packTokens + n > size || (FILE_BOUNDARY.test(b.split('\n', 1)[0]!) && packTokens > size / 2)) flush();
    pack = pack ? `${pack}\n${b}` : b;
    packTokens += n;
  }
  flush();
  return out;
}

/** A block too big for one window: windows of whole lines (words only when a line is huge). */
function lineWindows(text: string, size: number, overlap: number, count: CountTokens): string[] {
  const lines = text.split('\n');
  const tok = lines.map((l) => count(`${l}\n`));
  const out: string[] = [];
  let i = 0;
  while (i < lines.length) {
    if (tok[i]! > size) {
      out.push(...tokenWindows(lines[i]!, size, overlap, count));
      i++;
      continue;
    }
    let j = i;
    let n = 0;
    while (j < lines.length && tok[j]! <= size && n + tok[j]! <= size) n += tok[j++]!;
    const chunk = lines.slice(i, j).join('\n').replace(/^\n+|\s+$/g, '');
    if (chunk) out.push(chunk);
    if (j >= lines.length) break;
    let back = j;
    let o = 0;
    while (back > i + 1 && o + tok[back - 1]! <= overlap) o += tok[--back]!;
    i = back;
  }
  return out;
}

export function chunkText(text: string, strategy: ChunkStrategy, count: CountTokens): string[] {
  switch (strategy.strategy) {
    case 'tokens':
      return tokenWindows(text, strategy.size, strategy.overlap, count);
    case 'sentences':
      return sentenceWindows(text, strategy.min_chars, strategy.max_chars);
    case 'code':
      return codeWindows(text, strategy.size, strategy.overlap, count);
  }
}

/**
 * Cuts a chunk into pieces of at most `maxTokens` by the embedder's own count, at word
 * boundaries, and returns each piece with its exact token count. Words are counted one by
 * one (memoised by the tokenizer wrapper) to find each cut; only the pieces themselves are
 * counted whole, so a long chunk costs about one pass of the tokenizer, not one per probe.
 */
export function capToTokenLimit(text: string, maxTokens: number, count: CountTokens): { text: string; tokens: number }[] {
  const whole = count(text);
  if (whole <= maxTokens) return [{ text, tokens: whole }];
  const b = unitBounds(text);
  const units = b.length - 1;
  const tk = unitTokens(text, b, count);
  const out: { text: string; tokens: number }[] = [];
  let i = 0;
  while (i < units) {
    let j = i;
    let n = 0;
    while (j < units && (j === i || n + tk[j]! <= maxTokens)) n += tk[j++]!;
    let piece = text.slice(b[i]!, b[j]!).trim();
    let tokens = count(piece);
    // merged across a word boundary the count can differ a little: step back until it fits
    while (tokens > maxTokens && j > i + 1) {
      j--;
      piece = text.slice(b[i]!, b[j]!).trim();
      tokens = count(piece);
    }
    if (tokens > maxTokens) for (const p of charSplit(piece, maxTokens, count)) out.push({ text: p, tokens: count(p) });
    else if (piece) out.push({ text: piece, tokens });
    i = j;
  }
  return out;
}

/** One "word" longer than the limit (a hash, a data URI): cut by characters. */
function charSplit(word: string, maxTokens: number, count: CountTokens): string[] {
  const out: string[] = [];
  let rest = word;
  while (rest && count(rest) > maxTokens) {
    // A token covers at least one character in practice, rarely more than four: search only
    // that far (BPE on one very long "word" is slow, so count short prefixes only).
    let lo = 1;
    let hi = Math.min(rest.length, maxTokens * 4);
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (count(rest.slice(0, mid)) <= maxTokens) lo = mid;
      else hi = mid - 1;
    }
    out.push(rest.slice(0, lo));
    rest = rest.slice(lo);
  }
  if (rest) out.push(rest);
  return out;
}

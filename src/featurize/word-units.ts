/**
 * Word-ish units with their leading whitespace, like a BPE pre-tokenizer: what chunk windows and
 * token caps cut between. They tile the text: unit i is text[bounds[i], bounds[i + 1]), the same
 * pieces as the regex `\s*[\p{L}\p{N}_]+|\s*[^\s\p{L}\p{N}_]+|\s+` matches one after another.
 *
 * A scan of char codes into one Int32Array instead of that regex's match objects: cutting code
 * windows to the embedder's limit matched and kept an object per word of every window, about a
 * third of featurize's chunking time on code.
 */
export function unitBounds(text: string): Int32Array {
  const n = text.length;
  let bounds: Int32Array = new Int32Array(Math.min(n, 64) + 1);
  let k = 1; // bounds[0] = 0
  let i = 0;
  while (i < n) {
    let j = i;
    let kind = SPACE;
    while (j < n && (kind = kindAt(text, j)) === SPACE) j += widthAt(text, j);
    // Whitespace up to the end is a unit of its own; otherwise the run of one kind after it.
    if (j < n) while (j < n && kindAt(text, j) === kind) j += widthAt(text, j);
    if (k === bounds.length) bounds = grow(bounds);
    bounds[k++] = j;
    i = j;
  }
  return bounds.subarray(0, k);
}

const SPACE = 0;
const WORD = 1;
const OTHER = 2;

// ASCII: \s is \t \n \v \f \r and space; word characters are letters, digits and '_'.
const ASCII_KIND = Uint8Array.from({ length: 128 }, (_, c) => {
  if (c === 32 || (c >= 9 && c <= 13)) return SPACE;
  if ((c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95) return WORD;
  return OTHER;
});

// Beyond ASCII, the code point's class by the same regex classes as the pattern above, remembered.
const WIDE_KIND = new Map<number, number>();
const WIDE_SPACE = /^\s$/u;
const WIDE_WORD = /^[\p{L}\p{N}_]$/u;

function kindAt(text: string, i: number): number {
  const c = text.charCodeAt(i);
  if (c < 128) return ASCII_KIND[c]!;
  const cp = text.codePointAt(i)!;
  let kind = WIDE_KIND.get(cp);
  if (kind === undefined) {
    const ch = String.fromCodePoint(cp);
    kind = WIDE_SPACE.test(ch) ? SPACE : WIDE_WORD.test(ch) ? WORD : OTHER;
    if (WIDE_KIND.size >= 65_536) WIDE_KIND.clear(); // a text of every code point stays bounded
    WIDE_KIND.set(cp, kind);
  }
  return kind;
}

/** 2 for a surrogate pair (one code point, as the `u` flag reads it), else 1. A lone surrogate is one. */
function widthAt(text: string, i: number): number {
  const c = text.charCodeAt(i);
  if (c < 0xd800 || c > 0xdbff || i + 1 >= text.length) return 1;
  const d = text.charCodeAt(i + 1);
  return d >= 0xdc00 && d <= 0xdfff ? 2 : 1;
}

function grow(a: Int32Array): Int32Array {
  const b = new Int32Array(a.length * 2);
  b.set(a);
  return b;
}

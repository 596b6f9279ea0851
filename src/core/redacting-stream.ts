import { mayBecomeSecret, secretsHoldingSpace } from './redact.js';

/**
 * Masks text that arrives in pieces (a streamed answer) as `redact` masks it whole: a secret
 * split across two pieces (`sk-ab` then `cd…`) is masked too, so the concatenated output is
 * `redact` of the concatenated input. A piece goes out at once unless its last word could
 * still become a secret (`mayBecomeSecret`: a key shape's start, a URL, the first characters
 * of a secret value, the credential after "Bearer"); such a word waits until it is written,
 * which key shapes, URLs and encoded keys end with whitespace. Each piece is masked with the
 * text sent before it in view (`postgres` sent, then `://app:pw@host`). A secret value with a
 * space in it holds back as much text as it is long. A fresh one for each text; `end` gives
 * what is still held.
 */
export function createRedactingStream(redact: (text: string) => string): { push(piece: string): string; end(): string } {
  const holdBack = secretsHoldingSpace().reduce((n, s) => Math.max(n, s.length), 0);
  let held = '';
  let sent = ''; // the end of what went out, as it came in
  /** `text` masked as it reads after `before`, without `before`. */
  const maskAfter = (before: string, text: string) => {
    const shown = redact(before);
    const masked = redact(before + text);
    if (masked.startsWith(shown)) return masked.slice(shown.length);
    // A secret began in what was sent (in a few characters, too few to hold a word back for):
    // what is left of it is masked here.
    let k = 0;
    while (k < shown.length && shown[k] === masked[k]) k++;
    return masked.slice(k);
  };
  const send = (cut: number) => {
    const text = held.slice(0, cut);
    const out = maskAfter(sent, text);
    sent = (sent + text).slice(-CONTEXT);
    held = held.slice(cut);
    return out;
  };
  return {
    push(piece) {
      held += piece;
      // The word being written, with its part sent already: what it may still become is of the whole word.
      const wordStart = lastWhitespaceEnd(held, held.length);
      const all = sent + held;
      const word = all.slice(wordStart > 0 ? sent.length + wordStart : lastWhitespaceEnd(all, all.length));
      let cut = mayBecomeSecret(word, all.slice(0, all.length - word.length)) ? wordStart : held.length;
      if (holdBack > 0) cut = Math.min(cut, lastWhitespaceEnd(held, held.length - holdBack));
      // A few places back at most: past them the text waits for its next piece (or its end).
      for (let tries = 0; cut > 0 && !cutsCleanly(cut); tries++) cut = tries < 8 ? lastWhitespaceEnd(held, cut - 1) : 0;
      return cut > 0 ? send(cut) : '';
    },
    end() {
      return send(held.length);
    },
  };

  /** Whether masking the two sides of `cut` apart masks as masking them together does. */
  function cutsCleanly(cut: number): boolean {
    const before = held.slice(0, cut);
    return maskAfter(sent, before) + maskAfter(sent + before, held.slice(cut)) === maskAfter(sent, held);
  }
}

/** Characters of text sent that the next piece is masked after: a URL's scheme, "Authorization: Bearer ". */
const CONTEXT = 256;

/** The index just after the last whitespace character before `end` (0 when there is none). */
function lastWhitespaceEnd(text: string, end: number): number {
  for (let i = Math.min(end, text.length) - 1; i >= 0; i--) if (/\s/.test(text[i]!)) return i + 1;
  return 0;
}

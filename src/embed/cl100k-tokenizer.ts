import { createRequire } from 'node:module';

type Cl100k = { countTokens(text: string, opts?: { disallowedSpecial?: Set<string> }): number };
type Reference = { encode(text: string, allowed: string[], disallowed: string[]): number[] };

let encoder: Cl100k | undefined;
let reference: Reference | undefined;

/**
 * OpenAI's cl100k_base BPE, loaded once, on first use: the tokenizer of the OpenAI embedding
 * models, and the one used for embedders that bring none (hashing) and for token windows.
 * gpt-tokenizer: the same counts as js-tiktoken (test/embed/cl100k-tokenizer.test.ts) at ~5×
 * its speed and a fifth of its load time (bench/featurize.ts compares it with js-tiktoken and
 * tiktoken's WASM build). Loaded lazily through its CommonJS build, so a command that only
 * embeds a query never pays for the ranks and countTokens stays synchronous.
 */
function cl100k(): Cl100k {
  if (!encoder) {
    const require = createRequire(import.meta.url);
    encoder = require('gpt-tokenizer/cjs/encoding/cl100k_base') as Cl100k;
  }
  return encoder;
}

/**
 * js-tiktoken, for the rare text holding a U+FEFF: gpt-tokenizer 4.0 drops a byte-order mark
 * at the start of a pre-token (its UTF-8 decoding strips it) and counts one token too many.
 */
function referenceEncoder(): Reference {
  if (!reference) {
    const require = createRequire(import.meta.url);
    const { Tiktoken } = require('js-tiktoken/lite') as typeof import('js-tiktoken/lite');
    const ranks = require('js-tiktoken/ranks/cl100k_base') as { default?: unknown };
    reference = new Tiktoken((ranks.default ?? ranks) as ConstructorParameters<typeof Tiktoken>[0]);
  }
  return reference;
}

// "<|endoftext|>" inside a document is text to count, not a control token (the default refuses it).
const AS_TEXT = { disallowedSpecial: new Set<string>() };

/** cl100k_base tokens of `text`, special-token markers counted as the text they are. */
export function countCl100k(text: string): number {
  if (text.includes('\ufeff')) return referenceEncoder().encode(text, [], []).length;
  return cl100k().countTokens(text, AS_TEXT);
}

/** Token counts of text pieces, memoised: words repeat, so windows cost one encode per distinct piece. */
export class TokenCounter {
  private readonly cache = new Map<string, number>();
  count(text: string): number {
    if (text.length > 64) return countCl100k(text);
    let n = this.cache.get(text);
    if (n === undefined) {
      n = countCl100k(text);
      if (this.cache.size > 200_000) this.cache.clear();
      this.cache.set(text, n);
    }
    return n;
  }
}

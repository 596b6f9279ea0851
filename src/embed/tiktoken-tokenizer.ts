import { createRequire } from 'node:module';
import type { Tiktoken } from 'js-tiktoken/lite';

let encoder: Tiktoken | undefined;

/**
 * OpenAI's cl100k_base BPE (js-tiktoken), loaded once, on first use: the tokenizer of the
 * OpenAI embedding models, and the one used for embedders that bring none (hashing) and for
 * token windows. Loading its ranks costs ~0.3 s and ~100 MB, which a command that only embeds
 * a query (`inspect search`) never needs to pay; hence synchronous and lazy (the CommonJS
 * build, so countTokens can stay synchronous).
 */
function cl100k(): Tiktoken {
  if (!encoder) {
    const require = createRequire(import.meta.url);
    const { Tiktoken: Encoder } = require('js-tiktoken/lite') as typeof import('js-tiktoken/lite');
    const ranks = require('js-tiktoken/ranks/cl100k_base') as { default?: unknown };
    encoder = new Encoder((ranks.default ?? ranks) as ConstructorParameters<typeof Encoder>[0]);
  }
  return encoder;
}

/** Token counts of text pieces, memoised: words repeat, so windows cost one encode per distinct piece. */
export class TokenCounter {
  private readonly cache = new Map<string, number>();
  private enc: Tiktoken | undefined;
  /** `load` runs on the first count, not before. */
  constructor(private readonly load: () => Tiktoken = cl100k) {}
  count(text: string): number {
    this.enc ??= this.load();
    if (text.length > 64) return this.enc.encode(text).length;
    let n = this.cache.get(text);
    if (n === undefined) {
      n = this.enc.encode(text).length;
      if (this.cache.size > 200_000) this.cache.clear();
      this.cache.set(text, n);
    }
    return n;
  }
}

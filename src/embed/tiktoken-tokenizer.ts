import type { Tiktoken } from 'js-tiktoken/lite';

let encoder: Promise<Tiktoken> | undefined;

/**
 * OpenAI's cl100k_base BPE (js-tiktoken), loaded once: the tokenizer of the OpenAI embedding
 * models, and the one used for embedders that bring none (hashing) and for token windows.
 */
export function loadCl100k(): Promise<Tiktoken> {
  encoder ??= (async () => {
    const { Tiktoken } = await import('js-tiktoken/lite');
    const { default: ranks } = await import('js-tiktoken/ranks/cl100k_base');
    return new Tiktoken(ranks);
  })();
  return encoder;
}

/** Token counts of text pieces, memoised: words repeat, so windows cost one encode per distinct piece. */
export class TokenCounter {
  private readonly cache = new Map<string, number>();
  constructor(private readonly enc: Tiktoken) {}
  count(text: string): number {
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

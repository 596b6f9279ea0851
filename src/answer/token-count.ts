import { boundedMemo } from '../core/bounded-memo.js';
import { TokenCounter } from '../embed/cl100k-tokenizer.js';

/** How many tokens a text takes in the model's context. */
export type CountTokens = (text: string) => number;

let shared: TokenCounter | undefined;

// Longer texts are remembered too, by their whole text: a long-lived process (serve, chat,
// `ask --in`) packs the same retrieved chunks into prompt after prompt, and counting them again
// was a tenth of the server's CPU per answer (bench/serve). Bounded by the characters held;
// past the bound the memo starts over. Texts longer than MAX_REMEMBERED (a whole prompt, seen
// once) are counted and not kept.
const MAX_REMEMBERED = 16_384;
const remembered = boundedMemo<string, number>(8_000_000, (text) => text.length);

/**
 * cl100k_base (OpenAI's tokenizer), loaded on the first count: exact for OpenAI models and
 * close for the others, whose tokenizers are not public (Anthropic) or not at hand (Ollama).
 * A budget is a ceiling chosen with room to spare, so "close" is what it needs.
 */
export const countTokens: CountTokens = (text) => {
  const counter = (shared ??= new TokenCounter());
  if (text.length <= 64 || text.length > MAX_REMEMBERED) return counter.count(text);
  return remembered(text, () => counter.count(text));
};

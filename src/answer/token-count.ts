import { TokenCounter } from '../embed/cl100k-tokenizer.js';

/** How many tokens a text takes in the model's context. */
export type CountTokens = (text: string) => number;

let shared: TokenCounter | undefined;

/**
 * cl100k_base (OpenAI's tokenizer), loaded on the first count: exact for OpenAI models and
 * close for the others, whose tokenizers are not public (Anthropic) or not at hand (Ollama).
 * A budget is a ceiling chosen with room to spare, so "close" is what it needs.
 */
export const countTokens: CountTokens = (text) => (shared ??= new TokenCounter()).count(text);

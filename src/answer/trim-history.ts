import type { ChatMessage } from '../llm/types.js';
import type { CountTokens } from './token-count.js';

/** Tokens a provider adds around each message (role, delimiters): OpenAI's documented ~4. */
export const MESSAGE_OVERHEAD_TOKENS = 4;

/** What one message costs in the context. */
export function messageTokens(m: ChatMessage, count: CountTokens): number {
  return count(m.content) + MESSAGE_OVERHEAD_TOKENS;
}

/**
 * The newest prior turns that fit in `budget` tokens, in order. A turn is a user message and
 * the replies after it, kept or dropped whole, oldest first, so the model never sees an answer
 * without its question; the history starts with a user message, as every provider requires.
 * The system prompt and the retrieved sources are not history: the caller counts them first
 * and passes what is left.
 */
export function trimHistory(history: ChatMessage[], budget: number, count: CountTokens): ChatMessage[] {
  const turns: ChatMessage[][] = [];
  for (const m of history) {
    if (m.role === 'user') turns.push([m]);
    else turns.at(-1)?.push(m); // replies before the first question have nothing to answer: dropped
  }
  const kept: ChatMessage[][] = [];
  let used = 0;
  for (let i = turns.length - 1; i >= 0; i--) {
    const cost = turns[i]!.reduce((sum, m) => sum + messageTokens(m, count), 0);
    if (used + cost > budget) break; // an older turn without the newer ones would read out of order
    kept.unshift(turns[i]!);
    used += cost;
  }
  return kept.flat();
}

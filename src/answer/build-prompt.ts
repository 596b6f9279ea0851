import { UsageError } from '../core/errors.js';
import type { ChatMessage } from '../llm/types.js';
import type { AnswerSource } from './answer-types.js';
import { packSources, renderSources, type PackedSource } from './pack-sources.js';
import type { CountTokens } from './token-count.js';
import { MESSAGE_OVERHEAD_TOKENS, messageTokens, trimHistory } from './trim-history.js';

const SYSTEM_PROMPT = [
  'You answer questions from the numbered sources given with each question, and from nothing else.',
  'After every statement, cite the sources that support it by their numbers in square brackets, such as [1] or [1, 3].',
  'Cite only sources that say what you state. Keep the answer short and in the language of the question.',
  "If the sources do not answer the question, say \"I don't know\" and what is missing; do not guess.",
].join('\n');

export type Prompt = {
  system: string;
  /** Earlier turns that fitted, then the question with its sources. */
  messages: ChatMessage[];
  /** The sources the prompt holds, numbered as the model sees them. */
  sources: PackedSource[];
  /** History messages dropped to fit the budget. */
  droppedHistory: number;
};

/** The last user message: the sources, then the question. */
function questionMessage(question: string, sourcesBlock: string): string {
  const sources = sourcesBlock === '' ? 'Sources: none were found.' : `Sources:\n\n${sourcesBlock}`;
  return `${sources}\n\nQuestion: ${question}`;
}

/**
 * The prompt within `budget` tokens. The system prompt and the question come first; the
 * retrieved sources fill what is left (best first, the last one cut to fit); earlier turns get
 * whatever room the sources did not need, the oldest dropped first.
 */
export function buildPrompt(o: { question: string; sources: AnswerSource[]; history?: ChatMessage[]; budget: number; count: CountTokens }): Prompt {
  const fixed = o.count(SYSTEM_PROMPT) + MESSAGE_OVERHEAD_TOKENS + messageTokens({ role: 'user', content: questionMessage(o.question, '') }, o.count);
  if (fixed > o.budget) throw new UsageError(`--budget ${o.budget}: too small for the system prompt and the question (${fixed} tokens); raise it`);
  // "Sources:\n\n" replaces "Sources: none were found." once there are any: count the larger.
  const sources = packSources(o.sources, o.budget - fixed, o.count);
  const block = renderSources(sources);
  const last: ChatMessage = { role: 'user', content: questionMessage(o.question, block) };
  // The whole prompt is counted only to size the history: a first question has none to fit.
  const used = () => o.count(SYSTEM_PROMPT) + MESSAGE_OVERHEAD_TOKENS + messageTokens(last, o.count);
  const history = o.history && o.history.length > 0 ? trimHistory(o.history, Math.max(0, o.budget - used()), o.count) : [];
  return { system: SYSTEM_PROMPT, messages: [...history, last], sources, droppedHistory: (o.history?.length ?? 0) - history.length };
}

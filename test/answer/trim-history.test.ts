import { describe, expect, it } from 'vitest';
import { buildPrompt } from '../../src/answer/build-prompt.js';
import { countTokens } from '../../src/answer/token-count.js';
import { messageTokens, trimHistory } from '../../src/answer/trim-history.js';
import type { ChatMessage } from '../../src/llm/types.js';
import { prose, source } from './sources.js';

const turn = (i: number): ChatMessage[] => [
  { role: 'user', content: `Question ${i}: ${prose(30, `q${i}`)}` },
  { role: 'assistant', content: `Answer ${i}: ${prose(60, `a${i}`)}` },
];
const history = [1, 2, 3, 4].flatMap(turn);
const cost = (ms: ChatMessage[]) => ms.reduce((s, m) => s + messageTokens(m, countTokens), 0);

describe('trimming the conversation to the budget', () => {
  it('keeps everything that fits', () => {
    expect(trimHistory(history, 100_000, countTokens)).toEqual(history);
  });

  it('drops the oldest turns first, whole turns only', () => {
    const lastTwo = [3, 4].flatMap(turn);
    const kept = trimHistory(history, cost(lastTwo) + 5, countTokens);
    expect(kept).toEqual(lastTwo);
    expect(trimHistory(history, cost(lastTwo) - 1, countTokens)).toEqual(turn(4));
    expect(trimHistory(history, 3, countTokens)).toEqual([]);
  });

  it('starts with a question: a reply with no question before it is dropped', () => {
    const orphan: ChatMessage[] = [{ role: 'assistant', content: 'Welcome back.' }, ...turn(1)];
    expect(trimHistory(orphan, 100_000, countTokens)).toEqual(turn(1));
  });

  it('in a prompt, the system prompt and the retrieved sources are kept; history gets what is left', () => {
    const sources = [source(1, prose(150, 'src'))];
    const roomy = buildPrompt({ question: 'And then?', sources, history, budget: 100_000, count: countTokens });
    expect(roomy.messages).toHaveLength(history.length + 1);
    expect(roomy.droppedHistory).toBe(0);
    const tight = buildPrompt({ question: 'And then?', sources, history, budget: countTokens(roomy.system) + 350, count: countTokens });
    expect(tight.sources.map((s) => [s.id, s.cut])).toEqual([['chunk-1', false]]);
    expect(tight.droppedHistory).toBeGreaterThan(0);
    // What is kept is the newest turns, then the question with its sources.
    expect(tight.messages.slice(0, -1)).toEqual(history.slice(tight.droppedHistory));
    expect(tight.messages.at(-1)!.content).toContain('Question: And then?');
  });
});

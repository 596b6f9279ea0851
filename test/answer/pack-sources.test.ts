import { describe, expect, it } from 'vitest';
import { MIN_CUT_TOKENS, packSources, renderSources } from '../../src/answer/pack-sources.js';
import { buildPrompt } from '../../src/answer/build-prompt.js';
import { MESSAGE_OVERHEAD_TOKENS } from '../../src/answer/trim-history.js';
import { countTokens } from '../../src/answer/token-count.js';
import { UsageError } from '../../src/core/errors.js';
import { prose, source } from './sources.js';

const three = [source(1, prose(120, 'first')), source(2, prose(120, 'second')), source(3, prose(120, 'third'))];

/** What a prompt costs as the budget counts it: system, then every message with its overhead. */
const promptTokens = (p: ReturnType<typeof buildPrompt>) =>
  countTokens(p.system) + MESSAGE_OVERHEAD_TOKENS + p.messages.reduce((s, m) => s + countTokens(m.content) + MESSAGE_OVERHEAD_TOKENS, 0);

describe('packing retrieved sources into the context budget', () => {
  it('keeps every source whole, numbered best first, when all fit', () => {
    const packed = packSources(three, 10_000, countTokens);
    expect(packed.map((p) => [p.n, p.id, p.cut])).toEqual([
      [1, 'chunk-1', false],
      [2, 'chunk-2', false],
      [3, 'chunk-3', false],
    ]);
    expect(renderSources(packed)).toContain('[2] Document 2 (https://example.org/doc-2)\n');
  });

  it('never goes over the budget, whatever the budget', () => {
    for (let budget = 10; budget <= 600; budget += 7) {
      const packed = packSources(three, budget, countTokens);
      expect(countTokens(renderSources(packed)), `budget ${budget}`).toBeLessThanOrEqual(budget);
    }
  });

  it('cuts the first source that does not fit rather than dropping it, and stops there', () => {
    const whole = countTokens(renderSources(packSources(three.slice(0, 1), 10_000, countTokens)));
    const packed = packSources(three, whole + 80, countTokens);
    expect(packed.map((p) => [p.id, p.cut])).toEqual([
      ['chunk-1', false],
      ['chunk-2', true],
    ]);
    expect(packed[0]!.text).toBe(three[0]!.text);
    // A start of the chunk, cut between words, marked as cut.
    const cut = packed[1]!.text;
    expect(cut.endsWith(' …')).toBe(true);
    expect(three[1]!.text.startsWith(cut.slice(0, -2))).toBe(true);
    expect(cut.length).toBeGreaterThan(100);
  });

  it('drops the rest when the room left is too small to be worth a cut', () => {
    const whole = countTokens(renderSources(packSources(three.slice(0, 1), 10_000, countTokens)));
    const packed = packSources(three, whole + MIN_CUT_TOKENS - 10, countTokens);
    expect(packed.map((p) => p.id)).toEqual(['chunk-1']);
  });

  it('a whole prompt (system, question, sources) stays within the budget and keeps the best source', () => {
    for (const budget of [200, 300, 450, 800]) {
      const p = buildPrompt({ question: 'What does the river carry?', sources: three, budget, count: countTokens });
      expect(promptTokens(p), `budget ${budget}`).toBeLessThanOrEqual(budget);
      expect(p.sources[0]?.id).toBe('chunk-1');
      expect(p.messages.at(-1)!.content).toMatch(/^Sources:\n\n\[1\] Document 1[\s\S]*\n\nQuestion: What does the river carry\?$/);
    }
  });

  it('refuses a budget too small for the instructions and the question, naming --budget', () => {
    expect(() => buildPrompt({ question: 'Why?', sources: three, budget: 20, count: countTokens })).toThrow(UsageError);
    expect(() => buildPrompt({ question: 'Why?', sources: three, budget: 20, count: countTokens })).toThrow(/--budget 20: too small/);
  });
});

import { describe, expect, it } from 'vitest';
import { answerQuestion, EXTRACTIVE_MODEL } from '../../src/answer/answer-question.js';
import { extractiveAnswer, NO_MATCH_ANSWER, NO_SOURCES_ANSWER } from '../../src/answer/extractive-answer.js';
import { packSources } from '../../src/answer/pack-sources.js';
import { countTokens } from '../../src/answer/token-count.js';
import { source } from './sources.js';

const sources = [
  source(1, 'Lighthouses guide ships along the coast. Their lamps were once fuelled by whale oil. Keepers lived beside them for months.'),
  source(2, 'The Eddystone lighthouse stands fourteen kilometres off Plymouth. It was first lit in 1698. Storms destroyed the early towers.'),
  source(3, 'Harbour pilots board arriving ships. Tugs help them berth. Most harbours charge a pilotage fee.'),
];

describe('the extractive answer (no model)', () => {
  it('quotes the sentence that answers and cites the chunk that holds it', async () => {
    const texts: string[] = [];
    const a = await answerQuestion({ question: 'When was the Eddystone lighthouse first lit?', sources, budgetTokens: 2000, traceId: 't-1', onText: (t) => texts.push(t) });
    expect(a.answer.startsWith('It was first lit in 1698. [2]')).toBe(true);
    const citation = a.citations.find((c) => c.n === 2);
    expect(citation).toMatchObject({ chunk_id: 'chunk-2', document_id: 'doc-2', title: 'Document 2' });
    const cited = sources.find((s) => s.id === citation!.chunk_id)!;
    expect(cited.text).toContain('It was first lit in 1698.');
    expect(a).toMatchObject({ mode: 'extractive', provider: 'local', model: EXTRACTIVE_MODEL, call_id: null, cost_usd: 0, trace_id: 't-1', finish_reason: 'stop' });
    // The whole text once, as a stream of one piece.
    expect(texts).toEqual([a.answer]);
  });

  it('weighs rare words over common ones and cites every sentence it quotes', () => {
    const text = extractiveAnswer('What did ships burn in lighthouse lamps, whale oil?', packSources(sources, 2000, countTokens));
    expect(text.split(' [')[0]).toBe('Their lamps were once fuelled by whale oil.');
    for (const quoted of text.split(/ \[\d+\] ?/).filter(Boolean)) expect(sources.some((s) => s.text.includes(quoted))).toBe(true);
  });

  it('between equally good sentences, quotes the better-ranked source first', () => {
    const twins = [source(1, 'Copper roofs turn green with age.'), source(2, 'Slate roofs last a century.'), source(3, 'Copper roofs turn green in the rain.')];
    expect(extractiveAnswer('Why do copper roofs turn green?', packSources(twins, 2000, countTokens))).toMatch(/^Copper roofs turn green with age\. \[1\]/);
    const reversed = [twins[2]!, twins[1]!, twins[0]!].map((t, i) => ({ ...t, rank: i + 1 }));
    expect(extractiveAnswer('Why do copper roofs turn green?', packSources(reversed, 2000, countTokens))).toMatch(/^Copper roofs turn green in the rain\. \[1\]/);
  });

  it("says it does not know when no sentence shares a word with the question, and cites nothing", async () => {
    const a = await answerQuestion({ question: 'Quantum chromodynamics?', sources, budgetTokens: 2000, traceId: 't-2' });
    expect(a.answer).toBe(NO_MATCH_ANSWER);
    expect(a.citations).toEqual([]);
    expect((await answerQuestion({ question: 'Anything?', sources: [], budgetTokens: 2000, traceId: 't-3' })).answer).toBe(NO_SOURCES_ANSWER);
  });

  it('quotes only what the budget let in', async () => {
    const long = [source(1, `${'Filler words about nothing much at all. '.repeat(60)}The harbour fee is twelve euros.`), ...sources.slice(1)];
    const a = await answerQuestion({ question: 'How much is the harbour fee?', sources: long, budgetTokens: 250, traceId: 't-4' });
    expect(a.answer).not.toContain('twelve euros');
  });
});

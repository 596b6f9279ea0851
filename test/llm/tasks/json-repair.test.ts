import { describe, expect, it } from 'vitest';
import { extractFirstJsonObject, parseLenient, parseStrict } from '../../../src/llm/json-repair.js';
import { sentimentSchema } from '../../../src/llm/tasks/sentiment-task.js';

describe('JSON repair', () => {
  it('accepts a clean answer as is', () => {
    expect(parseStrict('{"label":"positive","confidence":0.9}', sentimentSchema)).toEqual({ ok: true, value: { label: 'positive', confidence: 0.9 }, repaired: false });
  });

  it.each([
    ['prose around it', 'Sure! Here is the result: {"label": "negative", "confidence": 0.8}. Hope it helps.', { label: 'negative', confidence: 0.8 }],
    ['code fences', '```json\n{"label": "neutral", "confidence": 0.55}\n```', { label: 'neutral', confidence: 0.55 }],
    ['trailing commas', '{"label": "positive", "confidence": 0.7,}', { label: 'positive', confidence: 0.7 }],
    ['a label in another case', '{"label": "Positive", "confidence": 0.6}', { label: 'positive', confidence: 0.6 }],
    ['braces inside strings', 'note {"label": "neutral", "confidence": 0.5, "why": "a } in text"}', { label: 'neutral', confidence: 0.5 }],
  ])('repairs %s', (_name, text, expected) => {
    const r = parseLenient(text, sentimentSchema);
    expect(r).toEqual({ ok: true, value: expected, repaired: true });
  });

  it.each([
    ['no JSON at all', 'I think it is positive.'],
    ['an invalid label', '{"label": "happy", "confidence": 0.9}'],
    ['confidence out of range', '{"label": "positive", "confidence": 7}'],
    ['broken JSON', '{"label": "positive", "confidence": }'],
  ])('refuses %s', (_name, text) => {
    expect(parseLenient(text, sentimentSchema).ok).toBe(false);
  });

  it('finds the first balanced object', () => {
    expect(extractFirstJsonObject('x {"a": {"b": 1}} {"c": 2}')).toBe('{"a": {"b": 1}}');
    expect(extractFirstJsonObject('no braces')).toBeNull();
  });
});

import { describe, expect, it } from 'vitest';
import { getPath } from '../../src/core/dot-path.js';

describe('getPath: one dot-path rule for every command', () => {
  const rec = {
    a: { b: { c: 'deep' } },
    list: [{ t: 'first' }, { t: 'last' }],
    metadata: { 'user.id': 'u1' },
    'a.b': 'literal key',
    input: JSON.stringify({ question: 'q?', context: 'ctx', messages: [{ content: 'hi' }] }),
    text: '{not json',
  };

  it('walks objects and arrays; -1 is the last element', () => {
    expect(getPath(rec, 'a.b.c')).toBe('deep');
    expect(getPath(rec, 'list.0.t')).toBe('first');
    expect(getPath(rec, 'list.-1.t')).toBe('last');
    expect(getPath(rec, 'list.x')).toBeUndefined();
    expect(getPath(rec, '')).toBe(rec);
  });

  it('finds a key that holds dots; an exact key wins over the nested path', () => {
    expect(getPath(rec, 'metadata.user.id')).toBe('u1');
    expect(getPath(rec, 'a.b')).toBe('literal key');
  });

  it('reaches into a string that holds JSON (Langfuse input/output)', () => {
    expect(getPath(rec, 'input.context')).toBe('ctx');
    expect(getPath(rec, 'input.messages.-1.content')).toBe('hi');
    expect(getPath(rec, 'input')).toBe(rec.input); // the string itself when nothing is asked of it
    expect(getPath(rec, 'text.x')).toBeUndefined();
  });

  it('never reads inherited properties', () => {
    expect(getPath(rec, 'constructor')).toBeUndefined();
    expect(getPath(rec, 'a.toString')).toBeUndefined();
  });
});

import { describe, expect, it } from 'vitest';
import { boundedMemo } from '../../src/core/bounded-memo.js';

describe('boundedMemo', () => {
  it('makes a value once per key while the weight fits, and starts over past it', () => {
    let made = 0;
    const memo = boundedMemo<string, number>(10, (key) => key.length);
    const get = (key: string) => memo(key, () => (made++, key.length * 100));
    expect([get('abcd'), get('abcd'), get('efgh')]).toEqual([400, 400, 400]);
    expect(made).toBe(2); // 8 of 10 held
    expect(get('ijk')).toBe(300); // 11 > 10: everything forgotten, 'ijk' kept alone
    expect(made).toBe(3);
    get('abcd');
    expect(made).toBe(4); // made again after the start-over
    get('ijk');
    expect(made).toBe(4); // still held (3 + 4 = 7)
  });
});

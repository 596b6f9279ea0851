import { describe, expect, it } from 'vitest';
import { v5 as uuidv5 } from 'uuid';
import { deterministicId } from '../../src/core/ids.js';

const NAMESPACE = '6f1f8a4e-3c8b-5d0e-9a43-7d1c2f6b9e10';

describe('deterministic ids', () => {
  it('are the UUIDv5 the uuid package makes of the joined parts, so ids stored before stay the ids', () => {
    const parts = [
      ['chunk', 'hashing:v1-d1024-b0.5-c0.35', 'doc-1', '0', 'a'.repeat(64)],
      ['doc', 'ingest', 'id', '9007199254740993'],
      ['doc', 'src', 'link', 'https://example.com/ünïcödé?q=日本'],
      ['doc', 'src', 'content', '🎉 emoji \u200d and NUL-free text'],
      [''],
    ];
    // Code points across the planes (1-, 2-, 3- and 4-byte UTF-8), surrogates' range stepped over.
    const cp = (i: number) => ((c) => (c >= 0xd800 && c <= 0xdfff ? c + 0x800 : c))(0x20 + i * 997);
    for (let i = 0; i < 200; i++) parts.push(['item', String(i), 'x'.repeat(i), String.fromCodePoint(cp(i))]);
    for (const p of parts) expect(deterministicId(...p)).toBe(uuidv5(p.join('\u0000'), NAMESPACE));
    expect(deterministicId('doc', 'ingest', 'id', '1')).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });

  it('refuse a lone surrogate, as before, instead of making it U+FFFD (two names, one id)', () => {
    expect(() => deterministicId('doc', 'ingest', 'id', '\ud800')).toThrow();
    expect(() => deterministicId('doc', 'ingest', 'id', 'a\udc00b')).toThrow();
  });
});

import stringWidth from 'string-width';
import { describe, expect, it } from 'vitest';
import { formatTable } from '../../src/app/table.js';
import { truncate } from '../../src/app/terminal-text.js';

describe('truncate', () => {
  it('counts CJK and emoji as two columns and never splits a grapheme', () => {
    expect(truncate('abcdef', 6)).toBe('abcdef');
    expect(truncate('abcdef', 4)).toBe('abc…');
    expect(truncate('密集检索', 5)).toBe('密集…');
    expect(stringWidth(truncate('密集检索', 6))).toBeLessThanOrEqual(6);
    // A family emoji is one grapheme of several code points: kept whole or dropped whole.
    const family = '👨‍👩‍👧';
    expect(truncate(`${family}${family}x`, 4)).toBe(`${family}…`);
    expect(truncate('anything', 0)).toBe('');
  });
});

describe('formatTable', () => {
  const headers = ['id', 'title', 'n'];
  const rows = [
    ['d1', 'A very long title that would never fit in a narrow terminal at all', '12'],
    ['d2', '短い題名とても長い題名です', '3'],
  ];

  it('fits the width: the widest column gives way first, short columns stay whole', () => {
    for (const width of [30, 40, 60]) {
      const lines = formatTable(headers, rows, { width, rule: true, align: ['left', 'left', 'right'] });
      for (const l of lines) expect(stringWidth(l), `${width}: ${l}`).toBeLessThanOrEqual(width);
      expect(lines[2]).toMatch(/^d1 {2}A very .*…/);
      expect(lines[2]).toMatch(/ 12$/);
      expect(lines[3]).toMatch(/ {2}3$/);
    }
  });

  it('keeps an id column whole while another column can give way, even when it is the widest', () => {
    const id = 'a3c5e1f0-1b2c-4d5e-8f90-123456789abc:12';
    const lines = formatTable(['sentence_id', 'label', 'model'], [[id, 'positive', 'llmops-lexicon-v2']], { width: 60, keep: [true, false, false] });
    expect(lines[1]).toContain(id);
    for (const l of lines) expect(stringWidth(l)).toBeLessThanOrEqual(60);
    // Without keep, the widest column (the id) was cut first.
    expect(formatTable(['sentence_id', 'label', 'model'], [[id, 'positive', 'llmops-lexicon-v2']], { width: 60 })[1]).not.toContain(id);
  });

  it('leaves a table that fits as it is, and cuts lines when even the narrowest columns do not fit', () => {
    const wide = formatTable(headers, rows, { width: 200 });
    expect(wide[1]).toContain(rows[0]![1]);
    const tiny = formatTable(['a', 'b', 'c', 'd', 'e', 'f'], [['xxxxxxxx', 'yyyyyyyy', 'zzzzzzzz', 'wwwwwwww', 'vvvvvvvv', 'uuuuuuuu']], { width: 20, indent: 2 });
    for (const l of tiny) expect(stringWidth(l)).toBeLessThanOrEqual(20);
  });
});

import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';

describe('llmops dedup: records without the key', () => {
  it('one summary line with the count and the first line numbers, not one line per record', async () => {
    const input = ['{"id":1}', ...Array.from({ length: 40 }, (_, i) => `{"other":${i}}`), '{"id":2}'].join('\n') + '\n';
    const r = await runCli(['dedup', '--in', '-', '--out', '-', '--key', 'id'], { input });
    expect(r.code).toBe(2);
    const lines = r.stderr.trim().split('\n');
    expect(lines).toEqual(['llmops: dedup: <stdin>: 40 records without key field (id): lines 2, 3, 4, 5, 6, …']);
  });

  it('with other bad lines too: each bad line, then one line for the missing keys', async () => {
    const r = await runCli(['dedup', '--in', '-', '--field', 'text'], { input: '{"text":"a"}\n{"x":1}\n{"x":2}\n{oops\n' });
    expect(r.code).toBe(2);
    const lines = r.stderr.trim().split('\n');
    expect(lines).toHaveLength(3);
    expect(lines[0]).toMatch(/^<stdin>:4: /);
    expect(lines[1]).toBe('<stdin>: 2 records without field "text": lines 2, 3');
    expect(lines[2]).toBe('llmops: dedup: 3 bad record(s)');
  });
});

import { readFileSync, readdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { tempDir } from '../helpers/databases.js';

// `split --in docs.jsonl --out docs.jsonl` read the whole input, then renamed the sentences over
// it: exit 0 and the documents gone. An output naming the input (by a link too) is refused
// before anything is read, as one onto the database is.
describe('an output path that is the input file', () => {
  it('split, analyse and dedup refuse it: one line, exit 2, the input left as it was', async () => {
    const d = tempDir();
    try {
      const input = join(d.path, 'docs.jsonl');
      const content = '{"id":"a","text":"One sentence. Two sentences."}\n{"id":"b","text":"Another one."}\n';
      writeFileSync(input, content);
      symlinkSync(input, join(d.path, 'link.jsonl'));
      for (const args of [
        ['split', '--in', 'docs.jsonl', '--out', 'docs.jsonl'],
        ['analyse', '--in', 'docs.jsonl', '--out', 'link.jsonl'],
        ['dedup', '--in', 'docs.jsonl', '--key', 'id', '--out', 'docs.jsonl'],
        ['dedup', '--in', 'docs.jsonl', '--near', '--field', 'text', '--report', 'link.jsonl'],
      ]) {
        const r = await runCli(args, { cwd: d.path });
        expect(r.code, args.join(' ')).toBe(2);
        expect(r.stderr.trimEnd().split('\n'), args.join(' ')).toEqual([expect.stringMatching(/cannot write (docs|link)\.jsonl: that is the input \(docs\.jsonl\)/)]);
        expect(readFileSync(input, 'utf8')).toBe(content);
      }
      expect(readdirSync(d.path).sort()).toEqual(['docs.jsonl', 'link.jsonl']);
    } finally {
      d.remove();
    }
  });
});

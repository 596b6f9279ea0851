import { describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { writeFileSync } from 'node:fs';
import { ndjson, runCli } from '../helpers/cli.js';
import { tempDir } from '../helpers/databases.js';

// One record, its text nested and, in the second, inside a JSON string (as Langfuse exports it).
const records = [
  { id: 'r1', payload: { text: 'I love this phone. The battery is great.' } },
  { id: 'r2', payload: JSON.stringify({ text: 'The screen cracked. Support never answered.' }) },
];
const input = records.map((r) => JSON.stringify(r)).join('\n') + '\n';

describe('--text-field a.b reaches nested and JSON-string fields in every command', () => {
  it('split --in and analyse --in', async () => {
    const s = await runCli(['split', '--in', '-', '--out', '-', '--text-field', 'payload.text'], { input });
    expect(s.code, s.stderr).toBe(0);
    expect(ndjson(s.stdout).map((x) => x.text)).toEqual(['I love this phone.', 'The battery is great.', 'The screen cracked.', 'Support never answered.']);
    const a = await runCli(['analyse', '--in', '-', '--out', '-', '--text-field', 'payload.text'], { input });
    expect(a.code, a.stderr).toBe(0);
    expect(ndjson(a.stdout).map((x) => [x.id, x.status])).toEqual([['r1', 'ok'], ['r2', 'ok']]);
  });

  it('ingest and dedup', async () => {
    const dir = tempDir();
    try {
      const file = join(dir.path, 'in.jsonl');
      writeFileSync(file, input);
      const db = join(dir.path, 'x.db');
      const i = await runCli(['--db', db, 'ingest', file, '--text-field', 'payload.text']);
      expect(i.code, i.stderr).toBe(0);
      const docs = ndjson((await runCli(['--db', db, 'inspect', 'documents', '--json'])).stdout);
      expect(docs.map((d) => d.chars).sort()).toEqual([40, 43]);
      const d = await runCli(['dedup', '--in', '-', '--out', '-', '--field', 'payload.text'], { input: input + input });
      expect(d.code, d.stderr).toBe(0);
      expect(ndjson(d.stdout).map((x) => x.id)).toEqual(['r1', 'r2']);
    } finally {
      dir.remove();
    }
  });
});

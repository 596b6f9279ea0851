import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { hasScript, runCli, runOnTerminal } from '../helpers/cli.js';
import { tempDir } from '../helpers/databases.js';

const dir = tempDir();
afterAll(() => dir.remove());

describe.skipIf(!hasScript)('progress of featurize and split on a terminal', () => {
  it('shows a bar with the count, the rate per second and an ETA', async () => {
    const lines = Array.from({ length: 300 }, (_, i) => JSON.stringify({ id: `d${i}`, text: `Document ${i} talks about search. It has two sentences.` }));
    writeFileSync(join(dir.path, 'docs.jsonl'), `${lines.join('\n')}\n`);
    const ingest = await runCli(['--db', 'p.db', 'ingest', 'docs.jsonl'], { cwd: dir.path });
    expect(ingest.code, ingest.stderr).toBe(0);
    for (const [command, extra] of [['split', []], ['featurize', ['--embedder', 'hashing']]] as const) {
      const shown = await runOnTerminal(['--db', 'p.db', command, '--batch-size', '50', ...extra], { cwd: dir.path });
      expect(shown).toMatch(new RegExp(`${command} \\[[^\\]]+\\] 100% \\| 300/300 documents \\| [\\d,.]+ documents/s \\| eta \\S+`));
    }
  }, 120_000);
});

import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { hasScript, runOnTerminal } from '../helpers/cli.js';
import { tempDir } from '../helpers/databases.js';

const onTerminal = (args: string, cwd: string) => runOnTerminal(args.split(' '), { cwd });

describe.skipIf(!hasScript)('on a terminal', () => {
  it('prints a readable summary and a progress bar; --json prints NDJSON instead', async () => {
    const d = tempDir();
    writeFileSync(join(d.path, 'a.jsonl'), '{"text":"Hello there. Bye."}\n');
    const human = await onTerminal('ingest a.jsonl', d.path);
    expect(human).toMatch(/^ {2}inserted +1$/m);
    expect(human).toMatch(/^ {2}documents in store +1$/m);
    expect(human).toContain('100%'); // the progress bar, on stderr of the terminal
    expect(human).not.toContain('{"command"');
    const json = await onTerminal('--json split', d.path);
    expect(json).toContain('{"command":"split","documents":1,"sentences":2');
    d.remove();
  });
});

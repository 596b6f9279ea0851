import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BIN } from '../helpers/cli.js';
import { tempDir } from '../helpers/databases.js';

// `script` runs the command on a pseudo-terminal, as a person at a shell would.
const hasScript = spawnSync('script', ['--version']).status === 0;

function onTerminal(args: string, cwd: string): string {
  const r = spawnSync('script', ['-qec', `${process.execPath} ${BIN} ${args}`, '/dev/null'], { cwd, encoding: 'utf8', env: { ...process.env, LLMOPS_DB: undefined } });
  return r.stdout.replace(/\r/g, '');
}

describe.skipIf(!hasScript)('on a terminal', () => {
  it('prints a readable summary and a progress bar; --json prints NDJSON instead', () => {
    const d = tempDir();
    writeFileSync(join(d.path, 'a.jsonl'), '{"text":"Hello there. Bye."}\n');
    const human = onTerminal('ingest a.jsonl', d.path);
    expect(human).toMatch(/^ {2}inserted +1$/m);
    expect(human).toMatch(/^ {2}documents in store +1$/m);
    expect(human).toContain('100%'); // the progress bar, on stderr of the terminal
    expect(human).not.toContain('{"command"');
    const json = onTerminal('--json split', d.path);
    expect(json).toContain('{"command":"split","documents":1,"sentences":2');
    d.remove();
  });
});

import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { tempDir } from '../helpers/databases.js';

// A user's hook module, named in a profiles file, around the offline model.
const dir = tempDir('llmops-user-hooks-');
afterAll(() => dir.remove());

function profilesWith(name: string, hook: string, phase: 'before' | 'after' = 'after'): string {
  const folder = join(dir.path, name);
  mkdirSync(join(folder, 'hooks'), { recursive: true });
  writeFileSync(join(folder, 'hooks', 'hook.js'), hook);
  const file = join(folder, 'profiles.toml');
  writeFileSync(
    file,
    `default_env = "t"\n[envs.t]\nprofile = "p"\nhookset = "h"\n[profiles.p]\nprovider = "local"\nmodel = "llmops-lexicon-v2"\n` +
      `[hooksets.h]\nbefore = [${phase === 'before' ? '"./hooks/hook.js"' : ''}]\nafter = [${phase === 'after' ? '"./hooks/hook.js", ' : ''}"store"]\n`,
  );
  return file;
}

describe('user hook modules', () => {
  it('a hook whose import or whose call never settles: one line naming it, exit 2 (it was exit 0 with nothing done or said)', async () => {
    const importing = profilesWith('import-hangs', 'await new Promise(() => {});\nexport default { after() {} };\n');
    const r = await runCli(['--db', join(dir.path, 'import-hangs.sqlite'), 'analyse', '--text', 'I love this product', '--profiles', importing]);
    expect(r.stderr).toContain('profiles.toml: hooksets.h.after[0]: hook "./hooks/hook.js": its import never finished (a promise that never settles)');
    expect(r.code).toBe(2);
    const calling = profilesWith('call-hangs', 'export default { before() { return new Promise(() => {}); } };\n', 'before');
    const c = await runCli(['--db', join(dir.path, 'call-hangs.sqlite'), 'analyse', '--text', 'I love this product', '--profiles', calling]);
    expect(c.stderr).toContain('llmops: hook ./hooks/hook.js (before) never finished (a promise that never settles)');
    expect(c.stdout).toBe('');
    expect(c.code).toBe(2);
  });

  it('a hook that makes the answer a megabyte long: the call is masked, stored and the command ends', async () => {
    // Masking the answer scanned from every letter of a long word to its end: 100 KB took 46 s, a megabyte hours.
    const hook = `export default { after(call) { if (call.result) call.result.text = JSON.stringify({ label: 'positive', confidence: 0.9, note: 'x'.repeat(1_000_000) }); } };\n`;
    const profiles = profilesWith('huge', hook);
    const db = join(dir.path, 'huge.sqlite');
    const r = await runCli(['--db', db, 'analyse', '--text', 'I love this product', '--profiles', profiles]);
    expect(r.signal).toBeNull();
    expect(r.stderr).not.toMatch(/error/i);
    expect(r.code).toBe(0);
    const calls = await runCli(['--db', db, 'inspect', 'calls', '--json']);
    expect(calls.stdout.trim().split('\n')).toHaveLength(1);
  });
});

import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { UsageError } from '../../src/core/errors.js';
import { isModuleSpec, loadUserExport, loadUserFactory, parseModuleSpec, type UserModuleRef } from '../../src/core/user-module.js';
import { tempDir } from '../helpers/databases.js';

const dir = tempDir();
afterAll(() => dir.remove());
mkdirSync(join(dir.path, 'hooks'));
writeFileSync(join(dir.path, 'hooks', 'x.mjs'), 'export default { before() {} };\nexport const other = 42;\nexport function make(s) { return { after() {}, got: s }; }\nexport function broken() { throw new Error("no config for sk-live-abcdefgh12345678"); }\n');
writeFileSync(join(dir.path, 'bad.mjs'), 'export const x = ;\n');

const ref = (spec: string, where?: string): UserModuleRef => ({ kind: 'hook', spec, baseDir: dir.path, where });
const isHook = (v: unknown) => Boolean(v) && typeof v === 'object' && ('before' in (v as object) || 'after' in (v as object));

/** The error a load fails with: one line, a UsageError (exit 2). */
async function failure(p: Promise<unknown>): Promise<string> {
  const err = await p.then(() => undefined, (e: unknown) => e);
  expect(err).toBeInstanceOf(UsageError);
  const message = (err as Error).message;
  expect(message).not.toContain('\n');
  return message;
}

describe('user modules (path#export)', () => {
  it('parses path and export, and tells module paths from built-in names', () => {
    expect(parseModuleSpec('./hooks/x.js#audit')).toEqual({ path: './hooks/x.js', exportName: 'audit' });
    expect(parseModuleSpec('./hooks/x.js')).toEqual({ path: './hooks/x.js', exportName: 'default' });
    expect(isModuleSpec('./x.js')).toBe(true);
    expect(isModuleSpec('tasks/topic.yaml')).toBe(true);
    expect(isModuleSpec('x.mjs')).toBe(true);
    expect(isModuleSpec('sentiment')).toBe(false);
  });

  it('loads the named or default export, relative to the naming file', async () => {
    expect(await loadUserExport(ref('./hooks/x.mjs'), 'a hook', isHook)).toHaveProperty('before');
    expect(await loadUserExport(ref('./hooks/x.mjs#other'), 'a number', (v) => typeof v === 'number')).toBe(42);
    expect(await loadUserExport(ref(join(dir.path, 'hooks', 'x.mjs')), 'a hook', isHook)).toHaveProperty('before');
  });

  it('calls a factory export with the settings', async () => {
    expect(await loadUserFactory(ref('./hooks/x.mjs#make'), 'a hook', isHook, { logger: 'L' })).toMatchObject({ got: { logger: 'L' } });
    expect(await loadUserFactory(ref('./hooks/x.mjs'), 'a hook', isHook, {})).toHaveProperty('before');
  });

  it('one error format: [where: ]kind "spec": reason', async () => {
    expect(await failure(loadUserExport(ref('./hooks/x.mjs#audit', 'p.toml: hooksets.std.after[0]'), 'a hook', isHook))).toBe(
      'p.toml: hooksets.std.after[0]: hook "./hooks/x.mjs#audit": no export "audit" (exports: broken, default, make, other)',
    );
    expect(await failure(loadUserExport(ref('./hooks/x.mjs#other'), 'a hook (an object with before or after)', isHook))).toBe(
      'hook "./hooks/x.mjs#other": export "other" is not a hook (an object with before or after)',
    );
    expect(await failure(loadUserExport(ref('./hooks/nope.mjs'), 'a hook', isHook))).toBe(`hook "./hooks/nope.mjs": no such file (looked in ${join(dir.path, 'hooks', 'nope.mjs')})`);
    expect(await failure(loadUserExport(ref('./hooks'), 'a hook', isHook))).toMatch(/^hook "\.\/hooks": .* is a folder, not a module$/);
    expect(await failure(loadUserExport(ref('./bad.mjs'), 'a hook', isHook))).toMatch(/^hook "\.\/bad\.mjs": cannot import it: \w*Error: /); // SyntaxError in node; vite names its own parser
    expect(await failure(loadUserFactory(ref('./hooks/x.mjs#other'), 'a hook', isHook, {}))).toBe('hook "./hooks/x.mjs#other": export "other" is not a hook, or a function returning one');
  });

  it("a factory's failure names the module and masks secrets", async () => {
    const message = await failure(loadUserFactory(ref('./hooks/x.mjs#broken'), 'a hook', isHook, {}));
    expect(message).toBe('hook "./hooks/x.mjs#broken": the function failed: no config for ***');
  });
});

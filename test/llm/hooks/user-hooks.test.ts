import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Logger } from '../../../src/core/logger.js';
import { createClientFromEnv } from '../../../src/llm/create-client.js';
import { resolveEnv } from '../../../src/llm/profiles/load-profiles.js';
import { runTask } from '../../../src/llm/tasks/run-task.js';
import { sentimentTask } from '../../../src/llm/tasks/sentiment-task.js';
import { tempDir } from '../../helpers/databases.js';

const dir = tempDir();
afterAll(() => dir.remove());
mkdirSync(join(dir.path, 'hooks'));
// A hook module as users write them: an object, or a factory given {logger}.
writeFileSync(
  join(dir.path, 'hooks', 'audit.mjs'),
  `export const seen = [];
export const audit = { after(call) { seen.push(call.provider + ':' + call.result.text); } };
export function tagged({ logger }) { return { before(call) { seen.push('before:' + typeof logger.warn); } }; }
export const notAHook = 7;
`,
);

function profiles(before: string[], after: string[]): string {
  const file = join(dir.path, `p${Math.random().toString(36).slice(2)}.toml`);
  const list = (xs: string[]) => `[${xs.map((x) => JSON.stringify(x)).join(', ')}]`;
  writeFileSync(file, `default_env = "e"\n[envs.e]\nprofile = "p"\nhookset = "h"\n[profiles.p]\nprovider = "local"\nmodel = "llmops-lexicon-v2"\n[hooksets.h]\nbefore = ${list(before)}\nafter = ${list(after)}\n`);
  return file;
}

describe('user hooks (path#export, relative to the profiles file)', () => {
  it('run around every call: an exported hook object, and a factory given the logger', async () => {
    const env = await resolveEnv({ profiles: profiles(['./hooks/audit.mjs#tagged'], ['guard', './hooks/audit.mjs#audit']) });
    const client = await createClientFromEnv(env, { logger: new Logger('quiet') });
    await runTask(client, sentimentTask, { text: 'A lovely morning.' }, { traceId: 't' });
    const { seen } = (await import(join(dir.path, 'hooks', 'audit.mjs'))) as { seen: string[] };
    expect(seen).toEqual(['before:function', expect.stringMatching(/^local:\{"label":"positive"/)]);
  });

  it('an export that is not a hook is one line naming the file, the hookset position and the spec', async () => {
    const file = profiles([], ['./hooks/audit.mjs#notAHook']);
    const env = await resolveEnv({ profiles: file });
    await expect(createClientFromEnv(env, { logger: new Logger('quiet') })).rejects.toThrow(
      `${file}: hooksets.h.after[0]: hook "./hooks/audit.mjs#notAHook": export "notAHook" is not a hook (an object with before or after), or a function returning one`,
    );
  });
});

import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { resolveEnv } from '../../../src/llm/profiles/load-profiles.js';
import { tempDir } from '../../helpers/databases.js';

const dir = tempDir();
afterAll(() => dir.remove());

const BASE = `
default_env = "offline"
[envs.offline]
profile = "local"
hookset = "std"
[envs.claude]
profile = "claude"
hookset = "std"
[profiles.local]
provider = "local"
model = "llmops-lexicon-v1"
[profiles.claude]
provider = "anthropic"
model = "claude-haiku-4-5"
price = { input_per_mtok = 1.0, output_per_mtok = 5.0 }
[hooksets.std]
before = ["log"]
after = ["guard", "store"]
`;

let n = 0;
function profiles(text: string): string {
  const p = join(dir.path, `p${n++}.toml`);
  writeFileSync(p, text);
  return p;
}

const saved = { ...process.env };
beforeEach(() => {
  delete process.env.ANTHROPIC_API_KEY;
  delete process.env.OPENAI_API_KEY;
  delete process.env.LLMOPS_ENV;
  delete process.env.LANGFUSE_PUBLIC_KEY;
  delete process.env.LANGFUSE_SECRET_KEY;
});
afterEach(() => {
  process.env = { ...saved };
});

describe('profiles', () => {
  it('the shipped profiles resolve to the offline env with no key at all', async () => {
    const env = await resolveEnv({});
    expect(env.env).toBe('offline');
    expect(env.profile.provider).toBe('local');
    expect(env.hookset.after).toContain('store');
  });

  it('--env wins over LLMOPS_ENV, which wins over default_env', async () => {
    const p = profiles(BASE);
    process.env.ANTHROPIC_API_KEY = 'sk-ant-test-key-123456';
    process.env.LLMOPS_ENV = 'claude';
    expect((await resolveEnv({ profiles: p })).env).toBe('claude');
    expect((await resolveEnv({ profiles: p, env: 'offline' })).env).toBe('offline');
  });

  it('a missing API key is one line naming the file, the profile and the variable', async () => {
    const p = profiles(BASE);
    await expect(resolveEnv({ profiles: p, env: 'claude' })).rejects.toThrow(
      `${p}: profiles.claude.provider: anthropic needs ANTHROPIC_API_KEY, which is not set (or pick another env: --env offline)`,
    );
  });

  it('an unknown provider names the key', async () => {
    const p = profiles(BASE.replace('provider = "anthropic"', 'provider = "antropic"'));
    await expect(resolveEnv({ profiles: p })).rejects.toThrow(/profiles\.claude\.provider: unknown provider \(use one of: anthropic, openai, openai-compatible, ollama, local; or a module, \.\/providers\/my\.js#provider\)/);
  });

  it('a missing model names the key', async () => {
    const p = profiles(BASE.replace('model = "claude-haiku-4-5"\n', ''));
    await expect(resolveEnv({ profiles: p })).rejects.toThrow(/profiles\.claude\.model: missing model/);
  });

  it('a hook that does not resolve names the hookset and position', async () => {
    const unknown = profiles(BASE.replace('after = ["guard", "store"]', 'after = ["guard", "stroe"]'));
    await expect(resolveEnv({ profiles: unknown })).rejects.toThrow(`${unknown}: hooksets.std.after[1]: unknown hook "stroe"`);
    const missing = profiles(BASE.replace('before = ["log"]', 'before = ["log", "./hooks/nope.js#fn"]'));
    await expect(resolveEnv({ profiles: missing })).rejects.toThrow(`${missing}: hooksets.std.before[1]: hook "./hooks/nope.js#fn": no such file (looked in ${join(dir.path, 'hooks', 'nope.js')})`);
  });

  it('an unknown env lists the ones there are', async () => {
    const p = profiles(BASE);
    await expect(resolveEnv({ profiles: p, env: 'prod' })).rejects.toThrow('--env: no env "prod" in');
    await expect(resolveEnv({ profiles: p, env: 'prod' })).rejects.toThrow('(have: offline, claude)');
  });

  it('an env pointing at a missing profile or hookset', async () => {
    const p = profiles(BASE.replace('profile = "claude"', 'profile = "gpt"'));
    process.env.ANTHROPIC_API_KEY = 'sk-ant-x-123456';
    await expect(resolveEnv({ profiles: p, env: 'claude' })).rejects.toThrow(`${p}: envs.claude.profile: no profile "gpt" in [profiles]`);
  });

  it('default_env may be left out when --env or LLMOPS_ENV names the env; with neither, one line says so', async () => {
    const p = profiles(BASE.replace('default_env = "offline"\n', ''));
    expect((await resolveEnv({ profiles: p, env: 'offline' })).env).toBe('offline');
    process.env.LLMOPS_ENV = 'offline';
    expect((await resolveEnv({ profiles: p })).env).toBe('offline');
    delete process.env.LLMOPS_ENV;
    await expect(resolveEnv({ profiles: p })).rejects.toThrow(`${p}: default_env: not set, and neither --env nor LLMOPS_ENV names an env (have: offline, claude)`);
  });

  it('a folder as --profiles or LLMOPS_PROFILES is named as such; an env named like an Object member is unknown', async () => {
    const folder = join(dir.path, 'a-folder');
    mkdirSync(folder, { recursive: true });
    await expect(resolveEnv({ profiles: folder })).rejects.toThrow(`--profiles: ${folder} is a folder, not a profiles file (profiles.toml)`);
    process.env.LLMOPS_PROFILES = folder;
    await expect(resolveEnv({})).rejects.toThrow(`LLMOPS_PROFILES: ${folder} is a folder`);
    delete process.env.LLMOPS_PROFILES;
    await expect(resolveEnv({ profiles: profiles(BASE), env: 'constructor' })).rejects.toThrow('--env: no env "constructor" in');
  });

  it('a redaction pattern that could backtrack for ever is refused with the file and key', async () => {
    const p = profiles(`${BASE}[redact]\npatterns = ["sk-[a-z]+", "(x+x+)+y"]\n`);
    await expect(resolveEnv({ profiles: p })).rejects.toThrow(`${p}: redact.patterns.1: a repetition inside a repetition`);
  });

  it('invalid TOML names the line', async () => {
    const p = profiles('default_env = "offline"\n[envs.offline\nprofile = 1\n');
    await expect(resolveEnv({ profiles: p })).rejects.toThrow(new RegExp(`^${p.replace(/[.]/g, '\\.')}:2:\\d+: invalid TOML`));
  });

  it('langfuse in the hookset needs its keys', async () => {
    const p = profiles(BASE.replace('after = ["guard", "store"]', 'after = ["guard", "langfuse"]'));
    await expect(resolveEnv({ profiles: p })).rejects.toThrow('hooksets.std: the langfuse hook needs LANGFUSE_PUBLIC_KEY, which is not set');
  });

  it('a user hook module path resolves relative to the profiles file', async () => {
    mkdirSync(join(dir.path, 'hooks'), { recursive: true });
    writeFileSync(join(dir.path, 'hooks', 'mine.js'), 'export const fn = { before() {} };\n');
    const p = profiles(BASE.replace('before = ["log"]', 'before = ["log", "./hooks/mine.js#fn"]'));
    const env = await resolveEnv({ profiles: p });
    expect(env.hookset.before).toEqual(['log', './hooks/mine.js#fn']);
  });
});

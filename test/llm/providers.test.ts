import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { Logger } from '../../src/core/logger.js';
import { createClientFromEnv } from '../../src/llm/create-client.js';
import { resolveEnv } from '../../src/llm/profiles/load-profiles.js';
import { createRedactor } from '../../src/llm/secrets.js';
import { runTask } from '../../src/llm/tasks/run-task.js';
import { loadSentenceTask } from '../../src/llm/tasks/registry.js';
import { sentimentTask } from '../../src/llm/tasks/sentiment-task.js';
import { startFakeOpenAI } from '../fakes/openai-server.js';
import type { FakeLlmServer } from '../fakes/fake-llm-server.js';
import { REPO } from '../helpers/cli.js';
import { tempDir } from '../helpers/databases.js';

const dir = tempDir();
const quiet = new Logger('quiet');
const ROUTER_KEY = 'router-canary-9f8e7d6c5b4a';
let local: FakeLlmServer;
let router: FakeLlmServer;
beforeAll(async () => {
  local = await startFakeOpenAI({ requireKey: false });
  router = await startFakeOpenAI({ apiKey: ROUTER_KEY });
});
afterAll(async () => {
  await local?.close();
  await router?.close();
  dir.remove();
});
const saved = { ...process.env };
afterEach(() => {
  process.env = { ...saved };
});

function profiles(profile: string): string {
  const file = join(dir.path, `p${Math.random().toString(36).slice(2)}.toml`);
  writeFileSync(file, `default_env = "e"\n[envs.e]\nprofile = "p"\nhookset = "h"\n[profiles.p]\n${profile}\n[hooksets.h]\nbefore = []\nafter = ["guard"]\n`);
  return file;
}

describe('openai-compatible provider (base_url)', () => {
  it('talks to any OpenAI-compatible server through the official SDK, with no key and never OPENAI_API_KEY', async () => {
    process.env.OPENAI_API_KEY = 'sk-openai-must-not-travel-123456';
    const env = await resolveEnv({ profiles: profiles(`provider = "openai-compatible"\nmodel = "qwen2.5-7b-instruct"\nbase_url = "${local.url}"\nparameters = { max_tokens = 50 }`) });
    const client = await createClientFromEnv(env, { logger: quiet });
    const out = await runTask(client, sentimentTask, { text: 'What a great day.' }, { traceId: 't1' });
    expect(out.value).toEqual({ label: 'positive', confidence: 0.8 });
    expect(out.result).toMatchObject({ provider: 'openai-compatible', model: 'qwen2.5-7b-instruct' });
    const sent = local.requests.at(-1)!;
    expect(sent.path).toBe('/v1/chat/completions');
    expect(sent.headers.authorization).toBe('Bearer none');
    // Servers other than OpenAI read max_tokens.
    expect(sent.body).toMatchObject({ model: 'qwen2.5-7b-instruct', max_tokens: 50, response_format: { type: 'json_object' } });
    expect(sent.body.max_completion_tokens).toBeUndefined();
  });

  it('sends the key named by api_key_env (OpenRouter-like), masked in errors', async () => {
    const file = profiles(`provider = "openai-compatible"\nmodel = "gpt-4o-mini"\nbase_url = "${router.url}"\napi_key_env = "ROUTER_KEY"`);
    await expect(resolveEnv({ profiles: file })).rejects.toThrow(`${file}: profiles.p.api_key_env: ROUTER_KEY is not set`);
    process.env.ROUTER_KEY = ROUTER_KEY;
    const env = await resolveEnv({ profiles: file });
    const task = await loadSentenceTask('./tasks/topic.yaml', REPO);
    router.setResponder(() => '{"topic": "price", "confidence": 0.75}');
    const out = await runTask(await createClientFromEnv(env, { logger: quiet }), task, { text: 'Prices went up.' }, { traceId: 't2' });
    expect(out.value).toEqual({ topic: 'price', confidence: 0.75 });
    expect(router.requests.at(-1)!.headers.authorization).toBe(`Bearer ${ROUTER_KEY}`);
    // The variable is not named like a secret, yet its value is masked wherever text leaves.
    expect(createRedactor()(`key=${ROUTER_KEY}`)).toBe('key=***');
  });

  it('needs base_url', async () => {
    const file = profiles('provider = "openai-compatible"\nmodel = "m"');
    await expect(resolveEnv({ profiles: file })).rejects.toThrow(`${file}: profiles.p.base_url: openai-compatible needs base_url`);
  });
});

describe('provider modules', () => {
  const module = join(REPO, 'test', 'fixtures', 'extensions', 'canned-provider.mjs');

  it('answer through the adapter interface, with the profile settings', async () => {
    process.env.CANNED_TOKEN = 'canned-secret-0123456789';
    const env = await resolveEnv({ profiles: profiles(`provider = "${module}#provider"\nmodel = "table-1"\napi_key_env = "CANNED_TOKEN"`) });
    const client = await createClientFromEnv(env, { logger: quiet });
    expect(client).toMatchObject({ provider: 'canned', model: 'table-1' });
    const out = await runTask(client, sentimentTask, { text: 'A good start.' }, { traceId: 't3' });
    expect(out.value).toEqual({ label: 'positive', confidence: 0.7 });
    const failure = await client.generate({ messages: [{ role: 'user', content: 'explode' }], traceId: 't4' }).catch((e: Error) => e.message);
    expect(createRedactor()(String(failure))).toBe('canned provider refused (key ***)');
  });

  it('a missing module or a wrong export is one line naming the profile field and the spec', async () => {
    const missing = profiles('provider = "./providers/nope.js#provider"\nmodel = "m"');
    await expect(resolveEnv({ profiles: missing })).rejects.toThrow(`${missing}: profiles.p.provider: provider "./providers/nope.js#provider": no such file (looked in ${join(dir.path, 'providers', 'nope.js')})`);
    const wrong = profiles(`provider = "${module}#nothing"\nmodel = "m"`);
    const env = await resolveEnv({ profiles: wrong });
    await expect(createClientFromEnv(env, { logger: quiet })).rejects.toThrow(`${wrong}: profiles.p.provider: provider "${module}#nothing": no export "nothing" (exports: provider)`);
  });
});

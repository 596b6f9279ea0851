import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Logger } from '../../src/core/logger.js';
import type { ClientStreamEvent, LlmClient } from '../../src/llm/client.js';
import { createClientFromEnv } from '../../src/llm/create-client.js';
import { resolveEnv } from '../../src/llm/profiles/load-profiles.js';
import type { ChatRequest } from '../../src/llm/types.js';
import { openDatabase, type Db } from '../../src/store/database.js';
import { parseDatabaseUrl } from '../../src/store/database-url.js';
import { openCallLog } from '../../src/store/open-call-log.js';
import { startFakeAnthropic } from '../fakes/anthropic-server.js';
import type { FakeLlmServer } from '../fakes/fake-llm-server.js';
import { startFakeOpenAI } from '../fakes/openai-server.js';
import { tempDir } from '../helpers/databases.js';

/**
 * One streaming setup as a command builds it: a profiles file naming the provider at a fake's
 * address, the client made from it (profile → adapter → official SDK), and a fresh SQLite call
 * log. Each test makes its own, so nothing is shared between tests.
 */

export type StreamProvider = 'openai' | 'anthropic' | 'ollama';
export const PROVIDERS: StreamProvider[] = ['openai', 'anthropic', 'ollama'];

/** The key the fakes require, under a variable named like a secret (so it is masked everywhere). */
const KEY_VAR = 'STREAM_TEST_API_KEY';
export const KEY = 'sk-stream-test-0123456789abcdef';
process.env[KEY_VAR] = KEY;

export const ANSWER = 'Streams arrive token by token, in order, and add up to the whole answer.';
export const TOKENS = ANSWER.match(/\s*\S+/g)!;

const MODELS: Record<StreamProvider, string> = { openai: 'gpt-4o-mini', anthropic: 'claude-haiku-4-5', ollama: 'llama3.2' };

export type FixtureOptions = {
  timeoutS?: number;
  maxTokens?: number;
  hooks?: { before: string[]; after: string[] };
  logger?: Logger;
};

export type StreamFixture = {
  fake: FakeLlmServer;
  client: LlmClient;
  db: Db;
  dbPath: string;
  /** The call log's rows, oldest first, after the client wrote out what it buffers. */
  calls(): Promise<Record<string, any>[]>;
  close(): Promise<void>;
};

export async function streamFixture(provider: StreamProvider, opts: FixtureOptions = {}): Promise<StreamFixture> {
  const fake = provider === 'anthropic' ? await startFakeAnthropic({ apiKey: KEY }) : await startFakeOpenAI({ apiKey: KEY, requireKey: provider !== 'ollama' });
  fake.setResponder(() => ANSWER);
  const dir = tempDir();
  const parameters = [`max_tokens = ${opts.maxTokens ?? 200}`, 'max_retries = 0', ...(opts.timeoutS !== undefined ? [`timeout_s = ${opts.timeoutS}`] : [])];
  const hooks = opts.hooks ?? { before: [], after: ['store'] };
  const file = join(dir.path, 'profiles.toml');
  writeFileSync(
    file,
    [
      'default_env = "e"',
      '[envs.e]\nprofile = "p"\nhookset = "h"',
      `[profiles.p]\nprovider = "${provider}"\nmodel = "${MODELS[provider]}"\nbase_url = "${fake.url}"`,
      provider === 'ollama' ? '' : `api_key_env = "${KEY_VAR}"`,
      `parameters = { ${parameters.join(', ')} }`,
      'price = { input_per_mtok = 1.0, output_per_mtok = 2.0 }',
      `[hooksets.h]\nbefore = ${JSON.stringify(hooks.before)}\nafter = ${JSON.stringify(hooks.after)}`,
    ].join('\n'),
  );
  const env = await resolveEnv({ profiles: file, env: 'e' });
  const dbPath = join(dir.path, 'calls.db');
  const db = await openDatabase(parseDatabaseUrl(dbPath));
  const client = await createClientFromEnv(env, { logger: opts.logger ?? new Logger('quiet'), callLog: openCallLog(db, { cache: true }) });
  return {
    fake,
    client,
    db,
    dbPath,
    async calls() {
      await client.flush();
      return db.db.selectFrom('llm_calls').selectAll().orderBy('created_at').execute();
    },
    async close() {
      await client.shutdown();
      await db.close();
      await fake.close();
      dir.remove();
    },
  };
}

export const ask = (content = 'Tell me about streams.', traceId = 'trace-stream'): ChatRequest => ({ messages: [{ role: 'user', content }], traceId });

/** Reads a stream to its end: the text deltas, and the final result. */
export async function readAll(stream: AsyncIterable<ClientStreamEvent>) {
  const deltas: string[] = [];
  let done: Extract<ClientStreamEvent, { type: 'done' }>['result'] | undefined;
  for await (const event of stream) {
    if (event.type === 'text') deltas.push(event.text);
    else done = event.result;
  }
  return { deltas, result: done! };
}

/** Reads deltas until the stream throws; returns what arrived and the error. */
export async function readUntilError(stream: AsyncIterable<ClientStreamEvent>) {
  const deltas: string[] = [];
  try {
    for await (const event of stream) if (event.type === 'text') deltas.push(event.text);
  } catch (error) {
    return { deltas, error: error as Error };
  }
  throw new Error(`the stream ended without an error after ${deltas.length} deltas`);
}

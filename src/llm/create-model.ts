import type { Logger } from '../core/logger.js';
import { loadUserFactory, parseModuleSpec } from '../core/user-module.js';
import { apiKeyVar, type ResolvedEnv } from './profiles/load-profiles.js';
import type { ChatModel } from './types.js';

/** What a provider module's factory is called with (`provider = "./providers/my.js#provider"`). */
type ProviderSettings = {
  model: string;
  baseURL?: string;
  /** The value of `api_key_env`, when the profile names one. */
  apiKey?: string;
  timeoutMs?: number;
  maxRetries?: number;
  maxTokens?: number;
  logger: Logger;
};

/** The adapter for the env's profile: a built-in provider, or the profile's provider module. */
export async function createModel(env: ResolvedEnv, logger: Logger): Promise<ChatModel> {
  const { profile } = env;
  const p = profile.parameters;
  const keyVar = apiKeyVar(profile);
  const common = {
    model: profile.model,
    timeoutMs: p.timeout_s !== undefined ? p.timeout_s * 1000 : undefined,
    maxRetries: p.max_retries,
    maxTokens: p.max_tokens,
    apiKey: keyVar ? process.env[keyVar] : undefined,
    logger,
  };
  switch (profile.provider) {
    case 'anthropic': {
      const { createAnthropicModel } = await import('./adapters/anthropic-model.js');
      return createAnthropicModel({ ...common, apiKey: common.apiKey!, baseURL: profile.base_url ?? process.env.ANTHROPIC_BASE_URL });
    }
    case 'openai': {
      const { createOpenAIModel } = await import('./adapters/openai-model.js');
      return createOpenAIModel({ ...common, provider: 'openai', apiKey: common.apiKey!, baseURL: profile.base_url ?? process.env.OPENAI_BASE_URL, jsonMode: profile.json_mode });
    }
    case 'openai-compatible': {
      const { createOpenAIModel } = await import('./adapters/openai-model.js');
      // Local servers (vLLM, llama.cpp, LM Studio) need no key, but the SDK insists on one.
      return createOpenAIModel({ ...common, provider: 'openai-compatible', apiKey: common.apiKey ?? 'none', baseURL: profile.base_url, jsonMode: profile.json_mode });
    }
    case 'ollama': {
      const { createOpenAIModel } = await import('./adapters/openai-model.js');
      const host = (process.env.OLLAMA_HOST ?? 'http://127.0.0.1:11434').replace(/\/+$/, '');
      const base = profile.base_url ?? `${/^https?:\/\//.test(host) ? host : `http://${host}`}/v1`;
      // Ollama ignores the key, but the SDK insists on one.
      return createOpenAIModel({ ...common, provider: 'ollama', apiKey: 'ollama', baseURL: base, jsonMode: profile.json_mode });
    }
    case 'local': {
      const { createLocalModel } = await import('./adapters/local-model.js');
      return createLocalModel({ model: profile.model });
    }
    default:
      return loadProviderModule(env, { ...common, baseURL: profile.base_url });
  }
}

const isChatModel = (v: unknown) => typeof (v as ChatModel | null)?.generate === 'function';

/** `./providers/my.js#provider`: a ChatModel, or a function (settings) → ChatModel. Without `stream`, a streamed call gets the whole answer as one delta. */
async function loadProviderModule(env: ResolvedEnv, settings: ProviderSettings): Promise<ChatModel> {
  const spec = env.profile.provider;
  const ref = { kind: 'provider', spec, baseDir: env.baseDir, where: `${env.shown}: profiles.${env.profileName}.provider` };
  const made = await loadUserFactory<ChatModel>(ref, 'a provider (an object with generate(request))', isChatModel, settings);
  // Results record provider and model: the module's own names, else the file's and the profile's.
  const fileName = parseModuleSpec(spec).path.replace(/^.*[/\\]/, '').replace(/\.[^.]+$/, '');
  const stream = typeof made.stream === 'function' ? made.stream.bind(made) : undefined;
  return { provider: made.provider || fileName, model: made.model || env.profile.model, generate: made.generate.bind(made), ...(stream ? { stream } : {}) };
}

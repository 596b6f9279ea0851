import { isAbsolute, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { UsageError, errorMessage } from '../core/errors.js';
import type { Logger } from '../core/logger.js';
import type { Db } from '../store/database.js';
import { createLlmClient, type CallOutbox, type LlmClient, type ResponseCache } from './client.js';
import type { ResolvedEnv } from './profiles/load-profiles.js';
import type { ChatModel, Hook } from './types.js';
import { createRedactor } from './secrets.js';

export type ClientDeps = {
  logger: Logger;
  /** The database for the store hook and the cache; absent in store-less stream mode. */
  db?: Db;
  /** A mongodb:// warehouse takes the call log too. */
  warehouseUrl?: string;
  cache?: boolean;
  /** `--rpm`: at most this many model calls a minute. */
  rpm?: number;
};

async function createModel(env: ResolvedEnv): Promise<ChatModel> {
  const { profile } = env;
  const p = profile.parameters;
  const common = {
    model: profile.model,
    timeoutMs: p.timeout_s !== undefined ? p.timeout_s * 1000 : undefined,
    maxRetries: p.max_retries,
    maxTokens: p.max_tokens,
  };
  switch (profile.provider) {
    case 'anthropic': {
      const { createAnthropicModel } = await import('./adapters/anthropic-model.js');
      return createAnthropicModel({ ...common, apiKey: process.env.ANTHROPIC_API_KEY!, baseURL: profile.base_url ?? process.env.ANTHROPIC_BASE_URL });
    }
    case 'openai': {
      const { createOpenAIModel } = await import('./adapters/openai-model.js');
      return createOpenAIModel({ ...common, provider: 'openai', apiKey: process.env.OPENAI_API_KEY!, baseURL: profile.base_url ?? process.env.OPENAI_BASE_URL, jsonMode: profile.json_mode });
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
  }
}

async function createHook(spec: string, where: string, env: ResolvedEnv, deps: ClientDeps, found: { outbox?: CallOutbox }): Promise<Hook | null> {
  switch (spec) {
    case 'log': {
      const { createLogHook } = await import('./hooks/log-hook.js');
      return createLogHook(deps.logger);
    }
    case 'guard': {
      const { createGuardHook } = await import('./hooks/guard-hook.js');
      return createGuardHook();
    }
    case 'redact': {
      const { createRedactHook } = await import('./hooks/redact-hook.js');
      return createRedactHook(env.redactPatterns);
    }
    case 'store': {
      const { createStoreHook } = await import('./hooks/store-hook.js');
      if (deps.warehouseUrl && /^mongodb(\+srv)?:\/\//i.test(deps.warehouseUrl)) {
        const { openMongoCallLogSink } = await import('../store/mongo-call-log-sink.js');
        return createStoreHook(await openMongoCallLogSink(deps.warehouseUrl));
      }
      if (!deps.db) {
        deps.logger.debug('store hook: no database in stream mode; calls are not recorded');
        return null;
      }
      const { sqlCallLogSink } = await import('../store/llm-calls-repo.js');
      const sink = sqlCallLogSink(deps.db.db);
      found.outbox = sink;
      return createStoreHook(sink);
    }
    case 'langfuse': {
      const { createLangfuseHook } = await import('./hooks/langfuse-hook.js');
      return createLangfuseHook({ environment: env.env, logger: deps.logger });
    }
    default:
      return loadUserHook(spec, where, env, deps);
  }
}

/** `./hooks/my-hook.js#fn`: `fn` is a Hook, or a function returning one. */
async function loadUserHook(spec: string, where: string, env: ResolvedEnv, deps: ClientDeps): Promise<Hook> {
  const [path, exportName = 'default'] = spec.split('#') as [string, string?];
  const full = isAbsolute(path) ? path : resolve(env.baseDir, path);
  let mod: Record<string, unknown>;
  try {
    mod = (await import(pathToFileURL(full).href)) as Record<string, unknown>;
  } catch (err) {
    throw new UsageError(`${where}: cannot load hook module ${path}: ${errorMessage(err).split('\n')[0]}`);
  }
  const exported = mod[exportName];
  const hook = typeof exported === 'function' ? await (exported as (d: { logger: Logger }) => unknown)({ logger: deps.logger }) : exported;
  if (!hook || typeof hook !== 'object' || !('before' in hook || 'after' in hook)) {
    throw new UsageError(`${where}: ${path} has no hook export "${exportName}" (an object with before/after, or a function returning one)`);
  }
  return { name: spec, ...(hook as Omit<Hook, 'name'>) };
}

/** Builds the client for a resolved env: model, hooks in order, prices, cache. */
export async function createClientFromEnv(env: ResolvedEnv, deps: ClientDeps): Promise<LlmClient> {
  const model = await createModel(env);
  const instances = new Map<string, Hook | null>();
  const lists: { before: Hook[]; after: Hook[] } = { before: [], after: [] };
  // The SQL call log, when the store hook writes one: cache entries wait there for their call rows.
  const found: { outbox?: CallOutbox } = {};
  for (const phase of ['before', 'after'] as const) {
    for (const [i, spec] of env.hookset[phase].entries()) {
      if (!instances.has(spec)) {
        const where = `${env.shown}: hooksets.${env.hookset.name}.${phase}[${i}]`;
        try {
          instances.set(spec, await createHook(spec, where, env, deps, found));
        } catch (err) {
          if (err instanceof UsageError) throw err;
          throw new UsageError(`${where}: hook "${spec}" cannot start: ${createRedactor()(errorMessage(err))}`);
        }
      }
      const hook = instances.get(spec);
      if (hook) lists[phase].push(hook);
    }
  }
  let cache: ResponseCache | undefined;
  if (deps.cache && deps.db) {
    const { sqlResponseCache } = await import('../store/llm-calls-repo.js');
    cache = sqlResponseCache(deps.db.db);
  }
  const price = env.profile.price ? { inputPerMTok: env.profile.price.input_per_mtok, outputPerMTok: env.profile.price.output_per_mtok } : undefined;
  let schedule: (<R>(fn: () => Promise<R>) => Promise<R>) | undefined;
  if (deps.rpm) {
    const { rateLimited } = await import('./rate-limit.js');
    schedule = rateLimited(<R>(fn: () => Promise<R>) => fn(), deps.rpm) as <R>(fn: () => Promise<R>) => Promise<R>;
  }
  return createLlmClient({
    model,
    schedule,
    hooks: lists,
    parameters: { temperature: env.profile.parameters.temperature, maxTokens: env.profile.parameters.max_tokens },
    price,
    cache,
    outbox: found.outbox,
    logger: deps.logger,
    redact: createRedactor(),
  });
}

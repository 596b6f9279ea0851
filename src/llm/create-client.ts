import type { Logger } from '../core/logger.js';
import type { CallLog } from '../store/call-log-types.js';
import { createLlmClient, type LlmClient } from './client.js';
import { createHooks } from './create-hooks.js';
import { createModel } from './create-model.js';
import type { ResolvedEnv } from './profiles/load-profiles.js';
import { createRedactor } from './secrets.js';

export type ClientDeps = {
  logger: Logger;
  /**
   * Where the store hook writes and the response cache, made by the caller (`openCallLog` in
   * store/open-call-log.ts): the llm layer never opens a database. Absent: calls are neither
   * recorded nor cached.
   */
  callLog?: CallLog;
  /** `--rpm`: at most this many model calls a minute. */
  rpm?: number;
};

/** Builds the client for a resolved env: model, hooks in order, prices, cache. */
export async function createClientFromEnv(env: ResolvedEnv, deps: ClientDeps): Promise<LlmClient> {
  const model = await createModel(env, deps.logger);
  const { before, after, outbox } = await createHooks(env, deps);
  const price = env.profile.price ? { inputPerMTok: env.profile.price.input_per_mtok, outputPerMTok: env.profile.price.output_per_mtok } : undefined;
  let schedule: (<R>(fn: () => Promise<R>) => Promise<R>) | undefined;
  if (deps.rpm) {
    const { rateLimited } = await import('./rate-limit.js');
    schedule = rateLimited(<R>(fn: () => Promise<R>) => fn(), deps.rpm) as <R>(fn: () => Promise<R>) => Promise<R>;
  }
  return createLlmClient({
    model,
    schedule,
    hooks: { before, after },
    parameters: { temperature: env.profile.parameters.temperature, maxTokens: env.profile.parameters.max_tokens },
    price,
    cache: deps.callLog?.cache,
    outbox,
    logger: deps.logger,
    redact: createRedactor(),
  });
}

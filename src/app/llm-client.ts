import type { LlmClient } from '../llm/client.js';
import type { ResolvedEnv } from '../llm/profiles/load-profiles.js';
import type { Db } from '../store/database.js';
import type { CommandScope } from './command-scope.js';
import type { Context } from './context.js';

// The one place the app layer builds an LLM client: what the client logs its calls to (the
// database, a MongoDB warehouse) is decided here, not in the llm layer.

/** The profiles env chosen by --env / --profiles (else LLMOPS_ENV, else the file's default). */
export async function resolveLlmEnv(ctx: Context, flags: { env?: string; profiles?: string }): Promise<ResolvedEnv> {
  const { resolveEnv } = await import('../llm/profiles/load-profiles.js');
  const env = await resolveEnv({ profiles: flags.profiles, env: flags.env });
  ctx.logger.debug(`env ${env.env}: ${env.profile.provider}/${env.profile.model}, hookset ${env.hookset.name}`);
  return env;
}

type ClientOptions = { db?: Db; cache: boolean; rpm?: number };

/** A client for `env` whose calls are logged (and answers cached) in `db` or the MongoDB warehouse; the caller shuts it down. */
export async function createLlmClient(ctx: Context, env: ResolvedEnv, opts: ClientOptions): Promise<LlmClient> {
  const { createClientFromEnv } = await import('../llm/create-client.js');
  const { openCallLog } = await import('../store/open-call-log.js');
  const callLog = openCallLog(opts.db, { warehouseUrl: ctx.warehouseUrl, cache: opts.cache });
  return createClientFromEnv(env, { logger: ctx.logger, callLog, rpm: opts.rpm });
}

/** A client for `env`, shut down (its hooks flushed) when the command ends. */
export async function openLlmClient(scope: CommandScope, env: ResolvedEnv, opts: ClientOptions): Promise<LlmClient> {
  return scope.use(await createLlmClient(scope.ctx, env, opts), (c) => c.shutdown());
}

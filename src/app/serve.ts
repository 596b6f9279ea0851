import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { UsageError } from '../core/errors.js';
import { packageRoot } from '../core/package-root.js';
import type { ServeApp } from '../serve/create-serve-app.js';
import type { Db } from '../store/database.js';
import type { CommandScope } from './command-scope.js';
import { runCommand } from './command-scope.js';
import type { Context } from './context.js';
import { answeringClient } from './answerer.js';
import { openVectorsForReading } from './stores.js';

export type ServeFlags = {
  port: number;
  host: string;
  env?: string;
  profiles?: string;
  extractive?: boolean;
  /** Collections /chat searches when a request names none (default every embedded one). */
  collection?: string[];
  k: number;
  budget: number;
  maxTokens: number;
  corsOrigin?: string[];
  /** Proxies whose X-Forwarded-For is believed. */
  trustProxy?: string[];
  /** At most `max` requests per `windowMs` per user (per address before login). */
  rateLimit: { max: number; windowMs: number };
  bodyLimit: number;
  requestTimeout: number;
  tokenTtl: number;
  shutdownGrace: number;
  modelsDir?: string;
};

const JWT_SECRET_NAME = 'serve.jwt_secret';
const MIN_SECRET_LENGTH = 32;

/**
 * The key tokens are signed with: LLMOPS_JWT_SECRET, else one made once and kept in the
 * database, so tokens survive a restart and replicas on one database agree. Never logged.
 */
async function jwtSecret(db: Db): Promise<string> {
  const given = process.env.LLMOPS_JWT_SECRET;
  if (given !== undefined && given !== '') {
    if (given.length < MIN_SECRET_LENGTH) throw new UsageError(`LLMOPS_JWT_SECRET: at least ${MIN_SECRET_LENGTH} characters (try: openssl rand -base64 32)`);
    return given;
  }
  const { getOrCreateSecret } = await import('../store/app-secrets-repo.js');
  return getOrCreateSecret(db.db, JWT_SECRET_NAME, () => randomBytes(32).toString('base64url'));
}

/**
 * The service over the command's stores: the database (users, the JWT secret, sessions unless
 * REDIS_URL), the vectors, the LLM client of the chosen profile. Everything it opens closes
 * with `scope`. Not listening yet (`serve` listens; tests inject requests).
 */
export async function buildServeApp(scope: CommandScope, flags: ServeFlags): Promise<ServeApp> {
  const { ctx } = scope;
  const db = await scope.db();
  const documents = await scope.warehouse();
  const { openSessionStore } = await import('../store/open-session-store.js');
  const sessions = scope.use(await openSessionStore({ db: async () => db }), (s) => s.close());
  const { SqlUserStore } = await import('../store/sql-user-store.js');
  const users = new SqlUserStore(db.db);
  const secret = await jwtSecret(db);
  const client = await answeringClient(scope, flags);
  const { createServeRetrieval } = await import('./serve-retrieval.js');
  const retrieval = scope.use(createServeRetrieval({ db, documents, openVectors: () => openVectorsForReading(ctx), modelsDir: flags.modelsDir }), (r) => r.close());
  const { answerQuestion } = await import('../answer/answer-question.js');
  const { newTraceId } = await import('../llm/trace-id.js');
  const { createConversation } = await import('./conversation.js');
  const conversation = createConversation({
    sessions,
    newTraceId,
    logger: ctx.logger,
    async answer(turn) {
      const sources = await retrieval.retrieve(turn.question, turn.k ?? flags.k, turn.collections ?? flags.collection);
      return answerQuestion({ ...turn, sources, client, budgetTokens: flags.budget, maxTokens: flags.maxTokens });
    },
  });
  const { pingDatabase } = await import('../store/database.js');
  const { createServeApp } = await import('../serve/create-serve-app.js');
  ctx.logger.info(`serve: answers by ${client ? `${client.provider}/${client.model}` : 'extractive (no model)'}; sessions in ${sessions.kind === 'redis' ? 'Redis' : db.display}`);
  return createServeApp({
    users,
    sessions,
    secret,
    async converse(turn) {
      const r = await conversation.turn(turn);
      return { sessionId: r.session.id, answer: r.answer };
    },
    search: (req) => retrieval.search(req),
    checks: { database: () => pingDatabase(db), vectors: () => retrieval.ping(), sessions: () => sessions.ping() },
    pagePath: join(packageRoot(), 'assets', 'chat.html'),
    logger: ctx.logger,
    options: {
      tokenTtlSeconds: Math.round(flags.tokenTtl / 1000),
      rateLimit: flags.rateLimit,
      bodyLimitBytes: flags.bodyLimit,
      requestTimeoutMs: flags.requestTimeout,
      corsOrigins: flags.corsOrigin ?? [],
      trustedProxies: flags.trustProxy ?? [],
    },
  });
}

/** `llmops serve`: the HTTP service until SIGTERM/SIGINT, then a graceful stop (exit 0). */
export async function serve(ctx: Context, flags: ServeFlags): Promise<void> {
  await runCommand(ctx, async (scope) => {
    scope.runsUntilInterrupted = true;
    const server = await buildServeApp(scope, flags);
    const { listenUntil } = await import('../serve/listen-until.js');
    await listenUntil(server, {
      port: flags.port,
      host: flags.host,
      signal: ctx.signal,
      graceMs: flags.shutdownGrace,
      logger: ctx.logger,
      onListening: (url) => process.stderr.write(`llmops serve: listening on ${url}\n`),
    });
    ctx.logger.info('serve: stopped');
  });
}

import type { Redis } from 'ioredis';
import { LlmopsError, errorMessage } from '../core/errors.js';
import { redactUrl } from '../core/redact.js';
import { storableMessages, storableTitle, isSessionId, newSessionId, titleFromMessages } from './chat-session-rules.js';
import type { ChatSession, NewChatMessage, SessionStore, StoredChatMessage } from './chat-types.js';

export type RedisSessionStoreOptions = {
  /** Put before every key, so several deployments (or tests) share one server. Default `llmops:`. */
  keyPrefix?: string;
  /** How long a session lives after its last append. Default 30 days. */
  ttlSeconds?: number;
};

const DEFAULT_TTL_SECONDS = 30 * 24 * 3600;

// Keys, under the prefix:
//   session:<id>            hash: user, title, created_at, updated_at, message_count
//   session:<id>:messages   list: one JSON message per entry, in order (seq = position)
//   user:<name>:sessions    sorted set: the user's session ids, scored by last use (ms)
// All three expire together, the TTL set again by every append.

// The owner check and the writes run as one script: Redis runs it atomically, so an append can
// neither land in a session that is not the caller's, nor interleave with another append (the
// list's length after RPUSH is the seq of the last message pushed).
const APPEND = `
if redis.call('HGET', KEYS[1], 'user') ~= ARGV[1] then return 0 end
local count = redis.call('RPUSH', KEYS[2], unpack(ARGV, 7))
redis.call('HSET', KEYS[1], 'updated_at', ARGV[3], 'message_count', count)
if ARGV[6] ~= '' and redis.call('HEXISTS', KEYS[1], 'title') == 0 then redis.call('HSET', KEYS[1], 'title', ARGV[6]) end
local ttl = tonumber(ARGV[5])
redis.call('ZADD', KEYS[3], ARGV[4], ARGV[2])
redis.call('EXPIRE', KEYS[1], ttl)
redis.call('EXPIRE', KEYS[2], ttl)
redis.call('EXPIRE', KEYS[3], ttl)
return count`;

const MESSAGES = `
if redis.call('HGET', KEYS[1], 'user') ~= ARGV[1] then return false end
return redis.call('LRANGE', KEYS[2], 0, -1)`;

const DELETE = `
if redis.call('HGET', KEYS[1], 'user') ~= ARGV[1] then return 0 end
redis.call('DEL', KEYS[1], KEYS[2])
redis.call('ZREM', KEYS[3], ARGV[2])
return 1`;

type Scripts = {
  appendTurn(session: string, list: string, index: string, ...args: (string | number)[]): Promise<number>;
  ownMessages(session: string, list: string, user: string): Promise<string[] | null>;
  deleteOwn(session: string, list: string, index: string, user: string, id: string): Promise<number>;
};

type ScriptedRedis = Redis & Scripts;

/**
 * Sessions in Redis (REDIS_URL): history lists with a TTL and a per-user index. Connects in
 * `open`, so an unreachable server is one error up front rather than a hang on first use.
 */
export class RedisSessionStore implements SessionStore {
  readonly kind = 'redis' as const;
  private readonly prefix: string;
  private readonly ttl: number;

  private constructor(
    private readonly redis: ScriptedRedis,
    opts: RedisSessionStoreOptions,
  ) {
    this.prefix = opts.keyPrefix ?? 'llmops:';
    this.ttl = opts.ttlSeconds ?? DEFAULT_TTL_SECONDS;
  }

  static async open(url: string, opts: RedisSessionStoreOptions = {}): Promise<RedisSessionStore> {
    if (opts.ttlSeconds !== undefined && !(Number.isInteger(opts.ttlSeconds) && opts.ttlSeconds > 0)) {
      throw new LlmopsError(`session TTL: expected a whole number of seconds above 0, got ${opts.ttlSeconds}`);
    }
    const { Redis } = await import('ioredis');
    // A command waits for at most a couple of reconnection attempts, never forever.
    const redis = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 2, connectTimeout: 5000 });
    // Surfaced by the command that meets it; the last one says why a connection failed, where
    // connect() says only "Connection is closed." (refused, unknown host and TLS alike).
    let lastError: unknown;
    redis.on('error', (err) => (lastError = err));
    try {
      await redis.connect();
      // The URL's database is selected while connecting, and a refused SELECT (a number past the
      // server's `databases`) only emits an error: the sessions then went to database 0.
      await redis.select(redis.options.db ?? 0);
    } catch (err) {
      redis.disconnect();
      throw new LlmopsError(`cannot reach Redis at ${redactUrl(url)}: ${errorMessage(lastError ?? err)}`);
    }
    redis.defineCommand('appendTurn', { lua: APPEND, numberOfKeys: 3 });
    redis.defineCommand('ownMessages', { lua: MESSAGES, numberOfKeys: 2 });
    redis.defineCommand('deleteOwn', { lua: DELETE, numberOfKeys: 3 });
    return new RedisSessionStore(redis as ScriptedRedis, opts);
  }

  private sessionKey = (id: string) => `${this.prefix}session:${id}`;
  private listKey = (id: string) => `${this.prefix}session:${id}:messages`;
  private indexKey = (user: string) => `${this.prefix}user:${user}:sessions`;

  async create(user: string, given?: string): Promise<ChatSession> {
    const title = storableTitle(given);
    const now = new Date();
    const session: ChatSession = { id: newSessionId(), user, title: title ?? null, created_at: now.toISOString(), updated_at: now.toISOString(), message_count: 0 };
    const fields: Record<string, string | number> = { user, created_at: session.created_at, updated_at: session.updated_at, message_count: 0 };
    if (title !== undefined) fields.title = title;
    const replies = await this.redis
      .multi()
      .hset(this.sessionKey(session.id), fields)
      .expire(this.sessionKey(session.id), this.ttl)
      .zadd(this.indexKey(user), now.getTime(), session.id)
      .expire(this.indexKey(user), this.ttl)
      .exec();
    // exec() reports a failed command in its reply, not by throwing.
    const failed = replies?.find(([err]) => err)?.[0];
    if (failed) throw failed;
    return session;
  }

  async get(id: string, user: string): Promise<ChatSession | null> {
    if (!isSessionId(id)) return null;
    return this.read(id, await this.redis.hgetall(this.sessionKey(id)), user);
  }

  private read(id: string, h: Record<string, string>, user: string): ChatSession | null {
    if (h.user !== user) return null; // missing (an empty hash) or someone else's
    return { id, user, title: h.title ?? null, created_at: h.created_at!, updated_at: h.updated_at!, message_count: Number(h.message_count) };
  }

  async list(user: string, opts: { limit?: number } = {}): Promise<ChatSession[]> {
    const limit = opts.limit ?? Infinity;
    const found: ChatSession[] = [];
    const gone: string[] = [];
    const page = Math.min(Math.max(limit, 50), 500);
    for (let start = 0; found.length < limit; start += page) {
      const ids = await this.redis.zrevrange(this.indexKey(user), start, start + page - 1);
      if (ids.length === 0) break;
      const pipe = this.redis.pipeline();
      for (const id of ids) pipe.hgetall(this.sessionKey(id));
      const hashes = (await pipe.exec()) ?? [];
      ids.forEach((id, i) => {
        const s = this.read(id, (hashes[i]?.[1] ?? {}) as Record<string, string>, user);
        if (s) found.push(s);
        else gone.push(id);
      });
    }
    // Sessions whose keys expired leave their id in the index until a listing sees it gone.
    if (gone.length > 0) await this.redis.zrem(this.indexKey(user), ...gone);
    return found.slice(0, limit);
  }

  async append(id: string, user: string, messages: NewChatMessage[]): Promise<boolean> {
    messages = storableMessages(messages);
    if (!isSessionId(id)) return false;
    if (messages.length === 0) return (await this.get(id, user)) !== null;
    const now = new Date();
    const stored = messages.map((m) => JSON.stringify({ ...m, created_at: now.toISOString() }));
    const title = titleFromMessages(messages) ?? '';
    const args = [user, id, now.toISOString(), now.getTime(), this.ttl, title, ...stored];
    const count = await this.redis.appendTurn(this.sessionKey(id), this.listKey(id), this.indexKey(user), ...args);
    return count > 0;
  }

  async messages(id: string, user: string): Promise<StoredChatMessage[] | null> {
    if (!isSessionId(id)) return null;
    const entries = await this.redis.ownMessages(this.sessionKey(id), this.listKey(id), user);
    if (entries === null) return null;
    return entries.map((e, i) => ({ ...(JSON.parse(e) as Omit<StoredChatMessage, 'seq'>), seq: i + 1 }));
  }

  async delete(id: string, user: string): Promise<boolean> {
    if (!isSessionId(id)) return false;
    return (await this.redis.deleteOwn(this.sessionKey(id), this.listKey(id), this.indexKey(user), user, id)) === 1;
  }

  async ping(): Promise<void> {
    await this.redis.ping();
  }

  async close(): Promise<void> {
    await this.redis.quit().catch(() => this.redis.disconnect());
  }
}

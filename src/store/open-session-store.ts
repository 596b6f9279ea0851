import type { SessionStore } from './chat-types.js';
import type { Db } from './database.js';
import type { RedisSessionStoreOptions } from './redis-session-store.js';

export type SessionStoreChoice = RedisSessionStoreOptions & {
  /** A Redis URL; default REDIS_URL. None: the SQL database. */
  redisUrl?: string;
  /** The --db database, opened only when the sessions live there. */
  db: () => Promise<Db>;
};

/**
 * Where conversations live: Redis when a URL is given or REDIS_URL is set, else the --db
 * database. The SQL store runs on the caller's database handle and leaves closing it to the
 * caller; the Redis store has its own connection, closed by its `close`.
 */
export async function openSessionStore(choice: SessionStoreChoice): Promise<SessionStore> {
  const url = choice.redisUrl ?? (process.env.REDIS_URL || undefined);
  if (url) {
    const { RedisSessionStore } = await import('./redis-session-store.js');
    return RedisSessionStore.open(url, { keyPrefix: choice.keyPrefix, ttlSeconds: choice.ttlSeconds });
  }
  const { SqlSessionStore } = await import('./sql-session-store.js');
  return new SqlSessionStore((await choice.db()).db);
}

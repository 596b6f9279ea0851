import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { SERVICES_REQUIRED } from './databases.js';

/**
 * The real Redis for tests, at LLMOPS_TEST_REDIS (default the local server). Tests isolate by a
 * key prefix of their own and delete its keys afterwards. Missing: its suites are skipped and
 * said so, unless services are required (CI), where a missing Redis fails the run.
 */
export const REDIS_TEST_URL = process.env.LLMOPS_TEST_REDIS ?? 'redis://127.0.0.1:6379';

async function probeRedis(): Promise<boolean> {
  const client = new Redis(REDIS_TEST_URL, { lazyConnect: true, connectTimeout: 2000, maxRetriesPerRequest: 0, retryStrategy: () => null });
  client.on('error', () => {});
  try {
    await client.connect();
    return (await client.ping()) === 'PONG';
  } catch {
    return false;
  } finally {
    client.disconnect();
  }
}

export const redisAvailable: boolean = await probeRedis();

if (!redisAvailable) {
  if (SERVICES_REQUIRED) throw new Error(`Redis is required (CI) but not reachable at ${REDIS_TEST_URL}`);
  console.warn(`[llmops tests] Redis not reachable at ${REDIS_TEST_URL}: Redis suites are SKIPPED`);
}

/** A client of the test server, for looking at keys directly; the caller disconnects it. */
export function redisClient(): Redis {
  return new Redis(REDIS_TEST_URL, { maxRetriesPerRequest: 1 });
}

/** A key prefix no other test uses; `drop()` deletes every key under it. */
export function redisPrefix(): { prefix: string; drop: () => Promise<void> } {
  const prefix = `llmops-test:${randomBytes(6).toString('hex')}:`;
  return {
    prefix,
    drop: async () => {
      const client = redisClient();
      try {
        const keys: string[] = [];
        for await (const batch of client.scanStream({ match: `${prefix}*`, count: 500 })) keys.push(...(batch as string[]));
        if (keys.length > 0) await client.del(...keys);
      } finally {
        client.disconnect();
      }
    },
  };
}

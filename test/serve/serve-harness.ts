import { copyFileSync } from 'node:fs';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { createParser, type EventSourceMessage } from 'eventsource-parser';
import { CommandScope } from '../../src/app/command-scope.js';
import { locateContext } from '../../src/app/context.js';
import { buildServeApp, type ServeFlags } from '../../src/app/serve.js';
import { Logger } from '../../src/core/logger.js';
import { createEmbedder } from '../../src/embed/create-embedder.js';
import { loadFeaturizeConfig } from '../../src/featurize/featurize-config.js';
import { runFeaturize } from '../../src/featurize/run-featurize.js';
import type { ServeApp } from '../../src/serve/create-serve-app.js';
import { openDatabase } from '../../src/store/database.js';
import { parseDatabaseUrl } from '../../src/store/database-url.js';
import { SqlDocumentStore } from '../../src/store/sql-document-store.js';
import { SqlUserStore } from '../../src/store/sql-user-store.js';
import { openVectorStore } from '../../src/vector/open-vector-store.js';
import { REPO } from '../helpers/cli.js';
import { tempDir } from '../helpers/databases.js';
import { seedDocuments } from '../helpers/seed.js';

/**
 * What the serve tests stand on: a real SQLite database with documents featurized by the
 * hashing embedder (the stage code `ingest` and `featurize` run), and the service built over
 * it by the app layer exactly as `llmops serve` builds it.
 */

/** Facts a question can be answered from, each in its own titled, linked document. */
const CORPUS = [
  { id: 'eiffel', title: 'The Eiffel Tower', link: 'https://example.org/eiffel', text: 'The Eiffel Tower is a wrought-iron lattice tower in Paris. The tower is 330 metres tall and was finished in 1889. Gustave Eiffel\'s company designed and built it for the World\'s Fair.' },
  { id: 'honey', title: 'Honey bees', link: 'https://example.org/bees', text: 'Honey bees live in colonies of up to sixty thousand workers. A worker bee visits thousands of flowers to make a spoonful of honey. The queen lays up to two thousand eggs a day.' },
  { id: 'rust', title: 'Rust ownership', link: 'https://example.org/rust', text: 'Rust manages memory through ownership. Each value has one owner, and the value is dropped when its owner goes out of scope. Borrowing lets code use a value without taking ownership.' },
  { id: 'tea', title: 'Green tea', link: 'https://example.org/tea', text: 'Green tea is made from leaves that are not oxidised. Water for green tea should be about eighty degrees, not boiling. Steeping it too long makes it bitter.' },
].map((d) => ({ ...d, category: 'articles' }));

/** A featurized SQLite database made once per test file; each test works on its own copy. */
export async function featurizedTemplate(): Promise<{ copy(): string; remove(): void }> {
  const dir = tempDir('llmops-serve-');
  const path = join(dir.path, 'template.db');
  const db = await openDatabase(parseDatabaseUrl(path));
  await seedDocuments(db, CORPUS);
  const vectors = await openVectorStore(parseDatabaseUrl(path), 'auto');
  try {
    const embedder = await createEmbedder({ name: 'hashing' });
    await runFeaturize(db.db, new SqlDocumentStore(db.db), vectors, { embedder, config: await loadFeaturizeConfig(undefined, REPO) });
  } finally {
    await vectors.close();
  }
  // Closing the last connection folds the write-ahead log into the file: a plain copy is whole.
  await db.close();
  let n = 0;
  return {
    copy() {
      const target = join(dir.path, `copy-${++n}.db`);
      copyFileSync(path, target);
      return target;
    },
    remove: () => dir.remove(),
  };
}

const DEFAULT_FLAGS: ServeFlags = {
  port: 0,
  host: '127.0.0.1',
  k: 3,
  budget: 3000,
  maxTokens: 256,
  rateLimit: { max: 1000, windowMs: 60_000 },
  bodyLimit: 64 * 1024,
  requestTimeout: 30_000,
  tokenTtl: 3_600_000,
  shutdownGrace: 5_000,
};

export type TestServer = Omit<ServeApp, 'close'> & { scope: CommandScope; close(graceMs?: number): Promise<void>; /** What the server logged (errors) so far. */ log(): string };

/** The service over the database at `url`, built by the app layer; `close()` closes it all. */
export async function openTestServer(url: string, flags: Partial<ServeFlags> = {}): Promise<TestServer> {
  // Errors the server logs (a provider failure a test provokes) stay out of the test output, kept for log().
  const logged = new PassThrough();
  const lines: Buffer[] = [];
  logged.on('data', (c: Buffer) => lines.push(c));
  const ctx = await locateContext({ db: url }, { logger: new Logger('quiet', logged), json: true, interactive: false, printing: false, signal: new AbortController().signal });
  const scope = new CommandScope(ctx);
  try {
    const server = await buildServeApp(scope, { ...DEFAULT_FLAGS, ...flags });
    let closing: Promise<void> | undefined;
    return {
      ...server,
      scope,
      log: () => Buffer.concat(lines).toString(),
      // Once, however often it is called (a test may close early with a short grace).
      close(graceMs = 5_000) {
        return (closing ??= server.close(graceMs).finally(() => scope.close()));
      },
    };
  } catch (err) {
    await scope.close();
    throw err;
  }
}

/** Runs `body` with `env` set (undefined: unset), then puts the environment back. */
export async function withEnv<T>(env: Record<string, string | undefined>, body: () => Promise<T>): Promise<T> {
  const saved = Object.fromEntries(Object.keys(env).map((k) => [k, process.env[k]]));
  for (const [k, v] of Object.entries(env)) v === undefined ? delete process.env[k] : (process.env[k] = v);
  try {
    return await body();
  } finally {
    for (const [k, v] of Object.entries(saved)) v === undefined ? delete process.env[k] : (process.env[k] = v);
  }
}

/** The service over `url`, built and used with `env` set; closed after `body`, whatever happens. */
export function withServer<T>(url: string, opts: { flags?: Partial<ServeFlags>; env?: Record<string, string | undefined> }, body: (s: TestServer) => Promise<T>): Promise<T> {
  return withEnv(opts.env ?? {}, async () => {
    const server = await openTestServer(url, opts.flags);
    try {
      return await body(server);
    } finally {
      await server.close();
    }
  });
}

/** Accounts, added as `llmops serve user add` adds them. */
export async function addUsers(url: string, users: Record<string, string>): Promise<void> {
  const db = await openDatabase(parseDatabaseUrl(url));
  try {
    const store = new SqlUserStore(db.db);
    for (const [name, password] of Object.entries(users)) await store.add(name, password);
  } finally {
    await db.close();
  }
}

/** A bearer header for `name`, got by logging in through the API. */
export async function login(server: ServeApp, name: string, password: string): Promise<{ authorization: string }> {
  const r = await server.app.inject({ method: 'POST', url: '/auth/token', payload: { username: name, password } });
  if (r.statusCode !== 200) throw new Error(`login ${name}: ${r.statusCode} ${r.body}`);
  return { authorization: `Bearer ${r.json().token}` };
}

/** The events of an SSE body, parsed by eventsource-parser (as a browser's EventSource would). */
export function sseEvents(body: string): { event: string; data: any }[] {
  const events: EventSourceMessage[] = [];
  const parser = createParser({ onEvent: (e) => events.push(e) });
  parser.feed(body);
  return events.map((e) => ({ event: e.event ?? 'message', data: JSON.parse(e.data) }));
}

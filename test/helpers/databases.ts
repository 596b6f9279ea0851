import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import pg from 'pg';

/**
 * Real databases for tests. SQLite always; PostgreSQL when it answers at LLMOPS_TEST_PG
 * (default the local server). In CI (CI=true) or with LLMOPS_REQUIRE_SERVICES=1 a missing
 * PostgreSQL fails the run instead of skipping it.
 */
const PG_ADMIN_URL = process.env.LLMOPS_TEST_PG ?? 'postgres://postgres@127.0.0.1:5432/postgres';
export const SERVICES_REQUIRED = process.env.CI === 'true' || process.env.LLMOPS_REQUIRE_SERVICES === '1';

async function probePostgres(): Promise<boolean> {
  const client = new pg.Client({ connectionString: PG_ADMIN_URL, connectionTimeoutMillis: 2000 });
  try {
    await client.connect();
    await client.query('select 1');
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => {});
  }
}

export const postgresAvailable: boolean = await probePostgres();

if (!postgresAvailable) {
  if (SERVICES_REQUIRED) throw new Error(`PostgreSQL is required (CI) but not reachable at ${PG_ADMIN_URL}`);
  console.warn(`[llmops tests] PostgreSQL not reachable at ${PG_ADMIN_URL}: PostgreSQL suites are SKIPPED`);
}

/** A fresh PostgreSQL database; `drop()` removes it. */
export async function createPgDatabase(): Promise<{ url: string; drop: () => Promise<void> }> {
  const name = `llmops_t_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: PG_ADMIN_URL });
  await admin.connect();
  await admin.query(`create database ${name}`);
  await admin.end();
  const url = new URL(PG_ADMIN_URL);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    drop: async () => {
      const c = new pg.Client({ connectionString: PG_ADMIN_URL });
      await c.connect();
      await c.query(`drop database if exists ${name} with (force)`);
      await c.end();
    },
  };
}

/** A fresh temporary directory; `remove()` deletes it. */
export function tempDir(prefix = 'llmops-test-'): { path: string; remove: () => void } {
  const path = mkdtempSync(join(tmpdir(), prefix));
  return { path, remove: () => rmSync(path, { recursive: true, force: true }) };
}

export type Engine = 'sqlite' | 'postgres';
export const ENGINES: Engine[] = ['sqlite', 'postgres'];

/** A fresh database URL of the given engine, with its cleanup. */
export async function freshDatabase(engine: Engine): Promise<{ url: string; cleanup: () => Promise<void> }> {
  if (engine === 'sqlite') {
    const dir = tempDir();
    return { url: join(dir.path, 'test.db'), cleanup: async () => dir.remove() };
  }
  const db = await createPgDatabase();
  return { url: db.url, cleanup: db.drop };
}

/** describe.skipIf helper: true when the engine cannot run here (and is not required). */
export function engineMissing(engine: Engine): boolean {
  return engine === 'postgres' && !postgresAvailable;
}

import { spawn, spawnSync } from 'node:child_process';
import { createReadStream, createWriteStream, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { REPO, ndjson, runCli } from '../helpers/cli.js';
import { SERVICES_REQUIRED, createPgDatabase, engineMissing, tempDir } from '../helpers/databases.js';

/**
 * A database made by release 0.1.0 (test/fixtures/release-0.1.0/README.md) opened by this
 * build: the migrations carry it forward, and every command sees the data it left. The
 * release ran ingest, split, analyse, featurize (SQLite only), one monitor run over the
 * shipped example and `dedup --ledger posts` over three posts.
 */
const FIXTURES = join(REPO, 'test/fixtures/release-0.1.0');
const MONITOR = join(REPO, 'configs/monitor.yaml');
const NEW_DOCS = [
  { id: 'n-1', category: 'posts', text: 'Upgraded in place. The old runs are all still there.' },
  { id: 'n-2', category: 'posts', text: 'Nothing was analysed twice. The new posts were split and scored.' },
];

/** Runs the CLI on the database and parses its NDJSON stdout. */
async function llmops(db: string, args: string[], opts: { input?: string; cwd?: string } = {}) {
  const r = await runCli(['--db', db, ...args, '--json'], { ...opts, timeoutMs: 180_000 });
  expect(r.code, `llmops ${args.join(' ')}: ${r.stderr}`).toBe(0);
  return ndjson(r.stdout);
}

async function carriedForward(db: string, engine: 'sqlite' | 'postgres', dir: string): Promise<void> {
  const runs = await llmops(db, ['inspect', 'runs']);
  const commands = engine === 'sqlite' ? ['analyse', 'featurize', 'ingest', 'monitor', 'split'] : ['analyse', 'ingest', 'monitor', 'split'];
  expect(runs.map((r) => r.command).sort()).toEqual(commands);
  // The release's monitor_runs row is a run like any other, with what it was about.
  const [monitorRun] = await llmops(db, ['inspect', 'runs', '--command', 'monitor']);
  expect(monitorRun).toMatchObject({ status: 'ok', args: ['monitor', 'monitor.yaml'], details: { monitor: 'support-bot', source: 'jsonl', config_file: 'monitor.yaml' } });
  expect(monitorRun.counts).toMatchObject({ fetched: 50, scored_items: 50, scores: 300 });

  expect(await llmops(db, ['inspect', 'documents', '--limit', '1000'])).toHaveLength(58);
  expect(await llmops(db, ['inspect', 'sentences', '--limit', '1000'])).toHaveLength(336);
  const results = await llmops(db, ['inspect', 'results', '--limit', '1000']);
  expect(results.filter((r) => r.status === 'ok')).toHaveLength(336);

  // The ledger's keys are still done (no claim survives the upgrade).
  expect(await llmops(db, ['dedup', 'ledger', 'list'])).toEqual([
    expect.objectContaining({ namespace: 'dedup:posts', keys: 3, claimed: 0 }),
    expect.objectContaining({ namespace: 'monitor:jsonl:support-bot', keys: 300, claimed: 0 }),
  ]);
  const threePosts = readFileSync(join(REPO, 'data/posts.jsonl'), 'utf8').split('\n').slice(0, 3).join('\n');
  const passed = await runCli(['--db', db, 'dedup', '--in', '-', '--ledger', 'posts', '--key', 'id'], { input: `${threePosts}\n` });
  expect(passed.code, passed.stderr).toBe(0);
  expect(passed.stdout, 'keys the release recorded do not pass again').toBe('');

  // Nothing is redone: every sentence has its result, every trace its scores.
  expect((await llmops(db, ['split']))[0]).toMatchObject({ documents: 0 });
  expect((await llmops(db, ['analyse']))[0]).toMatchObject({ done: 0, failed: 0 });
  expect((await llmops(db, ['monitor', MONITOR]))[0]).toMatchObject({ already_scored: 50, scored_items: 0 });
  expect(await llmops(db, ['inspect', 'runs', '--command', 'monitor'])).toHaveLength(2);

  // New documents are new work, and only they.
  const file = join(dir, 'new.jsonl');
  writeFileSync(file, NEW_DOCS.map((d) => JSON.stringify(d)).join('\n') + '\n');
  expect((await llmops(db, ['ingest', file]))[0]).toMatchObject({ inserted: 2 });
  const split = (await llmops(db, ['split']))[0];
  expect(split).toMatchObject({ documents: 2 });
  expect((await llmops(db, ['analyse']))[0]).toMatchObject({ done: split.sentences, failed: 0 });
  expect(await llmops(db, ['inspect', 'results', '--limit', '1000'])).toHaveLength(336 + split.sentences);
  if (engine === 'sqlite') expect((await llmops(db, ['featurize', '--embedder', 'hashing']))[0]).toMatchObject({ documents: 2 });
  expect((await llmops(db, ['dedup', 'ledger', 'count']))[0]).toEqual({ ledger: 'all', keys: 303 });
}

async function gunzipFixture(dir: string): Promise<string> {
  const db = join(dir, 'release-0.1.0.db');
  await pipeline(createReadStream(join(FIXTURES, 'release-0.1.0.db.gz')), createGunzip(), createWriteStream(db));
  return db;
}

describe('a SQLite database made by release 0.1.0', () => {
  it('upgrades in place: runs, documents, sentences, results and ledger keys carried forward', async () => {
    const dir = tempDir();
    try {
      await carriedForward(await gunzipFixture(dir.path), 'sqlite', dir.path);
    } finally {
      dir.remove();
    }
  }, 600_000);

  it('a failed monitor run keeps its reason; a claim left by a killed run is dropped, its key not done', async () => {
    const dir = tempDir();
    try {
      const db = await gunzipFixture(dir.path);
      // What a 0.1.0 database may also hold: a run whose source failed, and a killed run's claim.
      const old = new Database(db);
      old.prepare(`insert into monitor_runs values ('run-failed', 'support-bot', 'langfuse', 'lf.yaml', '2026-12-01T00:00:00.000Z', '2026-12-01T00:00:01.000Z', 'failed', '{"error":"Langfuse 401"}')`).run();
      old.prepare(`insert into monitor_ledger values ('monitor:jsonl:support-bot', 't-new', 'refusal', '1', 'claimed', 'w', 1, 'vm', '2026-12-02T00:00:00.000Z', '2026-12-02T00:00:00.000Z', '2026-12-02T00:00:00.000Z')`).run();
      old.close();
      const failed = (await llmops(db, ['inspect', 'runs', '--command', 'monitor'])).find((r) => r.id === 'run-failed');
      expect(failed).toMatchObject({ status: 'failed', error: 'Langfuse 401', counts: {}, details: { monitor: 'support-bot', source: 'langfuse', config_file: 'lf.yaml' } });
      expect(await llmops(db, ['dedup', 'ledger', 'list', '--ledger', 'monitor:jsonl:support-bot'])).toEqual([expect.objectContaining({ keys: 300, claimed: 0 })]);
    } finally {
      dir.remove();
    }
  }, 600_000);
});

const psqlMissing = spawnSync('psql', ['--version']).status !== 0;
if (psqlMissing && !engineMissing('postgres')) {
  if (SERVICES_REQUIRED) throw new Error('psql is required (CI) to restore the release 0.1.0 dump');
  console.warn('[llmops tests] psql not found: the PostgreSQL upgrade test is SKIPPED');
}

/** Restores the release's pg_dump into a fresh database with psql, as a user would. */
function restoreDump(url: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const psql = spawn('psql', ['-q', '-v', 'ON_ERROR_STOP=1', '-d', url], { stdio: ['pipe', 'ignore', 'pipe'] });
    let stderr = '';
    psql.stderr.setEncoding('utf8').on('data', (d) => (stderr += d));
    psql.on('error', reject);
    psql.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`psql exited ${code}: ${stderr}`))));
    pipeline(createReadStream(join(FIXTURES, 'release-0.1.0.pg.sql.gz')), createGunzip(), psql.stdin).catch(reject);
  });
}

describe.skipIf(engineMissing('postgres') || psqlMissing)('a PostgreSQL database made by release 0.1.0', () => {
  it('upgrades in place: runs, documents, sentences, results and ledger keys carried forward', async () => {
    const dir = tempDir();
    const pg = await createPgDatabase();
    try {
      await restoreDump(pg.url);
      await carriedForward(pg.url, 'postgres', dir.path);
    } finally {
      await pg.drop();
      dir.remove();
    }
  }, 600_000);
});

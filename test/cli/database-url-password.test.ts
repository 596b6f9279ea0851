import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { createPgDatabase, engineMissing, tempDir } from '../helpers/databases.js';

// A password with a space is a valid URL to pg (and to ioredis): the server here trusts every
// local connection, so any password gets in. The masking pattern ended a password at a space,
// so the rest of it was printed by `where` and in errors, and stored in the runs table.
const PASSWORD = 'my CANARYpgpass77';
const SECRET_PART = 'CANARYpgpass77';

describe.skipIf(engineMissing('postgres'))('a database URL whose password holds a space', () => {
  let db: { url: string; drop: () => Promise<void> };
  let withPassword: string;
  const dir = tempDir();
  beforeAll(async () => {
    db = await createPgDatabase();
    const u = new URL(db.url);
    withPassword = `postgres://${u.username || 'postgres'}:${PASSWORD}@${u.host}${u.pathname}`;
  });
  afterAll(async () => {
    dir.remove();
    await db?.drop();
  });

  it('is masked in where, in the runs table and inspect runs, and in a connection error', async () => {
    const where = await runCli(['--db', withPassword, 'where', '--json'], { cwd: dir.path });
    expect(where.code).toBe(0);
    expect(where.stdout).toContain(':***@');

    const ingest = await runCli([`--db=${withPassword}`, 'ingest', '-'], { cwd: dir.path, input: '{"id":"a","text":"One sentence."}\n' });
    expect(ingest.code).toBe(0);
    const runs = await runCli(['--db', withPassword, 'inspect', 'runs', '--json'], { cwd: dir.path });
    expect(runs.code).toBe(0);
    const client = new pg.Client({ connectionString: db.url });
    await client.connect();
    const stored = (await client.query('select args::text as args from runs')).rows.map((r) => r.args as string).join('\n');
    await client.end();
    expect(stored).toContain(':***@');

    const missing = withPassword.replace(/\/[^/]*$/, '/llmops_no_such_db_zz');
    const refused = await runCli(['--db', missing, 'ingest', '-'], { cwd: dir.path, input: '{"text":"x."}\n' });
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('postgres://');

    for (const text of [where.stdout, where.stderr, ingest.stdout, ingest.stderr, runs.stdout, stored, refused.stderr]) {
      expect(text).not.toContain(SECRET_PART);
    }
  });
});

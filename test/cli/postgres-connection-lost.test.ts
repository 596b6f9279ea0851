import { spawn } from 'node:child_process';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BIN, REPO, runCli } from '../helpers/cli.js';
import { createPgDatabase, engineMissing } from '../helpers/databases.js';

// A PostgreSQL connection that dies while a command holds it (a server restart, an admin's
// pg_terminate_backend) made pg's client emit 'error' to no listener: the process died with
// Node's "Unhandled 'error' event" and a stack trace, its run left as running. It must fail
// with one line, exit 1, keep nothing half-written, and the next run carry on.
describe.skipIf(engineMissing('postgres'))('a PostgreSQL connection lost mid-run', () => {
  let db: { url: string; drop: () => Promise<void> };
  let admin: pg.Client;
  beforeAll(async () => {
    db = await createPgDatabase();
    admin = new pg.Client({ connectionString: db.url });
    await admin.connect();
  });
  afterAll(async () => {
    await admin?.end();
    await db?.drop();
  });

  const records = (from: number, to: number) =>
    Array.from({ length: to - from }, (_, i) => JSON.stringify({ id: `r${from + i}`, text: `Record ${from + i} is here. It has two sentences.` })).join('\n') + '\n';

  it('ingest fails with one line, exit 1, stores nothing, and the rerun stores every record once', async () => {
    // ingest - holds its transaction open while it waits for more of stdin: a batch of 1,000
    // is written, then the backend serving it is terminated while the command waits.
    const child = spawn(process.execPath, [BIN, '--db', db.url, 'ingest', '-'], { cwd: REPO, stdio: ['pipe', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.stdout.resume();
    const ended = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
    child.stdin.on('error', () => {});
    child.stdin.write(records(0, 1500));
    const dbName = new URL(db.url).pathname.slice(1);
    let terminated = 0;
    while (terminated === 0) {
      const { rows } = await admin.query(
        `select pg_terminate_backend(pid) as t from pg_stat_activity where datname = $1 and pid <> pg_backend_pid() and state = 'idle in transaction' and query like 'insert into "documents"%'`,
        [dbName],
      );
      terminated = rows.length;
      if (terminated === 0) await new Promise((r) => setTimeout(r, 50));
    }
    child.stdin.end(records(1500, 2000));
    const code = await ended;

    expect(stderr).not.toMatch(/Unhandled 'error' event|node:events|^\s+at /m);
    const lines = stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^llmops: lost the connection to PostgreSQL/);
    expect(code).toBe(1);
    const stored = await admin.query('select count(*)::int as n from documents');
    expect(stored.rows[0].n).toBe(0);

    const again = await runCli(['--db', db.url, 'ingest', '-'], { input: records(0, 2000) });
    expect(again.code).toBe(0);
    const after = await admin.query('select count(*)::int as n, count(distinct external_id)::int as d from documents');
    expect(after.rows[0]).toEqual({ n: 2000, d: 2000 });
    const runs = await admin.query(`select status from runs where command = 'ingest' order by started_at`);
    expect(runs.rows.map((r) => r.status)).toEqual(['failed', 'ok']);
  });
});

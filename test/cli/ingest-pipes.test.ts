import { spawn, spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { readFileSync, readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { BIN, ndjson } from '../helpers/cli.js';
import { tempDir } from '../helpers/databases.js';

const RECORDS = '{"id":"a","text":"First one."}\n{"id":"b","text":"Second one."}\n';

/** Runs the CLI under bash (for `<(cmd)`) with a kill timer: a run that hangs ends with SIGKILL. */
function start(command: string) {
  const child = spawn('bash', ['-c', command], { stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
  child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  const timer = setTimeout(() => process.kill(-child.pid!, 'SIGKILL'), 60_000);
  const ended = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal });
    }),
  );
  return { child, ended, out: () => ({ stdout, stderr }) };
}

/** Whether a thread of `pid` waits in the kernel for the other end of a FIFO (Linux). */
function waitsForWriter(pid: number): boolean {
  try {
    return readdirSync(`/proc/${pid}/task`).some((t) => readFileSync(`/proc/${pid}/task/${t}/wchan`, 'utf8').includes('wait_for_partner'));
  } catch {
    return false;
  }
}

const q = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

describe('ingest from pipes: what is peeked at is not lost', () => {
  it('ingest <(cmd), a JSON file with no extension to go by: every record', async () => {
    const dir = tempDir();
    try {
      const db = join(dir.path, 'x.db');
      const run = start(`exec ${q(process.execPath)} ${q(BIN)} --json --db ${q(db)} ingest <(printf %s ${q(RECORDS)})`);
      const r = await run.ended;
      expect(r.code).toBe(0); // before: exit 0 with 0 records, the peek had read them
      expect(ndjson(run.out().stdout).at(-1)).toMatchObject({ records: 2, inserted: 2 });
    } finally {
      dir.remove();
    }
  });

  it('a named pipe: every record from its writer; with no writer, a second SIGTERM ends it (exit 130)', async () => {
    const dir = tempDir();
    try {
      const db = join(dir.path, 'x.db');
      const fifo = join(dir.path, 'feed');
      expect(spawnSync('mkfifo', [fifo]).status).toBe(0);
      const fed = start(`printf %s ${q(RECORDS)} > ${q(fifo)} & exec ${q(process.execPath)} ${q(BIN)} --json --db ${q(db)} ingest ${q(fifo)}`);
      expect((await fed.ended).code).toBe(0); // before: its second open waited for another writer
      expect(ndjson(fed.out().stdout).at(-1)).toMatchObject({ records: 2, inserted: 2 });

      const waiting = start(`exec ${q(process.execPath)} ${q(BIN)} --db ${q(db)} ingest ${q(fifo)}`);
      // The interrupt handler is in place before the input is opened: wait for the open to block.
      while (!waitsForWriter(waiting.child.pid!)) await new Promise((r) => setTimeout(r, 20));
      waiting.child.kill('SIGTERM');
      while (!waiting.out().stderr.includes('SIGTERM')) await new Promise((r) => setTimeout(r, 20));
      waiting.child.kill('SIGTERM');
      const r = await waiting.ended;
      expect(r.signal).toBeNull(); // before: exit hung joining the thread blocked in open()
      expect(r.code).toBe(130);
    } finally {
      dir.remove();
    }
  });
});

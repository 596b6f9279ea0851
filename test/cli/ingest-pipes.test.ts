import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { readFileSync, readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { BIN, ndjson, startProcess } from '../helpers/cli.js';
import { tempDir } from '../helpers/databases.js';

const RECORDS = '{"id":"a","text":"First one."}\n{"id":"b","text":"Second one."}\n';

/** Runs the CLI under bash (for `<(cmd)`); a run that hangs ends with SIGKILL. */
const start = (command: string) => startProcess('bash', ['-c', command], { detached: true });

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

  it('a named pipe: every record from its writer; with no writer, SIGTERM ends it (exit 143, nothing stored)', async () => {
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
      const r = await waiting.ended;
      // Before: the first SIGTERM left it waiting, and the second one's exit hung joining the
      // thread blocked in open().
      expect(r.signal).toBeNull();
      expect(r.code).toBe(143);
      expect(ndjson(r.stdout).at(-1)).toMatchObject({ records: 0, inserted: 0, note: 'interrupted: nothing stored' });
      expect(r.stderr).toMatch(/llmops: interrupted \(SIGTERM\)\n$/);
    } finally {
      dir.remove();
    }
  });

  it('split --in, dedup --in and analyse --in <fifo> with no writer, and ingest too with a writer that says nothing: one Ctrl-C ends them (exit 130)', async () => {
    const dir = tempDir();
    try {
      const fifo = join(dir.path, 'feed');
      expect(spawnSync('mkfifo', [fifo]).status).toBe(0);
      for (const args of [['split', '--in', fifo], ['dedup', '--in', fifo, '--field', 'text'], ['analyse', '--in', fifo]]) {
        const run = startProcess(process.execPath, [BIN, ...args]);
        while (!waitsForWriter(run.child.pid!)) await new Promise((r) => setTimeout(r, 20));
        run.child.kill('SIGINT');
        const r = await run.ended;
        expect([args[0], r.signal, r.code]).toEqual([args[0], null, 130]);
        expect(r.stdout).toBe('');
      }
      // A writer that opens the pipe and then says nothing: the command's open returns, its read waits.
      for (const args of [['ingest', fifo], ['split', '--in', fifo], ['dedup', '--in', fifo, '--field', 'text'], ['analyse', '--in', fifo]]) {
        const run = startProcess(process.execPath, [BIN, '--db', join(dir.path, 'x.db'), ...args], { timeoutMs: 20_000 });
        while (!waitsForWriter(run.child.pid!)) await new Promise((r) => setTimeout(r, 20));
        const writer = start(`exec 3> ${q(fifo)}; sleep 60`);
        try {
          while (waitsForWriter(run.child.pid!)) await new Promise((r) => setTimeout(r, 20));
          run.child.kill('SIGINT');
          const r = await run.ended;
          // Before: the read held a thread until the writer wrote, past Ctrl-C (killed at 20 s here).
          expect([args[0], r.signal, r.code]).toEqual([args[0], null, 130]);
        } finally {
          process.kill(-writer.child.pid!, 'SIGKILL');
          await writer.ended;
        }
      }
    } finally {
      dir.remove();
    }
  });
});

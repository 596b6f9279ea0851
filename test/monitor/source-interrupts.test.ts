import { afterEach, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { readdirSync, readlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { BIN, runCli, startProcess, withoutCreatedNote, type CliResult, type Started } from '../helpers/cli.js';
import { tempDir } from '../helpers/databases.js';
import { startFakeLangfuseApi } from '../fakes/langfuse-api-server.js';
import { startFakeSlack } from '../fakes/slack-server.js';

// `llmops monitor` run as a user runs it, then interrupted (or fed an input that never ends):
// it must stop on the first Ctrl-C whatever its source is waiting on (a rate limit's wait, a
// pipe that says nothing), and an input that can never end is refused or stopped with one line.

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

/** A work folder with a monitor config for `source` (YAML flow map); returns its paths. */
function monitorIn(source: string): { dir: string; config: string; db: string } {
  const dir = tempDir();
  cleanups.push(dir.remove);
  const config = join(dir.path, 'm.yaml');
  writeFileSync(config, `name: probe\nsource: ${source}\nmetrics: [{ name: refusal }]\npublish: [{ type: sql }]\n`);
  return { dir: dir.path, config, db: join(dir.path, 'm.db') };
}

function start(args: string[], env?: Record<string, string>): Started {
  const run = startProcess(process.execPath, [BIN, ...args], { timeoutMs: 120_000, env });
  cleanups.push(() => run.child.kill('SIGKILL'));
  return run;
}

/** Kills the process group of a detached helper, if it is still there. */
function killGroup(run: Started): void {
  try {
    process.kill(-run.child.pid!, 'SIGKILL');
  } catch {
    // ended already (a writer whose reader went away dies of SIGPIPE)
  }
}

async function until(cond: () => boolean): Promise<void> {
  while (!cond()) await new Promise((r) => setTimeout(r, 50));
}

/** How the process ended, or 'still running' if it has not within `ms` (generous: a loaded machine is slow, not a hang). */
async function endedWithin(run: Started, ms = 20_000): Promise<CliResult | 'still running'> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<'still running'>((r) => (timer = setTimeout(() => r('still running'), ms)));
  try {
    return await Promise.race([run.ended, late]);
  } finally {
    clearTimeout(timer);
  }
}

/** Whether the monitor run has begun: its `runs` row is written before the source is read. */
function runStarted(db: string): boolean {
  try {
    const c = new Database(db, { readonly: true, fileMustExist: true });
    try {
      return (c.prepare("select count(*) from runs where command = 'monitor'").pluck().get() as number) > 0;
    } finally {
      c.close();
    }
  } catch {
    return false; // not created yet, or its tables not yet
  }
}

/** Whether process `pid` has `file` open (Linux /proc). */
function hasOpen(pid: number, file: string): boolean {
  try {
    return readdirSync(`/proc/${pid}/fd`).some((fd) => {
      try {
        return readlinkSync(`/proc/${pid}/fd/${fd}`) === file;
      } catch {
        return false;
      }
    });
  } catch {
    return false;
  }
}

function expectInterrupted(r: CliResult | 'still running'): void {
  expect(r).not.toBe('still running');
  const done = r as CliResult;
  expect(done.stderr).toContain('llmops: interrupted (SIGINT)');
  expect(done.code).toBe(130);
}

describe('monitor: Ctrl-C ends a source that is waiting', () => {
  it('langfuse: during a 429 retry-after wait (under the cap)', async () => {
    const lf = await startFakeLangfuseApi({ publicKey: 'pk-lf-int', secretKey: 'sk-lf-int' });
    cleanups.push(() => lf.close());
    const path = '/api/public/v2/observations';
    lf.enqueue(...Array.from({ length: 5 }, () => ({ status: 429, retryAfterSeconds: 50, path })));
    const m = monitorIn('{ type: langfuse, name: x }');
    const run = start(['--db', m.db, 'monitor', m.config], { LANGFUSE_PUBLIC_KEY: 'pk-lf-int', LANGFUSE_SECRET_KEY: 'sk-lf-int', LANGFUSE_BASE_URL: lf.url });
    await Promise.race([until(() => lf.requests.some((q) => q.path === path)), run.ended]);
    run.child.kill('SIGINT');
    expectInterrupted(await endedWithin(run));
    expect(lf.requests.filter((q) => q.path === path)).toHaveLength(1);
  }, 60_000);

  it('slack: during a 429 retry-after wait (under the cap)', async () => {
    const slack = await startFakeSlack();
    cleanups.push(() => slack.close());
    slack.channels.C1 = { messages: [], replies: {} };
    slack.rateLimitNext(5, 50);
    const m = monitorIn('{ type: slack, channel: C1 }');
    const run = start(['--db', m.db, 'monitor', m.config], { SLACK_BOT_TOKEN: slack.token, SLACK_API_URL: slack.url });
    await Promise.race([until(() => slack.calls.includes('conversations.history')), run.ended]);
    run.child.kill('SIGINT');
    expectInterrupted(await endedWithin(run));
    expect(slack.calls).toEqual(['conversations.history']);
  }, 60_000);

  it('jsonl: a named pipe whose writer keeps it open and writes nothing', async () => {
    const m = monitorIn('{ type: jsonl, path: traces.fifo }');
    const fifo = join(m.dir, 'traces.fifo');
    execFileSync('mkfifo', [fifo]);
    const writer = startProcess('bash', ['-c', `exec sleep 120 > '${fifo}'`], { detached: true });
    cleanups.push(() => killGroup(writer));
    const run = start(['--db', m.db, 'monitor', m.config]);
    await Promise.race([until(() => hasOpen(run.child.pid!, fifo)), run.ended]);
    run.child.kill('SIGINT');
    expectInterrupted(await endedWithin(run));
  }, 60_000);

  it('jsonl: a named pipe nobody has opened to write', async () => {
    const m = monitorIn('{ type: jsonl, path: traces.fifo }');
    execFileSync('mkfifo', [join(m.dir, 'traces.fifo')]);
    const run = start(['--db', m.db, 'monitor', m.config]);
    await Promise.race([until(() => runStarted(m.db)), run.ended]);
    run.child.kill('SIGINT');
    expectInterrupted(await endedWithin(run));
  }, 60_000);
});

describe('monitor: a jsonl input that can never end', () => {
  it('a character device (/dev/zero) is refused up front: one line naming it, exit 2', async () => {
    const m = monitorIn('{ type: jsonl, path: /dev/zero }');
    const r = await runCli(['--db', m.db, 'monitor', m.config], { timeoutMs: 30_000 });
    expect(r.stderr).toBe(`llmops: ${m.config}: source.path: /dev/zero is a device or socket, not a file (it never ends); use a file, a named pipe, or - for stdin\n`);
    expect(r.code).toBe(2);
  }, 60_000);

  it('a line with no end (a pipe fed /dev/zero) stops at the record cap: one line naming file and line, exit 2', async () => {
    const m = monitorIn('{ type: jsonl, path: traces.fifo }');
    const fifo = join(m.dir, 'traces.fifo');
    execFileSync('mkfifo', [fifo]);
    const writer = startProcess('bash', ['-c', `printf '{"id":"a","input":"q","output":"fine"}\\n' > '${fifo}.tmp'; cat '${fifo}.tmp' /dev/zero > '${fifo}'`], { detached: true, timeoutMs: 120_000 });
    cleanups.push(() => killGroup(writer));
    const r = await endedWithin(start(['--db', m.db, 'monitor', m.config]), 100_000);
    expect(r).not.toBe('still running');
    const done = r as CliResult;
    expect(withoutCreatedNote(done.stderr)).toBe('llmops: traces.fifo:2: a line longer than 64 MB: stopped reading (a JSONL source holds one JSON object per line)\n');
    expect(done.code).toBe(2);
  }, 120_000);
});

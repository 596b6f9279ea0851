import { afterEach, describe, expect, it } from 'vitest';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { BIN, startProcess, type CliResult, type Started } from '../helpers/cli.js';
import { tempDir } from '../helpers/databases.js';
import { startFakeLangfuseApi } from '../fakes/langfuse-api-server.js';
import { startFakeSlack } from '../fakes/slack-server.js';

// `llmops monitor` run as a user runs it, then interrupted: it must stop on the first Ctrl-C
// whatever its source is waiting on (a rate limit's wait).

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
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ndjson, runCli } from '../helpers/cli.js';
import { ask, readAll, readUntilError, streamFixture, TOKENS, type StreamFixture } from '../llm/stream-fixture.js';

// Streamed calls as `inspect calls` shows them: one that finished, one its caller stopped
// (cancelled), one cut off by the provider (failed), each with its text and time to first token.

describe('inspect calls of streamed calls', () => {
  let f: StreamFixture;
  const cli = (...args: string[]) => runCli(['--db', f.dbPath, 'inspect', 'calls', ...args]);

  beforeAll(async () => {
    f = await streamFixture('openai');
    await readAll(f.client.stream(ask('first', 't-ok')));
    f.fake.enqueue({ kind: 'stall', afterTokens: 3 });
    for await (const event of f.client.stream(ask('second', 't-cancelled'))) if (event.type === 'text' && event.text === TOKENS[1]) break;
    f.fake.enqueue({ kind: 'cut', afterTokens: 4 });
    await readUntilError(f.client.stream(ask('third', 't-cut')));
    await f.client.flush();
  });
  afterAll(async () => {
    await f?.close();
  });

  it('--status cancelled lists the cancelled call, --status failed the broken one; the totals count each apart', async () => {
    const cancelled = await cli('--status', 'cancelled', '--totals');
    expect(cancelled.code, cancelled.stderr).toBe(0);
    const [row, totals] = ndjson(cancelled.stdout);
    expect(row).toMatchObject({ trace_id: 't-cancelled', status: 'cancelled' });
    expect(totals.totals).toMatchObject({ calls: 1, failed: 0, cancelled: 1 });
    const failed = ndjson((await cli('--status', 'failed')).stdout);
    expect(failed.map((r) => [r.trace_id, r.status])).toEqual([['t-cut', 'failed']]);
    const all = ndjson((await cli('--totals')).stdout);
    expect(all.at(-1).totals).toMatchObject({ calls: 3, failed: 1, cancelled: 1 });
  });

  it('one call whole: the partial text, the error, the time to first token', async () => {
    const out = await cli('t-cancelled');
    expect(out.code, out.stderr).toBe(0);
    const [call] = ndjson(out.stdout);
    expect(call).toMatchObject({ status: 'cancelled', response: TOKENS.slice(0, 2).join(''), error: 'cancelled: the caller stopped reading the stream', finish_reason: null });
    expect(call.time_to_first_token_ms).toEqual(expect.any(Number));
    const [ok] = ndjson((await cli('t-ok')).stdout);
    expect(ok).toMatchObject({ status: 'ok', finish_reason: 'stop', response: TOKENS.join('') });
    expect(ok.time_to_first_token_ms).toBeLessThanOrEqual(ok.latency_ms);
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { Logger } from '../../src/core/logger.js';
import { createWebhookServer } from '../../src/monitor/webhook/webhook-server.js';
import { signBody } from '../../src/monitor/webhook/verify-signature.js';

const SECRET = 'whsec_test_secret';
let server: Server;
let url: string;
const notified: string[] = [];

beforeAll(async () => {
  server = createWebhookServer({ secret: SECRET, maxBodyBytes: 4096, toleranceS: 300, logger: new Logger('quiet'), onPromptVersion: async (e) => void notified.push(`${e.name}@${e.version}`) });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));

const event = (id: string) => JSON.stringify({ id, type: 'prompt-version', action: 'created', prompt: { name: 'support-judge', version: 4, labels: ['production'] } });
const post = (body: string, headers: Record<string, string> = {}) => fetch(url, { method: 'POST', body, headers: { 'content-type': 'application/json', ...headers } });

describe('monitor webhook', () => {
  it('accepts a valid signature once, and answers a retried delivery without acting again', async () => {
    const body = event('evt_1');
    const r = await post(body, { 'x-langfuse-signature': signBody(body, SECRET) });
    expect(r.status).toBe(200);
    expect(await r.json()).toMatchObject({ ok: true });
    const again = await post(body, { 'x-langfuse-signature': signBody(body, SECRET) });
    expect(await again.json()).toMatchObject({ ok: true, duplicate: true });
    expect(notified).toEqual(['support-judge@4']);
  });

  it('401 for a tampered body, a wrong secret, a stale timestamp, or no signature', async () => {
    const body = event('evt_2');
    const sig = signBody(body, SECRET);
    expect((await post(body.replace('4', '5'), { 'x-langfuse-signature': sig })).status).toBe(401);
    expect((await post(body, { 'x-langfuse-signature': signBody(body, 'other') })).status).toBe(401);
    const stale = signBody(body, SECRET, Math.floor(Date.now() / 1000) - 3600);
    const r = await post(body, { 'x-langfuse-signature': stale });
    expect(r.status).toBe(401);
    expect(await r.json()).toMatchObject({ error: 'stale timestamp' });
    expect((await post(body)).status).toBe(401);
    expect((await post(body, { 'x-langfuse-signature': 'v1=abc' })).status).toBe(401);
    expect(notified).toEqual(['support-judge@4']);
  });

  it('a signed body replayed with a new x-langfuse-delivery-id is a duplicate: that header is not signed', async () => {
    // No event id in the body: the delivery is told by what the signature covers, the body.
    const body = JSON.stringify({ type: 'prompt-version', action: 'updated', prompt: { name: 'replayed-judge', version: 2, labels: ['production'] } });
    const first = await post(body, { 'x-langfuse-signature': signBody(body, SECRET), 'x-langfuse-delivery-id': 'dlv_1' });
    expect(await first.json()).toMatchObject({ ok: true });
    const replay = await post(body, { 'x-langfuse-signature': signBody(body, SECRET), 'x-langfuse-delivery-id': 'dlv_forged' });
    expect(replay.status).toBe(200);
    expect(await replay.json()).toMatchObject({ ok: true, duplicate: true });
    expect(notified.filter((n) => n.startsWith('replayed-judge'))).toEqual(['replayed-judge@2']);
  });

  it('a delivery whose notify failed is not marked handled: it answers 502, and the retry notifies', async () => {
    let failures = 1;
    const told: string[] = [];
    const flaky = createWebhookServer({
      secret: SECRET,
      maxBodyBytes: 4096,
      toleranceS: 300,
      logger: new Logger('quiet'),
      onPromptVersion: async (e) => {
        if (failures-- > 0) throw new Error('slack down');
        told.push(`${e.name}@${e.version}`);
      },
    });
    await new Promise<void>((r) => flaky.listen(0, '127.0.0.1', () => r()));
    const at = `http://127.0.0.1:${(flaky.address() as AddressInfo).port}/`;
    try {
      const body = event('evt_flaky');
      const send = () => fetch(at, { method: 'POST', body, headers: { 'content-type': 'application/json', 'x-langfuse-signature': signBody(body, SECRET) } });
      const failed = await send();
      expect(failed.status).toBe(502);
      expect(told).toEqual([]);
      const retried = await send();
      expect(retried.status).toBe(200);
      expect(await retried.json()).toMatchObject({ ok: true });
      expect(await (await send()).json()).toMatchObject({ ok: true, duplicate: true });
      expect(told).toEqual(['support-judge@4']);
    } finally {
      await new Promise<void>((r) => flaky.close(() => r()));
    }
  });

  it('413 for a body over the cap, before any signature work', async () => {
    const body = JSON.stringify({ id: 'big', prompt: { name: 'x' }, pad: 'x'.repeat(10_000) });
    const r = await post(body, { 'x-langfuse-signature': signBody(body, SECRET) });
    expect(r.status).toBe(413);
  });
});

describe('slackPromptNotifier', () => {
  it('gives up on a Slack that rate-limits it for an hour at once (the webhook then answers 502 and Langfuse retries), instead of waiting the hour out', async () => {
    const { startFakeSlack } = await import('../fakes/slack-server.js');
    const { slackPromptNotifier } = await import('../../src/monitor/webhook/slack-notifier.js');
    const slack = await startFakeSlack();
    try {
      const notify = await slackPromptNotifier({ token: slack.token, channel: 'C1', apiUrl: slack.url });
      slack.rateLimitNext(1, 3600);
      await expect(notify({ name: 'support-judge', version: 5 })).rejects.toThrow(/rate/i);
      expect(slack.posted).toEqual([]);
      // Slack back: the next delivery (Langfuse's retry) is told.
      await notify({ name: 'support-judge', version: 5 });
      expect(slack.posted).toEqual([{ channel: 'C1', text: expect.stringContaining('support-judge') }]);
    } finally {
      await slack.close();
    }
  });
});

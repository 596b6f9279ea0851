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

  it('413 for a body over the cap, before any signature work', async () => {
    const body = JSON.stringify({ id: 'big', prompt: { name: 'x' }, pad: 'x'.repeat(10_000) });
    const r = await post(body, { 'x-langfuse-signature': signBody(body, SECRET) });
    expect(r.status).toBe(413);
  });
});

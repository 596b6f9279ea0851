import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

/**
 * A fake of the Slack Web API methods the monitor and webhook use, in Slack's wire format,
 * reached through @slack/web-api with `slackApiUrl` pointed here: POST /api/<method>, form or
 * JSON body, `Authorization: Bearer <token>`, always HTTP 200 with {ok:false, error} for API
 * errors, HTTP 429 with `Retry-After` for rate limits. Methods: conversations.history and
 * conversations.replies (cursor paging through response_metadata.next_cursor), chat.postMessage.
 */

export type SlackMsg = { ts: string; text: string; user?: string; bot_id?: string; thread_ts?: string; reply_count?: number };

export type FakeSlack = {
  url: string;
  token: string;
  channels: Record<string, { messages: SlackMsg[]; replies: Record<string, SlackMsg[]> }>;
  posted: { channel: string; text: string }[];
  calls: string[];
  rateLimitNext(n: number, retryAfterSeconds?: number): void;
  /**
   * conversations.history paging past the end, as a broken API or proxy might: `same` answers
   * the page past the last with the cursor it was sent (and has_more), `fresh` with a new cursor
   * each time (empty pages forever). Unset: an empty next_cursor on the last page, as Slack does.
   */
  brokenPaging?: 'same' | 'fresh';
  close(): Promise<void>;
};

export async function startFakeSlack(opts: { token?: string; pageSize?: number } = {}): Promise<FakeSlack> {
  const token = opts.token ?? 'xoxb-test-token';
  const pageSize = opts.pageSize ?? 2;
  let limited = 0;
  let retryAfter = 1;
  const sockets = new Set<Socket>();
  const state: FakeSlack = {
    url: '',
    token,
    channels: {},
    posted: [],
    calls: [],
    rateLimitNext: (n, s = 1) => {
      limited = n;
      retryAfter = s;
    },
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
  const send = (res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) => {
    res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', ...headers });
    res.end(JSON.stringify(body));
  };
  const page = <T>(items: T[], cursor: string | undefined, limit: number, broken?: 'same' | 'fresh') => {
    const start = cursor ? Number(Buffer.from(cursor, 'base64').toString('utf8').replace('next_ts:', '').split(':')[0]) : 0;
    const n = Math.min(limit, pageSize);
    const slice = items.slice(start, start + n);
    let next = start + n < items.length ? Buffer.from(`next_ts:${start + n}`).toString('base64') : '';
    if (!next && broken === 'same') next = slice.length === 0 && cursor ? cursor : Buffer.from(`next_ts:${start + n}`).toString('base64');
    if (!next && broken === 'fresh') next = Buffer.from(`next_ts:${start + n}:${state.calls.length}`).toString('base64');
    return { slice, meta: { has_more: next !== '', response_metadata: { next_cursor: next } } };
  };

  async function handle(req: IncomingMessage, res: ServerResponse) {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const raw = Buffer.concat(chunks).toString('utf8');
    const method = (req.url ?? '').replace(/^\/api\//, '').split('?')[0]!;
    state.calls.push(method);
    if (limited > 0) {
      limited--;
      return send(res, 429, { ok: false, error: 'ratelimited' }, { 'retry-after': String(retryAfter) });
    }
    if (req.method !== 'POST') return send(res, 200, { ok: false, error: 'invalid_request' });
    const type = String(req.headers['content-type'] ?? '');
    const args: Record<string, any> = type.includes('json') ? JSON.parse(raw || '{}') : Object.fromEntries(new URLSearchParams(raw));
    const auth = String(req.headers.authorization ?? '').replace(/^Bearer /, '') || args.token;
    if (!auth) return send(res, 200, { ok: false, error: 'not_authed' });
    if (auth !== token) return send(res, 200, { ok: false, error: 'invalid_auth' });
    const ch = args.channel ? state.channels[args.channel] : undefined;
    switch (method) {
      case 'conversations.history': {
        if (!ch) return send(res, 200, { ok: false, error: 'channel_not_found' });
        const oldest = args.oldest ? Number(args.oldest) : 0;
        const msgs = ch.messages.filter((m) => Number(m.ts) >= oldest).sort((a, b) => Number(b.ts) - Number(a.ts));
        const p = page(msgs, args.cursor || undefined, Number(args.limit ?? 100), state.brokenPaging);
        return send(res, 200, { ok: true, messages: p.slice, pin_count: 0, ...p.meta });
      }
      case 'conversations.replies': {
        if (!ch) return send(res, 200, { ok: false, error: 'channel_not_found' });
        const parent = ch.messages.find((m) => m.ts === args.ts);
        if (!parent) return send(res, 200, { ok: false, error: 'thread_not_found' });
        const all = [parent, ...(ch.replies[args.ts] ?? []).map((r) => ({ ...r, thread_ts: args.ts }))];
        const p = page(all, args.cursor || undefined, Number(args.limit ?? 100));
        return send(res, 200, { ok: true, messages: p.slice, ...p.meta });
      }
      case 'chat.postMessage': {
        if (!args.channel) return send(res, 200, { ok: false, error: 'channel_not_found' });
        if (!args.text && !args.blocks) return send(res, 200, { ok: false, error: 'no_text' });
        state.posted.push({ channel: args.channel, text: args.text });
        return send(res, 200, { ok: true, channel: args.channel, ts: `${Date.now() / 1000}`, message: { text: args.text, type: 'message' } });
      }
      default:
        return send(res, 200, { ok: false, error: 'unknown_method' });
    }
  }
  const server = createServer((req, res) => {
    handle(req, res).catch((err) => send(res, 500, { ok: false, error: 'fatal_error', detail: String(err) }));
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  state.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/`;
  return state;
}

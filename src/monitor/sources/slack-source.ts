import { LlmopsError, UsageError } from '../../core/errors.js';
import { redactUrl } from '../../core/redact.js';
import type { SourceConfig } from '../monitor-config.js';
import type { SourceItem, SourceProblem } from '../types.js';
import { pageCursors } from './page-cursors.js';
import { waitRetryAfter } from './retry-after.js';

type SlackSourceConfig = Extract<SourceConfig, { type: 'slack' }>;

type SlackMessage = { ts?: string; thread_ts?: string; text?: string; user?: string; bot_id?: string; reply_count?: number; subtype?: string };

type Page = { messages?: unknown[]; has_more?: boolean; response_metadata?: { next_cursor?: string } };

/** A call to Slack that returns undefined when the signal fired. */
type SlackCall = <T extends Page>(call: () => Promise<T>) => Promise<T | undefined>;

/**
 * A support bot's answers in one Slack channel: every thread's replies from the bot are items,
 * with the thread's opening message as the question and the earlier replies as context.
 * conversations.history + conversations.replies through @slack/web-api (SLACK_BOT_TOKEN). A 429
 * is waited out here (slackCall), within MAX_RETRY_AFTER_S; on `signal` the request in flight and
 * any wait end at once and the source ends, as after an interrupt.
 */
export async function* slackSource(cfg: SlackSourceConfig, sinceMs?: number, signal?: AbortSignal): AsyncGenerator<SourceItem | SourceProblem> {
  const token = process.env.SLACK_BOT_TOKEN;
  if (!token) throw new UsageError('source slack: SLACK_BOT_TOKEN is not set');
  const { WebClient } = await import('@slack/web-api');
  const slackApiUrl = cfg.base_url ?? process.env.SLACK_API_URL;
  // p-retry, under the client, reads onFailedAttempt: throwing there ends its retries of a
  // network error at once on Ctrl-C instead of after them.
  const retryConfig = { retries: 3, factor: 1, minTimeout: 50, maxTimeout: 2000, onFailedAttempt: () => signal?.throwIfAborted() };
  const client = new WebClient(token, {
    ...(slackApiUrl ? { slackApiUrl: slackApiUrl.endsWith('/') ? slackApiUrl : `${slackApiUrl}/` } : {}),
    retryConfig,
    // The client's own wait on a 429 lasts whatever retry-after says (an hour) and hears no
    // signal: it hands the 429 back to slackCall instead.
    rejectRateLimitedCalls: true,
    fetch: (url, init) => fetch(url, { ...init, signal: signal && init?.signal ? AbortSignal.any([signal, init.signal]) : (signal ?? init?.signal) }),
  });
  const call = slackCaller(`source slack: Slack at ${redactUrl(slackApiUrl ?? 'https://slack.com/api/')}`, signal);
  const oldest = sinceMs !== undefined ? String((Date.now() - sinceMs) / 1000) : undefined;
  const isBot = (m: SlackMessage) => (cfg.bot_user ? m.user === cfg.bot_user || m.bot_id === cfg.bot_user : Boolean(m.bot_id));
  const cursors = pageCursors(`source slack: conversations.history of ${cfg.channel}`);
  let cursor: string | undefined;
  let n = 0;
  do {
    const page = await call(() => client.conversations.history({ channel: cfg.channel, cursor, oldest, limit: 200 }));
    if (!page) return;
    for (const parent of (page.messages ?? []) as SlackMessage[]) {
      if (!parent.ts || !parent.reply_count || isBot(parent)) continue;
      let replies: SlackMessage[] | undefined;
      try {
        replies = await allReplies(client, call, cfg.channel, parent.ts);
      } catch (err) {
        // A rate limit past the cap, or a cursor loop, ends the source; any other failure is this thread's.
        if (err instanceof LlmopsError) throw err;
        yield { problem: `conversations.replies failed: ${(err as Error).message}`, where: `slack ${cfg.channel} ${parent.ts}` };
        continue;
      }
      if (!replies) return;
      const earlier: string[] = [];
      for (const r of replies) {
        if (r.ts === parent.ts) continue;
        if (isBot(r) && r.text) {
          yield {
            raw: {
              id: `${cfg.channel}:${r.ts}`,
              question: parent.text ?? '',
              answer: r.text,
              thread: earlier.join('\n'),
              timestamp: new Date(Number(r.ts) * 1000).toISOString(),
              channel: cfg.channel,
              thread_ts: parent.ts,
              user: parent.user,
            },
            where: `slack ${cfg.channel} ${r.ts}`,
          };
          if (++n >= cfg.max_fetch) return;
        }
        if (r.text) earlier.push(r.text);
      }
    }
    cursor = nextCursor(page, cursors);
  } while (cursor);
}

/** Every message of one thread, or undefined when the signal fired. */
async function allReplies(client: import('@slack/web-api').WebClient, call: SlackCall, channel: string, ts: string): Promise<SlackMessage[] | undefined> {
  const out: SlackMessage[] = [];
  const cursors = pageCursors(`source slack: conversations.replies of ${channel} ${ts}`);
  let cursor: string | undefined;
  do {
    const page = await call(() => client.conversations.replies({ channel, ts, cursor, limit: 200 }));
    if (!page) return undefined;
    out.push(...((page.messages ?? []) as SlackMessage[]));
    cursor = nextCursor(page, cursors);
  } while (cursor);
  return out;
}

/** Slack says `has_more: false` at the end; a cursor sent along with it is not followed. */
function nextCursor(page: Page, cursors: ReturnType<typeof pageCursors>): string | undefined {
  if (page.has_more === false) return undefined;
  return cursors.next(page.response_metadata?.next_cursor || undefined, page.messages?.length ?? 0);
}

const RATE_LIMIT_RETRIES = 5;

/** Runs Slack calls, waiting out each 429 as retry-after asks (capped); undefined once the signal fired. */
function slackCaller(service: string, signal?: AbortSignal): SlackCall {
  return async (fn) => {
    for (let attempt = 0; ; attempt++) {
      try {
        return await fn();
      } catch (err) {
        if (signal?.aborted) return undefined;
        const retryAfter = (err as { code?: unknown; retryAfter?: unknown }).code === 'slack_webapi_rate_limited_error' ? (err as { retryAfter: number }).retryAfter : undefined;
        if (retryAfter === undefined || attempt >= RATE_LIMIT_RETRIES) throw err;
        if (!(await waitRetryAfter(retryAfter, service, signal))) return undefined;
      }
    }
  };
}

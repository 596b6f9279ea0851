import { PassThrough } from 'node:stream';
import type { FastifyInstance, FastifyReply } from 'fastify';
import { UsageError, errorMessage } from '../core/errors.js';
import { redactText } from '../core/redact.js';
import { chatBody, errorResponses, ref } from './http-schemas.js';
import type { ServeMetrics } from './serve-metrics.js';
import type { ChatTurn, ServeDeps } from './serve-types.js';
import type { TurnControl, TurnRegistry } from './turn-control.js';
import { HttpError, checkStorableText, userOf } from './http-errors.js';

type ChatBody = { question: string; session_id?: string; collections?: string[]; k?: number };

/** One Server-Sent Event; JSON never holds a raw newline, so `data` is always one line. */
const sseEvent = (event: string, data: unknown) => `event: ${event}\ndata: ${JSON.stringify(data)}\n\n`;

const shownDuration = (ms: number) => (ms < 1000 ? `${ms}ms` : `${Math.round(ms / 1000)}s`);

/** Clients that ask for a stream get one; everyone else (no Accept, JSON) gets the JSON answer. */
const wantsStream = (accept: string | undefined) => /\btext\/event-stream\b/i.test(accept ?? '');

/**
 * What a failed turn tells the client: its own words for a usage error; for anything else (a
 * provider's or a database driver's error, which may name hosts, files or the query) only a
 * reference to the server's log line, which has the one redacted line.
 */
function turnFailure(err: unknown, turn: TurnControl, reply: FastifyReply, logger: ServeDeps['logger']): { status: number; message: string } {
  if (turn.stoppedBecause) return { status: 504, message: turn.stoppedBecause };
  if (err instanceof UsageError) return { status: 400, message: err.message };
  logger.error(`serve: /chat ${reply.request.id}: ${redactText(errorMessage(err)).split('\n')[0]}`);
  return { status: 500, message: `the answer failed (request ${reply.request.id}: the server's log says why)` };
}

export function registerChatRoute(app: FastifyInstance, deps: ServeDeps, turns: TurnRegistry, metrics: ServeMetrics): void {
  app.post(
    '/chat',
    {
      schema: {
        summary: 'Ask a question in a session (a new one without session_id): a JSON answer, or a stream with Accept: text/event-stream',
        body: chatBody,
        response: {
          200: {
            description: 'JSON: {session_id, answer}. text/event-stream: events session, delta (each text delta), done {session_id, answer} or error {error}',
            content: {
              'application/json': { schema: { type: 'object', properties: { session_id: { type: 'string' }, answer: ref('Answer') }, required: ['session_id', 'answer'] } },
              'text/event-stream': { schema: { type: 'string' } },
            },
          },
          ...errorResponses(400, 401, 404, 413, 429, 500, 504),
        },
      },
    },
    async (request, reply) => {
      const user = userOf(request);
      const body = request.body as ChatBody;
      checkStorableText('question', body.question);
      // Someone else's session looks exactly like a missing one.
      if (body.session_id !== undefined && !(await deps.sessions.get(body.session_id, user))) throw new HttpError(404, `no session ${body.session_id}`);
      const base = { user, question: body.question, sessionId: body.session_id, collections: body.collections, k: body.k };
      if (wantsStream(request.headers.accept)) return streamTurn(reply, { deps, turns, metrics }, base);
      return jsonTurn(reply, { deps, turns, metrics }, base);
    },
  );
}

type TurnDeps = { deps: ServeDeps; turns: TurnRegistry; metrics: ServeMetrics };
type TurnBase = Omit<ChatTurn, 'signal' | 'onSession' | 'onText'>;

async function jsonTurn(reply: FastifyReply, t: TurnDeps, base: TurnBase) {
  const seconds = shownDuration(t.deps.options.requestTimeoutMs);
  const turn = t.turns.start(reply, t.deps.options.requestTimeoutMs, `no answer within ${seconds} (the server's --request-timeout)`);
  let first = true;
  try {
    const result = await t.deps.converse({
      ...base,
      signal: turn.signal,
      onText() {
        if (first) t.metrics.firstToken('json', reply.elapsedTime / 1000);
        first = false;
      },
    });
    t.metrics.answer(result.answer);
    return { session_id: result.sessionId, answer: result.answer };
  } catch (err) {
    if (turn.clientGone) return reply; // nobody to answer
    const f = turnFailure(err, turn, reply, t.deps.logger);
    throw new HttpError(f.status, f.message);
  } finally {
    turn.end();
  }
}

/**
 * How long the events after the first delta may wait to share one socket write. A model sends
 * a token every 10–50 ms and each was its own write (a system call, and on loopback the
 * reader's wake-up): at 200 streams the server's largest cost after retrieval (bench/serve).
 * The first delta and the last events go at once, so neither the time to the first token nor
 * the end of the answer waits; in between, text arrives at most this late, below what a reader
 * can see.
 */
const SSE_COALESCE_MS = 40;

/** Writes SSE events to `out`, the ones sent with `now` at once, the others within SSE_COALESCE_MS. */
function sseWriter(out: PassThrough, onWrite: () => void) {
  let pending = '';
  let timer: NodeJS.Timeout | undefined;
  const flush = () => {
    clearTimeout(timer);
    timer = undefined;
    if (pending !== '' && !out.writableEnded) out.write(pending);
    pending = '';
  };
  return {
    send(event: string, data: unknown, now = false) {
      onWrite();
      pending += sseEvent(event, data);
      if (now) flush();
      else timer ??= setTimeout(flush, SSE_COALESCE_MS);
    },
    end() {
      flush();
      out.end();
    },
  };
}

function streamTurn(reply: FastifyReply, t: TurnDeps, base: TurnBase) {
  const seconds = shownDuration(t.deps.options.requestTimeoutMs);
  const turn = t.turns.start(reply, t.deps.options.requestTimeoutMs, `the answer stalled: nothing for ${seconds} (the server's --request-timeout)`);
  const out = new PassThrough();
  const sse = sseWriter(out, () => turn.touch());
  t.metrics.streamOpened();
  let first = true;
  // The turn runs while Fastify pipes `out` to the socket.
  void t.deps
    .converse({
      ...base,
      signal: turn.signal,
      onSession: (id) => sse.send('session', { session_id: id }),
      onText(text) {
        if (first) t.metrics.firstToken('stream', reply.elapsedTime / 1000);
        sse.send('delta', { text }, first);
        first = false;
      },
    })
    .then((result) => {
      t.metrics.answer(result.answer);
      sse.send('done', { session_id: result.sessionId, answer: result.answer }, true);
    })
    .catch((err) => {
      if (turn.clientGone) return;
      const f = turnFailure(err, turn, reply, t.deps.logger);
      sse.send('error', { error: f.message }, true);
    })
    .finally(() => {
      turn.end();
      t.metrics.streamClosed();
      sse.end();
    });
  return reply
    .header('content-type', 'text/event-stream; charset=utf-8')
    .header('cache-control', 'no-cache, no-transform')
    // Proxies (nginx) would otherwise hold the events back until the buffer fills.
    .header('x-accel-buffering', 'no')
    .send(out);
}

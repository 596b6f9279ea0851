import type { ServerResponse } from 'node:http';

/**
 * Writing a provider's Server-Sent Events answer, token by token, with the timing and the
 * faults of the fake servers (fake-llm-server.ts). Each provider module builds the events in its
 * own wire format; this file only knows SSE framing, delays and faults.
 */

/** One SSE event. `token` marks the events that carry answer text: delays and faults count them. */
export type SseEvent = { event?: string; data: string; token?: boolean };

export type StreamReply = { status: number; headers?: Record<string, string>; events: SseEvent[] };

/** Faults of a streamed answer, each striking once `afterTokens` text events were sent. */
export type StreamFault =
  | { kind: 'stall'; afterTokens: number } // stop sending, keep the socket open
  | { kind: 'cut'; afterTokens: number } // destroy the socket mid-stream
  | { kind: 'malformed'; afterTokens: number } // one event whose data is not JSON, then the rest
  | { kind: 'pause'; afterTokens: number; until: Promise<void> }; // hold the rest until `until` settles (a test looks at the half-written answer)

/** What happened to one streamed answer, as the provider saw it. */
export type StreamRecord = {
  path: string;
  /** Text events written so far. */
  tokensSent: number;
  /** The fault injected into this stream, if any. */
  fault?: StreamFault['kind'];
  /**
   * How it ended; undefined while open (a stalled stream stays open until the client gives up).
   * `client-disconnected`: the client closed the connection before the last event, which is
   * how a cancelled request reaches a provider.
   */
  end?: 'completed' | 'client-disconnected' | 'cut';
};

export type StreamTiming = {
  /** Before every text event (the first included): "50 tokens at 20 ms" is 50 × 20 ms, token k due k × 20 ms after the headers. */
  tokenDelayMs: number;
  /** Added before the first text event: the model's time to first token. */
  firstTokenDelayMs: number;
  /** The fake's cancellable sleep (close() stops every pending one). */
  sleep(ms: number): Promise<void>;
};

const frame = (e: SseEvent) => `${e.event ? `event: ${e.event}\n` : ''}data: ${e.data}\n\n`;

/** Writes `reply` as an event stream; resolves when the stream ended, stalled or was cut. */
export async function writeEventStream(res: ServerResponse, reply: StreamReply, record: StreamRecord, timing: StreamTiming, fault?: StreamFault): Promise<void> {
  res.writeHead(reply.status, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache', connection: 'keep-alive', ...reply.headers });
  res.flushHeaders();
  res.on('close', () => {
    record.end ??= res.writableFinished ? 'completed' : 'client-disconnected';
  });
  if (fault) record.fault = fault.kind;
  const lastToken = reply.events.findLastIndex((e) => e.token);
  let pending = fault;
  let flushed = Promise.resolve();
  const started = performance.now();
  for (const [i, ev] of reply.events.entries()) {
    // A fault strikes before the next text event, or after the last one when N ≥ all of them.
    if (pending && record.tokensSent === pending.afterTokens && (ev.token || i > lastToken)) {
      if (pending.kind === 'stall') return;
      if (pending.kind === 'pause') {
        await pending.until;
        pending = undefined;
        if (res.destroyed) return;
      }
      if (pending?.kind === 'cut') {
        record.end = 'cut';
        await flushed; // the N tokens reach the client; what follows never does
        res.socket?.destroy();
        return;
      }
      if (pending?.kind === 'malformed') {
        res.write(frame({ event: ev.event, data: '{"type": this is not JSON' }));
        pending = undefined;
      }
    }
    if (ev.token) {
      // Token k is due at a fixed time from the start: a late timer delays one token, not all after it.
      const due = started + timing.firstTokenDelayMs + (record.tokensSent + 1) * timing.tokenDelayMs;
      await timing.sleep(due - performance.now());
      if (res.destroyed) return;
      record.tokensSent++;
    }
    if (pending?.kind === 'cut') flushed = new Promise((resolve) => res.write(frame(ev), () => resolve()));
    else res.write(frame(ev));
  }
  res.end();
}

/** The answer cut into tokens the way models stream them: words with their leading space. */
export function splitTokens(text: string): string[] {
  return text.match(/\s*\S+|\s+$/g) ?? [];
}

import type { FastifyReply } from 'fastify';

/**
 * The abort controller of one chat turn: aborted when the client goes away, when the turn
 * stops moving for too long, or when the server gives up waiting for it at shutdown. The
 * provider request listens to its signal, so each of those stops the model call too.
 */
export type TurnControl = {
  readonly signal: AbortSignal;
  /** Why the turn was stopped by the server (timeout, shutdown); undefined if it was not. */
  readonly stoppedBecause: string | undefined;
  readonly clientGone: boolean;
  /** Restarts the idle clock (a stream that keeps moving is never cut). */
  touch(): void;
  end(): void;
};

/** The turns in flight, so a shutdown can count them and, past its grace, stop them. */
export class TurnRegistry {
  private readonly stops = new Set<(why: string) => void>();

  get size(): number {
    return this.stops.size;
  }

  /** `timeoutMs`: how long the turn may go without a `touch()`. */
  start(reply: FastifyReply, timeoutMs: number, timeoutMessage: string): TurnControl {
    const ctrl = new AbortController();
    let stoppedBecause: string | undefined;
    let clientGone = false;
    const stop = (why: string) => {
      if (ctrl.signal.aborted) return;
      stoppedBecause = why;
      ctrl.abort(new Error(why));
    };
    const timer = setTimeout(() => stop(timeoutMessage), timeoutMs);
    // The response closing before it finished: the client went away (a closed tab, a cut line).
    const onClose = () => {
      if (reply.raw.writableFinished || ctrl.signal.aborted) return;
      clientGone = true;
      ctrl.abort(new Error('the client disconnected'));
    };
    reply.raw.on('close', onClose);
    this.stops.add(stop);
    const end = () => {
      clearTimeout(timer);
      reply.raw.off('close', onClose);
      this.stops.delete(stop);
    };
    return {
      signal: ctrl.signal,
      get stoppedBecause() {
        return stoppedBecause;
      },
      get clientGone() {
        return clientGone;
      },
      touch() {
        // refresh(), not a new timer: a stream touches it at every event.
        if (!ctrl.signal.aborted) timer.refresh();
      },
      end,
    };
  }

  /** Stops every turn in flight (their clients get an error event or status). */
  stopAll(why: string): void {
    for (const stop of [...this.stops]) stop(why);
  }
}

import { EventEmitter } from 'node:events';
import { closeSync, constants, open, openSync } from 'node:fs';
import { Socket } from 'node:net';
import { Readable } from 'node:stream';

/**
 * A stream's open of a named pipe waits, in a libuv thread, for the other end: a writer's for a
 * reader, a reader's for a writer. With nobody at the other end, Ctrl-C and SIGTERM could never
 * end the command, and even the second one's process.exit hung, joining that thread. On `signal`
 * (the command's interrupt), and at exit, this opens the other end itself (O_NONBLOCK: that open
 * never waits), so the pending open returns, and closes it once the stream has opened: a writer
 * then fails with EPIPE (the reader is gone), a reader meets the end of its input. The end stays
 * open until then because an open that has not reached the kernel yet would otherwise find
 * nobody again and wait.
 */
export function releasePendingFifoOpen(path: string, stream: EventEmitter, mine: 'read' | 'write', signal?: AbortSignal): void {
  let otherEnd: number | undefined;
  const release = () => {
    if (otherEnd !== undefined) return;
    try {
      otherEnd = openSync(path, (mine === 'write' ? constants.O_RDONLY : constants.O_WRONLY) | constants.O_NONBLOCK);
    } catch {
      // the FIFO is gone, or its stream opened meanwhile: the pending open ends on its own
    }
  };
  const done = () => {
    process.off('exit', release);
    signal?.removeEventListener('abort', release);
    stream.off('open', done).off('close', done);
    if (otherEnd !== undefined) closeSync(otherEnd);
  };
  process.on('exit', release);
  signal?.addEventListener('abort', release, { once: true });
  stream.once('open', done).once('close', done);
  if (signal?.aborted) release();
}

/**
 * A named pipe's reading end as a non-blocking stream (a libuv pipe, as stdin is when piped).
 * An fs read stream's read of a pipe blocks a thread-pool thread until the writer writes or
 * closes, so a writer that keeps the pipe open and says nothing held the command past Ctrl-C;
 * this one's `destroy()` ends such a wait at once. Opening still waits for a writer, and on
 * `signal` that wait ends (see releasePendingFifoOpen) and the pipe reads as ended.
 */
export async function openFifoReader(path: string, signal?: AbortSignal): Promise<Readable> {
  // Released before its open began, the open would find no writer (ours failed too) and wait.
  if (signal?.aborted) return Readable.from([]);
  const opening = new EventEmitter();
  releasePendingFifoOpen(path, opening, 'read', signal);
  let fd: number;
  try {
    fd = await new Promise<number>((resolve, reject) => open(path, constants.O_RDONLY, (err, got) => (err ? reject(err) : resolve(got))));
  } finally {
    opening.emit('close');
  }
  return new Socket({ fd, readable: true, writable: false });
}

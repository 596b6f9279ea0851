import { createReadStream, statSync } from 'node:fs';
import { Readable } from 'node:stream';
import { openFifoReader } from './fifo-open.js';

/**
 * A stream of `path`'s bytes (`-`: stdin). A named pipe with no writer yet lets the process
 * exit, and on `signal` reads as ended (the stage then stops as after any interrupt).
 */
export function openInput(path: string, signal?: AbortSignal): Readable {
  if (path === '-') return process.stdin;
  const st = statSync(path, { throwIfNoEntry: false });
  // A folder opens but fails on the first read with no path in the error: name it here.
  if (st?.isDirectory()) {
    throw Object.assign(new Error(`EISDIR: ${path}`), { code: 'EISDIR', path, syscall: 'open' });
  }
  if (st?.isFIFO()) return fifoInput(path, signal);
  return createReadStream(path, { highWaterMark: 1 << 20 });
}

/**
 * A named pipe, read as a non-blocking stream (openFifoReader): a file stream's read of a pipe
 * holds a thread until the writer writes, so a writer that kept the pipe open and said nothing
 * held `ingest`, `split --in` and `dedup --in` past Ctrl-C. On `signal` it reads as ended.
 */
function fifoInput(path: string, signal?: AbortSignal): Readable {
  return Readable.from(
    (async function* () {
      yield* untilAborted(await openFifoReader(path, signal), signal);
    })(),
    { objectMode: false },
  );
}

/** The input's chunks until `signal` fires; then it reads as ended (its stream destroyed). */
export async function* untilAborted(input: Readable, signal?: AbortSignal): AsyncGenerator<Buffer> {
  const stop = () => input.destroy();
  if (signal?.aborted) stop();
  signal?.addEventListener('abort', stop, { once: true });
  try {
    for await (const chunk of input) yield chunk as Buffer;
  } catch (err) {
    if (!signal?.aborted) throw err;
  } finally {
    signal?.removeEventListener('abort', stop);
  }
}

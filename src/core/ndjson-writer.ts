import { createWriteStream, renameSync, rmSync, type WriteStream } from 'node:fs';
import { once } from 'node:events';
import type { Writable } from 'node:stream';

/**
 * Writes NDJSON to a file or stdout with back-pressure. A file is written under a temporary
 * name and renamed into place on `close()`, so a failed or killed run never leaves half a file;
 * `abort()` removes the temporary file.
 */
export interface NdjsonWriter {
  write(record: unknown): Promise<void>;
  close(): Promise<void>;
  abort(): Promise<void>;
  /** True once the reader went away (`| head`): stop producing. */
  readonly closedByReader: boolean;
}

export function createNdjsonWriter(target: string): NdjsonWriter {
  if (target === '-') return streamWriter(process.stdout, null);
  const tmp = `${target}.tmp-${process.pid}`;
  const out = createWriteStream(tmp);
  return streamWriter(out, { tmp, final: target, file: out });
}

function streamWriter(out: Writable, file: { tmp: string; final: string; file: WriteStream } | null): NdjsonWriter {
  let closedByReader = false;
  let failure: Error | null = null;
  out.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code === 'EPIPE') closedByReader = true;
    else failure = err;
  });
  return {
    get closedByReader() {
      return closedByReader;
    },
    async write(record: unknown) {
      if (failure) throw failure;
      if (closedByReader) return;
      if (!out.write(`${JSON.stringify(record)}\n`)) {
        await Promise.race([once(out, 'drain'), once(out, 'close')]);
      }
    },
    async close() {
      if (failure) throw failure;
      if (!file) return;
      await new Promise<void>((resolve, reject) => file.file.end((err?: Error | null) => (err ? reject(err) : resolve())));
      renameSync(file.tmp, file.final);
    },
    async abort() {
      if (!file) return;
      // The file is opened asynchronously: wait until the stream is closed before removing it.
      if (!file.file.closed) {
        const closed = once(file.file, 'close');
        file.file.destroy();
        await closed.catch(() => {});
      }
      rmSync(file.tmp, { force: true });
    },
  };
}

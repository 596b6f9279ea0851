import { openOutput, type OutputKind, type OutputOptions } from './output-file.js';

/**
 * Writes NDJSON records to `-`, a file, a FIFO or a device, with back-pressure, through
 * `openOutput` (see output-file.ts): a regular file is written under a temporary name and
 * renamed into place on `close()`, so a failed or killed run never leaves half a file; anything
 * that is not a regular file is written in place. `abort()` removes the temporary file.
 */
export interface NdjsonWriter {
  write(record: unknown): Promise<void>;
  /** Writes one record given as JSON text already on one line (a record passed on as read). */
  writeJson(json: string): Promise<void>;
  /** Resolves once every record written so far was handed to the OS (or the reader left). */
  flush(): Promise<void>;
  close(): Promise<void>;
  abort(): Promise<void>;
  /** True once the reader went away (`| head`): stop producing. */
  readonly closedByReader: boolean;
  /** Records handed to `write()`, and how many of the first of them the OS has taken. */
  readonly written: number;
  readonly flushed: number;
  /**
   * True when records reach the target only on `close()` (a regular file, renamed into place);
   * false when a flushed record is already out (stdout, a pipe, a device).
   */
  readonly commitsOnClose: boolean;
  readonly kind: OutputKind;
}

export function createNdjsonWriter(target: string, opts: OutputOptions = {}): NdjsonWriter {
  const sink = openOutput(target, opts);
  return {
    write: (record: unknown) => sink.write(`${JSON.stringify(record)}\n`),
    writeJson: (json: string) => sink.write(`${json}\n`),
    flush: () => sink.flush(),
    close: () => sink.close(),
    abort: () => sink.abort(),
    get closedByReader() {
      return sink.closedByReader;
    },
    get written() {
      return sink.written;
    },
    get flushed() {
      return sink.flushed;
    },
    commitsOnClose: sink.kind === 'replace',
    kind: sink.kind,
  };
}

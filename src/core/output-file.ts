import { accessSync, closeSync, constants, createWriteStream, fchmodSync, fstatSync, fsyncSync, lstatSync, openSync, readdirSync, realpathSync, renameSync, rmSync, statSync, type Stats, type WriteStream } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import type { Writable } from 'node:stream';
import { OutputError, UsageError, type LlmopsError } from './errors.js';
import { processAlive } from './process-alive.js';
import { describePathError } from './path-errors.js';
import { releasePendingFifoOpen } from './fifo-open.js';
import { sameFile } from './same-file.js';
import { holdStdoutEpipe } from './stdout-epipe.js';

/**
 * Where every output path goes (`--out`, `--report`, `inspect export`, `inspect report`).
 *
 * - `-`, or a path that is our stdout (`/dev/stdout`, or the file stdout is redirected to):
 *   process.stdout.
 * - a regular file or a new path: written to `<name>.tmp-<pid>` in the same folder, fsynced,
 *   then renamed over the target on `close()`, so a failed or killed run never leaves half a
 *   file. `abort()` removes the temporary file; the next run removes those of dead runs.
 * - anything else (a FIFO, a device, `/dev/fd/N` of `>(cmd)`): written in place. A rename
 *   would replace the device or pipe with a regular file and the reader would get nothing.
 */
export type OutputKind = 'stdout' | 'replace' | 'in-place';

export interface OutputSink {
  readonly kind: OutputKind;
  readonly target: string;
  /** Chunks handed to `write()`. */
  readonly written: number;
  /** Chunks the OS has taken, counted in order: the first `flushed` chunks are out of the process. */
  readonly flushed: number;
  /** The reader went away (EPIPE on stdout or a pipe): stop producing. */
  readonly closedByReader: boolean;
  /** Resolves when the stream can take more (back-pressure). */
  write(chunk: string): Promise<void>;
  /** Resolves once every chunk written so far was handed to the OS, or the reader went away. */
  flush(): Promise<void>;
  /** Flushes; for `replace`, fsyncs and renames the temporary file over the target (the commit). */
  close(): Promise<void>;
  /** Gives up: the temporary file (if any) is removed, the target untouched. */
  abort(): Promise<void>;
}

export type OutputOptions = {
  /** Named in error messages, e.g. `inspect export`. */
  label?: string;
  /**
   * On stdout, what a reader going away (`| head`) does: `exit` (default) ends the process at
   * once; `stop` lets the caller see `closedByReader`, finish its bookkeeping and return.
   */
  readerGone?: 'exit' | 'stop';
  /** The command's interrupt: a FIFO nobody has opened for reading by then is given up (releasePendingFifoOpen). */
  signal?: AbortSignal;
  /** The command's SQLite database file: an output path naming it (or its -wal, -shm, -journal) is refused. */
  database?: string;
  /** The file the command reads (`--in`): an output path naming it is refused. */
  input?: string;
};

function reason(err: unknown): string {
  return describePathError(err, { writing: true }) ?? (err as NodeJS.ErrnoException)?.code ?? String(err);
}

function cannotWrite(target: string, label: string | undefined, err: unknown, usage: boolean): LlmopsError {
  const msg = `${label ? `${label}: ` : ''}cannot write ${target}: ${reason(err)}`;
  return usage ? new UsageError(msg, { cause: err }) : new OutputError(msg, { cause: err });
}

/** The temporary name of an atomic write of `path`; also the pattern stale ones are found by. */
export function tempPathFor(path: string, pid = process.pid): string {
  return join(dirname(path), `${basename(path)}.tmp-${pid}`);
}

/**
 * Removes `<name>.tmp-<pid>` files next to `path` whose process is gone (a run killed before
 * its rename). Only our own naming pattern for this one target, only dead PIDs of this host.
 */
export function removeStaleTempFiles(path: string): string[] {
  const dir = dirname(path);
  const prefix = `${basename(path)}.tmp-`;
  const removed: string[] = [];
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return removed;
  }
  for (const name of names) {
    if (!name.startsWith(prefix)) continue;
    const pidText = name.slice(prefix.length);
    if (!/^[1-9]\d{0,9}$/.test(pidText)) continue;
    const pid = Number(pidText);
    if (pid === process.pid || processAlive(pid)) continue;
    const file = join(dir, name);
    try {
      if (!lstatSync(file).isFile()) continue;
      rmSync(file, { force: true });
      removed.push(file);
    } catch {
      // Another run removed it first.
    }
  }
  return removed;
}

type Plan = { kind: 'stdout' } | { kind: 'fd'; fd: number } | { kind: 'replace'; path: string; mode?: number } | { kind: 'in-place'; path: string; fifo: boolean };

/**
 * Paths that name one of our open descriptors (`/dev/stdout`, `/dev/fd/63` of `>(cmd)`): the
 * descriptor is written directly. Reopening fails for a socket (ENXIO), and renaming would
 * replace whatever the shell opened.
 */
function descriptorOf(target: string): number | undefined {
  if (target === '/dev/stdout') return 1;
  if (target === '/dev/stderr') return 2;
  const m = /^\/(?:dev\/fd|proc\/self\/fd|proc\/(\d+)\/fd)\/(\d+)$/.exec(target);
  if (!m || (m[1] !== undefined && Number(m[1]) !== process.pid)) return undefined;
  const fd = Number(m[2]);
  try {
    fstatSync(fd);
    return fd;
  } catch {
    return undefined;
  }
}

/** Whether `target` names this process's stdout (`-`, `/dev/stdout`, `/proc/self/fd/1`). */
export function isStdoutPath(target: string): boolean {
  return target === '-' || descriptorOf(target) === 1;
}

/**
 * Refuses an output onto the database the command reads: the rename replaced the database with
 * the export of it (exit 0, then "not a SQLite database"), and onto its -wal or -shm corrupted it.
 */
function refuseDatabase(target: string, database: string | undefined, label: string | undefined): void {
  if (database === undefined) return;
  let real = database;
  try {
    real = realpathSync(database); // SQLite keeps the -wal beside the file a link points to
  } catch {
    // not created yet
  }
  for (const suffix of ['', '-wal', '-shm', '-journal']) {
    const file = [database + suffix, real + suffix].find((f) => sameFile(target, f));
    if (file === undefined) continue;
    const what = suffix === '' ? 'the database' : `the database's ${suffix} file`;
    throw new UsageError(`${label ? `${label}: ` : ''}cannot write ${target}: that is ${what} (${file}); name another file`);
  }
}

/** Refuses an output onto the command's own input: the rename replaced what was read with what was made of it. */
function refuseInput(target: string, input: string | undefined, label: string | undefined): void {
  if (input === undefined || input === '-' || !sameFile(target, input)) return;
  throw new UsageError(`${label ? `${label}: ` : ''}cannot write ${target}: that is the input (${input}); name another file`);
}

function plan(target: string, label: string | undefined, database?: string, input?: string): Plan {
  if (target === '-') return { kind: 'stdout' };
  if (target === '') throw new UsageError(`${label ? `${label}: ` : ''}the output path is empty`);
  const fd = descriptorOf(target);
  if (fd === 1) return { kind: 'stdout' };
  if (fd !== undefined) return { kind: 'fd', fd };
  refuseDatabase(target, database, label);
  refuseInput(target, input, label);
  let st: Stats;
  try {
    st = statSync(target);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    // A new path (or a dangling link, which the rename replaces): written atomically.
    if (code === 'ENOENT') return { kind: 'replace', path: target };
    throw cannotWrite(target, label, err, true);
  }
  if (st.isDirectory()) throw new UsageError(`${label ? `${label}: ` : ''}cannot write ${target}: is a folder`);
  if (!st.isFile()) return { kind: 'in-place', path: target, fifo: st.isFIFO() };
  // Through a symbolic link: replace the file it points to, keep the link.
  let path = target;
  try {
    if (lstatSync(target).isSymbolicLink()) path = realpathSync(target);
    // The rename needs only the folder's permission: a file the user may not write was replaced.
    accessSync(path, constants.W_OK);
  } catch (err) {
    throw cannotWrite(target, label, err, true);
  }
  return { kind: 'replace', path, mode: st.mode & 0o7777 };
}

/** Opens `target` for writing as described above. Errors of the path are UsageErrors naming it. */
export function openOutput(target: string, opts: OutputOptions = {}): OutputSink {
  const p = plan(target, opts.label, opts.database, opts.input);
  if (p.kind === 'stdout') return new StreamSink('stdout', target, process.stdout, opts, {});
  // stdin/stderr stay open for the rest of the process; `/dev/fd/63` is closed at the end (EOF for its reader).
  if (p.kind === 'fd') return new StreamSink('in-place', target, createWriteStream('', { fd: p.fd, autoClose: p.fd > 2 }), opts, {});
  if (p.kind === 'in-place') {
    const flags = constants.O_WRONLY;
    // Opening a FIFO blocks until a reader comes: open it off the main thread (the stream does).
    if (p.fifo) {
      const stream = createWriteStream(p.path, { flags: flags as unknown as string });
      releasePendingFifoOpen(p.path, stream, 'write', opts.signal);
      return new StreamSink('in-place', target, stream, opts, {});
    }
    let fd: number;
    try {
      fd = openSync(p.path, flags);
    } catch (err) {
      throw cannotWrite(target, opts.label, err, true);
    }
    return new StreamSink('in-place', target, createWriteStream('', { fd }), opts, {});
  }
  removeStaleTempFiles(p.path);
  const tmp = tempPathFor(p.path);
  let fd: number;
  try {
    rmSync(tmp, { force: true }); // ours, from an earlier write in this process
    fd = openSync(tmp, 'wx', 0o666);
    if (p.mode !== undefined) fchmodSync(fd, p.mode);
  } catch (err) {
    throw cannotWrite(target, opts.label, err, true);
  }
  const stream = createWriteStream('', { fd, autoClose: false });
  let fdOpen = true;
  const closeFd = () => {
    if (!fdOpen) return;
    fdOpen = false;
    closeSync(fd);
  };
  return new StreamSink('replace', target, stream, opts, {
    async commit() {
      await endStream(stream);
      try {
        fsyncSync(fd);
        closeFd();
        renameSync(tmp, p.path);
      } catch (err) {
        throw cannotWrite(target, opts.label, err, false);
      }
      fsyncDir(dirname(p.path));
    },
    async discard() {
      if (!stream.destroyed) {
        const closed = waitForAny(stream, ['close']);
        stream.destroy();
        await closed;
      }
      try {
        closeFd();
      } catch {
        // already closed
      }
      rmSync(tmp, { force: true });
    },
  });
}

function fsyncDir(dir: string): void {
  // Makes the rename itself durable. Some file systems refuse fsync on a folder: best effort.
  try {
    const fd = openSync(dir, 'r');
    try {
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
  } catch {
    // not supported here
  }
}

function endStream(stream: Writable): Promise<void> {
  return new Promise((resolve, reject) => {
    if (stream.writableFinished) return resolve();
    stream.end((err?: Error | null) => (err ? reject(err) : resolve()));
  });
}

/**
 * Resolves on the first of `events` (or 'error'), then removes every listener it added.
 * `Promise.race([once(s, 'drain'), once(s, 'close')])` left the losers' listeners behind on
 * each wait: after ten waits Node printed MaxListenersExceededWarning.
 */
function waitForAny(stream: Writable, events: string[]): Promise<void> {
  return new Promise((resolve) => {
    const all = [...events, 'error'];
    const done = () => {
      for (const e of all) stream.off(e, done);
      resolve();
    };
    for (const e of all) stream.on(e, done);
  });
}

/** How a `replace` sink commits its temporary file, or gives it up. */
type FileCommit = { commit?: () => Promise<void>; discard?: () => Promise<void> };

/** An OutputSink over one stream: counts chunks handed over and taken, and turns errors into ours. */
class StreamSink implements OutputSink {
  written = 0;
  flushed = 0;
  closedByReader = false;
  private failure: LlmopsError | null = null;
  private finished = false;
  private detached = false;
  private waiters: (() => void)[] = [];
  private readonly releaseEpipe: (() => void) | undefined;

  constructor(
    readonly kind: OutputKind,
    readonly target: string,
    private readonly stream: Writable | WriteStream,
    private readonly opts: OutputOptions,
    private readonly file: FileCommit,
  ) {
    // main's EPIPE handler leaves the reader going away to this sink.
    this.releaseEpipe = kind === 'stdout' && opts.readerGone === 'stop' ? holdStdoutEpipe() : undefined;
    stream.on('error', this.onError);
  }

  private readonly onError = (err: NodeJS.ErrnoException): void => {
    // After EPIPE the stream is destroyed: the writes queued behind it fail with ERR_STREAM_DESTROYED.
    if (err.code === 'EPIPE' || err.code === 'ERR_STREAM_DESTROYED') this.closedByReader = true;
    // A FIFO is opened by the stream itself: its open error is still a bad path (exit 2).
    else this.failure ??= cannotWrite(this.target, this.opts.label, err, err.syscall === 'open');
    this.settle();
  };

  /** Wakes the flush() waiters once nothing is pending (or nothing more will be taken). */
  private settle(): void {
    if (this.pending()) return;
    const w = this.waiters;
    this.waiters = [];
    for (const f of w) f();
  }

  private pending(): boolean {
    return this.flushed < this.written && !this.failure && !this.closedByReader;
  }

  private detach(): void {
    if (this.detached) return;
    this.detached = true;
    this.releaseEpipe?.();
    // process.stdout lives on: leave no listener of ours on it.
    if (this.kind === 'stdout') this.stream.off('error', this.onError);
  }

  async write(chunk: string): Promise<void> {
    if (this.failure) throw this.failure;
    if (this.closedByReader || this.finished) return;
    this.written++;
    const more = this.stream.write(chunk, (err) => {
      if (err) this.onError(err as NodeJS.ErrnoException);
      else this.flushed++;
      this.settle();
    });
    if (!more && !this.closedByReader) await waitForAny(this.stream, ['drain', 'close']);
    if (this.failure) throw this.failure;
  }

  async flush(): Promise<void> {
    if (this.pending()) await new Promise<void>((r) => this.waiters.push(r));
    if (this.failure) throw this.failure;
  }

  async close(): Promise<void> {
    if (this.finished) return;
    try {
      await this.flush();
      if (this.kind === 'replace') await this.file.commit!();
      else if (this.kind === 'in-place' && !this.closedByReader) await endStream(this.stream).catch((err) => this.onError(err));
      if (this.failure) throw this.failure;
    } finally {
      this.finished = true;
      this.detach();
    }
  }

  async abort(): Promise<void> {
    if (this.finished) return;
    this.finished = true;
    this.detach();
    if (this.kind === 'replace') await this.file.discard!();
    else if (this.kind === 'in-place') this.stream.destroy();
  }
}

/** Writes a whole file's content (a report) through the same rules. */
export async function writeOutputFile(target: string, content: string, opts: OutputOptions = {}): Promise<void> {
  const sink = openOutput(target, opts);
  try {
    await sink.write(content);
    await sink.close();
  } catch (err) {
    await sink.abort();
    throw err;
  }
}

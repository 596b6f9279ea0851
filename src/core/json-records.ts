import { oneLine, parseExact } from './exact-json.js';
import { openInput } from './open-input.js';

/**
 * Streams JSON records out of a file or stdin with the line each one starts on, so that every
 * bad record can be reported as `file:line: reason`. Memory stays bounded by the largest
 * record we accept (`maxRecordBytes`), not by the input: a 100 MB line is skipped and
 * reported without ever being held whole.
 *
 * Two scanners:
 * - lines: JSONL/NDJSON, one record per line (what `.jsonl`/`.ndjson` files promise);
 * - values: a JSON array (each element a record), one object, or objects one after another
 *   (pretty-printed or JSONL) — used for `.json` files and stdin, whose shape we do not know.
 */

export type JsonRecord =
  | {
      ok: true;
      value: unknown;
      file: string;
      line: number;
      bytesRead: number;
      /** With `flagEscapes`: whether the text has a `\u` escape (see ReadRecordsOptions). */
      escapes?: boolean;
      /** With `keepText`: the record's JSON text as read, on one line (see ReadRecordsOptions). */
      text?: string;
    }
  | {
      ok: false;
      reason: string;
      file: string;
      line: number;
      bytesRead: number;
      /** With `keepText`, when the bytes were text. */
      text?: string;
      /** The record passed `maxRecordBytes` (with `stopAtOversized`: the input was read no further). */
      tooLarge?: true;
    };

export type RecordFormat = 'lines' | 'values';

export type ReadRecordsOptions = {
  maxRecordBytes?: number;
  format?: RecordFormat;
  /**
   * Hand back each record's JSON text too, with its line breaks removed, so a filter can pass
   * a record on byte for byte: an integer beyond 2^53 stays a number with its exact digits.
   */
  keepText?: boolean;
  /**
   * Say for each record whether its text holds a `\u` escape: only then can its strings hold a
   * lone surrogate or NUL (the bytes are checked UTF-8, and JSON allows no raw control
   * characters in strings), so a reader that repairs those can skip the others.
   */
  flagEscapes?: boolean;
  /** The input's bytes, instead of opening `path` (stdin that was already peeked at). */
  source?: AsyncIterable<Buffer>;
  /** The command's interrupt: a named pipe still waiting for its writer then reads as ended. */
  signal?: AbortSignal;
  /**
   * Lines only: once a record passes `maxRecordBytes`, report it and read no further, instead of
   * scanning on to its end, which an input that is not a regular file (a pipe fed `/dev/zero`)
   * may never reach.
   */
  stopAtOversized?: boolean;
};

export const DEFAULT_MAX_RECORD_BYTES = 64 * 1024 * 1024;

function formatForPath(path: string): RecordFormat {
  return /\.(jsonl|ndjson)$/i.test(path) ? 'lines' : 'values';
}

/** Records of one input (`-` for stdin), in order. */
export async function* readJsonRecords(path: string, opts: ReadRecordsOptions = {}): AsyncGenerator<JsonRecord> {
  const format = opts.format ?? (path === '-' ? 'values' : formatForPath(path));
  const name = path === '-' ? '<stdin>' : path;
  const max = opts.maxRecordBytes ?? DEFAULT_MAX_RECORD_BYTES;
  const chunks = opts.source ?? (openInput(path, opts.signal) as AsyncIterable<Buffer>);
  const parse: Parsing = { parse: parseExact, flagEscapes: Boolean(opts.flagEscapes), keepText: Boolean(opts.keepText) };
  const records = format === 'lines' ? scanLines(chunks, name, max, parse, Boolean(opts.stopAtOversized)) : scanValues(chunks, name, max, parse);
  yield* records;
}

/**
 * The non-blank lines of one input as strings (`value`), with the same line numbers, size cap
 * and UTF-8 check as JSONL records: `ingest --format lines`.
 */
export async function* readLineRecords(path: string, opts: Pick<ReadRecordsOptions, 'maxRecordBytes' | 'source' | 'signal'> = {}): AsyncGenerator<JsonRecord> {
  const chunks = opts.source ?? (openInput(path, opts.signal) as AsyncIterable<Buffer>);
  yield* scanLines(chunks, path === '-' ? '<stdin>' : path, opts.maxRecordBytes ?? DEFAULT_MAX_RECORD_BYTES, { parse: (text) => text, flagEscapes: false, keepText: false });
}

type Parsing = { parse: (text: string) => unknown; flagEscapes: boolean; keepText: boolean };

const decoder = new TextDecoder('utf-8', { fatal: true });

export function humanBytes(n: number): string {
  if (n >= 1 << 20) return `${Math.round(n / (1 << 20))} MB`;
  if (n >= 1 << 10) return `${Math.round(n / (1 << 10))} KB`;
  return `${n} bytes`;
}

function parseRecord(bytes: Buffer, file: string, line: number, bytesRead: number, parse: Parsing): JsonRecord | null {
  let text: string;
  try {
    text = decoder.decode(bytes);
  } catch {
    return { ok: false, reason: 'invalid UTF-8', file, line, bytesRead };
  }
  if (line === 1 && text.charCodeAt(0) === 0xfeff) text = text.slice(1); // byte-order mark
  if (text.trim() === '') return null;
  try {
    const value = parse.parse(text);
    const rec: JsonRecord = { ok: true, value, file, line, bytesRead };
    if (parse.flagEscapes) rec.escapes = text.includes('\\u');
    if (parse.keepText) rec.text = oneLine(text);
    return rec;
  } catch (err) {
    const rec: JsonRecord = { ok: false, reason: `invalid JSON (${shortJsonError(err)})`, file, line, bytesRead };
    if (parse.keepText) rec.text = text;
    return rec;
  }
}

function shortJsonError(err: unknown): string {
  // V8's message quotes the whole input after a comma; keep only the first clause.
  const msg = err instanceof Error ? err.message : String(err);
  const first = msg.split(/, "|\n/)[0] ?? msg;
  return first.length > 120 ? `${first.slice(0, 117)}...` : first;
}

function join(parts: Buffer[], length: number): Buffer {
  return parts.length === 1 ? parts[0]! : Buffer.concat(parts, length);
}

/**
 * The bytes of one record, gathered across chunks. Past `max` bytes they are dropped and only
 * the fact that the record was too large is kept, so memory stays bounded by the cap.
 */
class RecordBytes {
  private parts: Buffer[] = [];
  private length = 0;
  private oversized = false;

  constructor(private readonly max: number) {}

  get empty(): boolean {
    return !this.oversized && this.length === 0;
  }

  get tooLarge(): boolean {
    return this.oversized;
  }

  add(chunk: Buffer, start: number, end: number): void {
    if (this.oversized || end <= start) return;
    if (this.length + (end - start) > this.max) {
      this.oversized = true; // drop what we hold; the caller keeps scanning to the record's end
      this.parts = [];
      this.length = 0;
      return;
    }
    this.parts.push(chunk.subarray(start, end));
    this.length += end - start;
  }

  /** The record gathered so far (null when it is only blank text); starts the next one. */
  take(file: string, line: number, bytesRead: number, parse: Parsing): JsonRecord | null {
    const rec: JsonRecord | null = this.oversized
      ? { ok: false, reason: `record larger than ${humanBytes(this.max)}`, file, line, bytesRead, tooLarge: true }
      : parseRecord(join(this.parts, this.length), file, line, bytesRead, parse);
    this.parts = [];
    this.length = 0;
    this.oversized = false;
    return rec;
  }
}

async function* scanLines(chunks: AsyncIterable<Buffer>, file: string, max: number, parse: Parsing, stopAtOversized = false): AsyncGenerator<JsonRecord> {
  const bytes = new RecordBytes(max);
  let line = 1;
  let bytesRead = 0;
  for await (const chunk of chunks) {
    let pos = 0;
    while (pos < chunk.length) {
      const nl = chunk.indexOf(10, pos);
      const end = nl === -1 ? chunk.length : nl;
      bytes.add(chunk, pos, end);
      if (stopAtOversized && bytes.tooLarge) {
        yield bytes.take(file, line, bytesRead + end - pos, parse)!;
        return;
      }
      if (nl === -1) {
        bytesRead += chunk.length - pos;
        break;
      }
      bytesRead += nl + 1 - pos;
      if (!bytes.empty) {
        const rec = bytes.take(file, line, bytesRead, parse);
        if (rec) yield rec;
      }
      line++;
      pos = nl + 1;
    }
  }
  if (!bytes.empty) {
    const rec = bytes.take(file, line, bytesRead, parse);
    if (rec) yield rec;
  }
}

const OPEN_BRACE = 0x7b, CLOSE_BRACE = 0x7d, OPEN_BRACKET = 0x5b, CLOSE_BRACKET = 0x5d;
const QUOTE = 0x22, BACKSLASH = 0x5c, COMMA = 0x2c, NEWLINE = 0x0a;

function isSpace(b: number): boolean {
  return b === 0x20 || b === 0x0a || b === 0x0d || b === 0x09;
}

async function* scanValues(chunks: AsyncIterable<Buffer>, file: string, max: number, parse: Parsing): AsyncGenerator<JsonRecord> {
  const scanner = new ValueScanner(file, max, parse);
  let bom = true;
  for await (const chunk of chunks) {
    const skip = bom && chunk.length >= 3 && chunk[0] === 0xef && chunk[1] === 0xbb && chunk[2] === 0xbf ? 3 : 0;
    bom = false;
    yield* scanner.scan(chunk, skip);
    if (scanner.stopped) return;
  }
  yield* scanner.end();
}

/**
 * A byte-level scanner that finds record boundaries without parsing: it tracks string state
 * and nesting depth, so each record is parsed once, by JSON.parse, and only when complete.
 * `base` is the depth at which records live: 0 for top-level values, 1 inside a top-level array.
 */
class ValueScanner {
  private base = -1; // unknown until the first non-space byte
  private arrayClosed = false;
  private depth = 0;
  private inString = false;
  private escaped = false;
  private inRecord = false;
  private recordLine = 0;
  private recordStart = 0; // index in the current chunk where the record's bytes start
  private line = 1;
  private bytesRead = 0;
  private readonly bytes: RecordBytes;
  /** Set when the input went wrong in a way that ends it (content after the closing ]). */
  stopped = false;

  constructor(
    private readonly file: string,
    max: number,
    private readonly parse: Parsing,
  ) {
    this.bytes = new RecordBytes(max);
  }

  /** The records that end in this chunk, scanning from byte `from`. */
  *scan(chunk: Buffer, from: number): Generator<JsonRecord> {
    this.recordStart = from;
    for (let i = from; i < chunk.length; i++) {
      const b = chunk[i]!;
      if (b === NEWLINE) this.line++;
      if (this.inString) {
        if (this.escaped) this.escaped = false;
        else if (b === BACKSLASH) this.escaped = true;
        else if (b === QUOTE) this.inString = false;
        continue;
      }
      if (!this.inRecord && !this.startsRecord(b, i)) {
        if (!this.stopped) continue;
        this.bytesRead += i;
        yield { ok: false, reason: 'unexpected content after the closing ]', file: this.file, line: this.line, bytesRead: this.bytesRead };
        return;
      }
      const rec = this.inRecordByte(chunk, b, i);
      if (rec) yield rec;
    }
    if (this.inRecord) this.bytes.add(chunk, this.recordStart, chunk.length);
    this.bytesRead += chunk.length;
  }

  /** Whether the byte outside any record starts one; sets `stopped` when nothing may follow. */
  private startsRecord(b: number, i: number): boolean {
    if (isSpace(b)) return false;
    if (this.base === -1) {
      if (b === OPEN_BRACKET) {
        this.base = 1;
        this.depth = 1;
        return false;
      }
      this.base = 0;
    }
    if (this.arrayClosed) {
      this.stopped = true;
      return false;
    }
    if (this.base === 1 && b === COMMA) return false;
    if (this.base === 1 && b === CLOSE_BRACKET && this.depth === 1) {
      this.closeArray();
      return false;
    }
    this.inRecord = true;
    this.recordLine = this.line;
    this.recordStart = i;
    return true;
  }

  /** A byte of a record (not inside a string); the record, when this byte completes it. */
  private inRecordByte(chunk: Buffer, b: number, i: number): JsonRecord | null {
    if (b === QUOTE) this.inString = true;
    else if (b === OPEN_BRACE || b === OPEN_BRACKET) this.depth++;
    else if (b === CLOSE_BRACE || b === CLOSE_BRACKET) {
      if (this.depth === this.base) {
        // a closing bracket that ends the enclosing array (after a scalar element)
        const rec = this.finish(chunk, i);
        if (b === CLOSE_BRACKET && this.base === 1) this.closeArray();
        return rec;
      }
      this.depth--;
      if (this.depth === this.base) return this.finish(chunk, i + 1);
    } else if (this.depth === this.base && (b === COMMA || (this.base === 0 && isSpace(b)))) {
      // end of a scalar record (`[1, 2]` or a bare `42` line)
      return this.finish(chunk, i);
    }
    return null;
  }

  private closeArray(): void {
    this.arrayClosed = true;
    this.depth = 0;
  }

  private finish(chunk: Buffer, end: number): JsonRecord | null {
    this.bytes.add(chunk, this.recordStart, end);
    this.inRecord = false;
    return this.bytes.take(this.file, this.recordLine, this.bytesRead, this.parse);
  }

  /** What the end of the input leaves: the last record, or why the input is cut short. */
  *end(): Generator<JsonRecord> {
    const { file, line, bytesRead } = this;
    if (this.inRecord) {
      if (this.depth === this.base && !this.inString) {
        this.inRecord = false;
        const rec = this.bytes.take(file, this.recordLine, bytesRead, this.parse);
        if (rec) yield rec;
      } else {
        yield { ok: false, reason: 'unterminated JSON value (the input ends inside it)', file, line: this.recordLine, bytesRead };
      }
    } else if (this.base === 1 && !this.arrayClosed) {
      yield { ok: false, reason: 'unterminated JSON array (no closing ])', file, line, bytesRead };
    }
  }
}

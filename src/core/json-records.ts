import { createReadStream, statSync } from 'node:fs';
import type { Readable } from 'node:stream';

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
    }
  | { ok: false; reason: string; file: string; line: number; bytesRead: number };

export type RecordFormat = 'lines' | 'values';

export type ReadRecordsOptions = {
  maxRecordBytes?: number;
  format?: RecordFormat;
  /**
   * Integer literals beyond ±2^53 come back as strings of their exact digits instead of
   * rounded numbers (JSON.parse turns 12345678901234567890 into 12345678901234567000).
   */
  exactIntegers?: boolean;
  /**
   * Say for each record whether its text holds a `\u` escape: only then can its strings hold a
   * lone surrogate or NUL (the bytes are checked UTF-8, and JSON allows no raw control
   * characters in strings), so a reader that repairs those can skip the others.
   */
  flagEscapes?: boolean;
};

export const DEFAULT_MAX_RECORD_BYTES = 64 * 1024 * 1024;

export function formatForPath(path: string): RecordFormat {
  return /\.(jsonl|ndjson)$/i.test(path) ? 'lines' : 'values';
}

export function openInput(path: string): Readable {
  if (path === '-') return process.stdin;
  // A folder opens but fails on the first read with no path in the error: name it here.
  if (statSync(path, { throwIfNoEntry: false })?.isDirectory()) {
    throw Object.assign(new Error(`EISDIR: ${path}`), { code: 'EISDIR', path, syscall: 'open' });
  }
  return createReadStream(path, { highWaterMark: 1 << 20 });
}

/** Records of one input (`-` for stdin), in order. */
export async function* readJsonRecords(path: string, opts: ReadRecordsOptions = {}): AsyncGenerator<JsonRecord> {
  const format = opts.format ?? (path === '-' ? 'values' : formatForPath(path));
  const name = path === '-' ? '<stdin>' : path;
  const max = opts.maxRecordBytes ?? DEFAULT_MAX_RECORD_BYTES;
  const chunks = openInput(path) as AsyncIterable<Buffer>;
  const parse: Parsing = { parse: opts.exactIntegers ? parseExact : JSON.parse, flagEscapes: Boolean(opts.flagEscapes) };
  const records = format === 'lines' ? scanLines(chunks, name, max, parse) : scanValues(chunks, name, max, parse);
  yield* records;
}

type Parsing = { parse: (text: string) => unknown; flagEscapes: boolean };

// An unsafe integer has at least 16 digits: only text with such a run takes the slow path.
// Spelled out, not \d{16}: V8 scans the spelled-out pattern about 5 times faster.
const LONG_DIGIT_RUN = /\d\d\d\d\d\d\d\d\d\d\d\d\d\d\d\d/;

function parseExact(text: string): unknown {
  return JSON.parse(LONG_DIGIT_RUN.test(text) ? quoteUnsafeIntegers(text) : text);
}

/**
 * Puts quotes around every integer literal (outside strings) that a double cannot hold
 * exactly. Only called on text JSON.parse accepts or rejects the same way afterwards: quoting
 * a number token never turns valid JSON invalid or the reverse.
 */
export function quoteUnsafeIntegers(text: string): string {
  let out = '';
  let from = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c) i++; // skip the escaped character
      else if (c === 0x22) inString = false;
      continue;
    }
    if (c === 0x22) {
      inString = true;
      continue;
    }
    if (c !== 0x2d && (c < 0x30 || c > 0x39)) continue;
    let end = i + 1;
    while (end < text.length && /[0-9eE+\-.]/.test(text[end]!)) end++;
    const token = text.slice(i, end);
    if (/^-?\d{16,}$/.test(token) && !Number.isSafeInteger(Number(token))) {
      out += `${text.slice(from, i)}"${token}"`;
      from = end;
    }
    i = end - 1;
  }
  return from === 0 ? text : out + text.slice(from);
}

const decoder = new TextDecoder('utf-8', { fatal: true });

function humanBytes(n: number): string {
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
    return parse.flagEscapes ? { ok: true, value, file, line, bytesRead, escapes: text.includes('\\u') } : { ok: true, value, file, line, bytesRead };
  } catch (err) {
    return { ok: false, reason: `invalid JSON (${shortJsonError(err)})`, file, line, bytesRead };
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

async function* scanLines(chunks: AsyncIterable<Buffer>, file: string, max: number, parse: Parsing): AsyncGenerator<JsonRecord> {
  let parts: Buffer[] = [];
  let partLength = 0;
  let oversized = false;
  let line = 1;
  let bytesRead = 0;
  for await (const chunk of chunks) {
    let pos = 0;
    while (pos < chunk.length) {
      const nl = chunk.indexOf(10, pos);
      const end = nl === -1 ? chunk.length : nl;
      if (!oversized && end > pos) {
        if (partLength + (end - pos) > max) {
          oversized = true; // drop what we hold; keep counting to the newline
          parts = [];
          partLength = 0;
        } else {
          parts.push(chunk.subarray(pos, end));
          partLength += end - pos;
        }
      }
      if (nl === -1) {
        bytesRead += chunk.length - pos;
        break;
      }
      bytesRead += nl + 1 - pos;
      if (oversized) {
        yield { ok: false, reason: `record larger than ${humanBytes(max)}`, file, line, bytesRead };
      } else if (partLength > 0) {
        const rec = parseRecord(join(parts, partLength), file, line, bytesRead, parse);
        if (rec) yield rec;
      }
      parts = [];
      partLength = 0;
      oversized = false;
      line++;
      pos = nl + 1;
    }
  }
  if (oversized) yield { ok: false, reason: `record larger than ${humanBytes(max)}`, file, line, bytesRead };
  else if (partLength > 0) {
    const rec = parseRecord(join(parts, partLength), file, line, bytesRead, parse);
    if (rec) yield rec;
  }
}

const OPEN_BRACE = 0x7b, CLOSE_BRACE = 0x7d, OPEN_BRACKET = 0x5b, CLOSE_BRACKET = 0x5d;
const QUOTE = 0x22, BACKSLASH = 0x5c, COMMA = 0x2c, NEWLINE = 0x0a;

function isSpace(b: number): boolean {
  return b === 0x20 || b === 0x0a || b === 0x0d || b === 0x09;
}

/**
 * A byte-level scanner that finds record boundaries without parsing: it tracks string state
 * and nesting depth, so each record is parsed once, by JSON.parse, and only when complete.
 * `base` is the depth at which records live: 0 for top-level values, 1 inside a top-level array.
 */
async function* scanValues(chunks: AsyncIterable<Buffer>, file: string, max: number, parse: Parsing): AsyncGenerator<JsonRecord> {
  let base = -1; // unknown until the first non-space byte
  let arrayClosed = false;
  let depth = 0;
  let inString = false;
  let escaped = false;
  let inRecord = false;
  let recordLine = 0;
  let parts: Buffer[] = [];
  let partLength = 0;
  let oversized = false;
  let recordStart = 0; // index in the current chunk where the record's bytes start
  let line = 1;
  let bytesRead = 0;
  let bom = true;

  const take = (chunk: Buffer, end: number) => {
    if (oversized || end <= recordStart) return;
    if (partLength + (end - recordStart) > max) {
      oversized = true;
      parts = [];
      partLength = 0;
      return;
    }
    parts.push(chunk.subarray(recordStart, end));
    partLength += end - recordStart;
  };

  function finish(): JsonRecord | null {
    inRecord = false;
    const rec: JsonRecord | null = oversized
      ? { ok: false, reason: `record larger than ${humanBytes(max)}`, file, line: recordLine, bytesRead }
      : parseRecord(join(parts, partLength), file, recordLine, bytesRead, parse);
    parts = [];
    partLength = 0;
    oversized = false;
    return rec;
  }

  for await (const chunk of chunks) {
    let i = 0;
    if (bom && chunk.length >= 3 && chunk[0] === 0xef && chunk[1] === 0xbb && chunk[2] === 0xbf) i = 3;
    bom = false;
    recordStart = i;
    for (; i < chunk.length; i++) {
      const b = chunk[i]!;
      if (b === NEWLINE) line++;
      if (inString) {
        if (escaped) escaped = false;
        else if (b === BACKSLASH) escaped = true;
        else if (b === QUOTE) inString = false;
        continue;
      }
      if (!inRecord) {
        if (isSpace(b)) continue;
        if (base === -1) {
          if (b === OPEN_BRACKET) {
            base = 1;
            depth = 1;
            continue;
          }
          base = 0;
        }
        if (arrayClosed) {
          bytesRead += i;
          yield { ok: false, reason: 'unexpected content after the closing ]', file, line, bytesRead };
          return;
        }
        if (base === 1 && b === COMMA) continue;
        if (base === 1 && b === CLOSE_BRACKET && depth === 1) {
          arrayClosed = true;
          depth = 0;
          continue;
        }
        inRecord = true;
        recordLine = line;
        recordStart = i;
      }
      // inside a record
      if (b === QUOTE) inString = true;
      else if (b === OPEN_BRACE || b === OPEN_BRACKET) depth++;
      else if (b === CLOSE_BRACE || b === CLOSE_BRACKET) {
        if (depth === base) {
          // a closing bracket that ends the enclosing array (after a scalar element)
          take(chunk, i);
          const rec = finish();
          if (rec) yield rec;
          if (b === CLOSE_BRACKET && base === 1) {
            arrayClosed = true;
            depth = 0;
          }
          continue;
        }
        depth--;
        if (depth === base) {
          take(chunk, i + 1);
          const rec = finish();
          if (rec) yield rec;
        }
      } else if (depth === base && (b === COMMA || (base === 0 && isSpace(b)))) {
        // end of a scalar record (`[1, 2]` or a bare `42` line)
        take(chunk, i);
        const rec = finish();
        if (rec) yield rec;
      }
    }
    if (inRecord) take(chunk, chunk.length);
    bytesRead += chunk.length;
  }
  if (inRecord) {
    if (depth === base && !inString) {
      const rec = finish();
      if (rec) yield rec;
    } else {
      yield { ok: false, reason: 'unterminated JSON value (the input ends inside it)', file, line: recordLine, bytesRead };
    }
  } else if (base === 1 && !arrayClosed) {
    yield { ok: false, reason: 'unterminated JSON array (no closing ])', file, line, bytesRead };
  }
}

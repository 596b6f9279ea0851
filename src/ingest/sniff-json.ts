import { closeSync, openSync, readSync, statSync } from 'node:fs';
import type { Readable } from 'node:stream';
import { openInput } from '../core/open-input.js';
import { UsageError } from '../core/errors.js';
import type { IngestInput } from './input-format.js';

/**
 * JSON records start with `{` or `[` (after blanks and a byte order mark). An input read as
 * JSON only because nothing said otherwise (stdin, a `.log` file) that starts with anything
 * else is text: one line says so and how to read it, before anything is read or written,
 * instead of an "invalid JSON" for every word. Stdin is peeked at, and what was read is
 * handed on in `source`. An empty input is JSON with no records, as before.
 */
export async function checkJsonInputs(inputs: IngestInput[], signal?: AbortSignal): Promise<IngestInput[]> {
  const out: IngestInput[] = [];
  for (const input of inputs) {
    if (!input.checkJson) {
      out.push(input);
      continue;
    }
    // A pipe or a device cannot be read twice: peeked at like stdin (`ingest <(cmd)` lost the
    // bytes the peek had read, and a named pipe's second open waited for another writer).
    const checked = isRegularFile(input.path) ? { first: firstByteOfFile(input.path), source: undefined } : await peek(openInput(input.path, signal));
    if (checked.first !== null && checked.first !== OPEN_BRACE && checked.first !== OPEN_BRACKET) {
      throw new UsageError(`ingest: ${input.path === '-' ? 'stdin' : input.path} is not JSON records (objects, one per line or in an array); use --format text or --format lines`);
    }
    out.push(checked.source ? { ...input, source: checked.source } : input);
  }
  return out;
}

const OPEN_BRACE = 0x7b;
const OPEN_BRACKET = 0x5b;
const BOM = [0xef, 0xbb, 0xbf];

/** Finds the first byte that is not blank (nor part of a leading BOM) across chunks. */
class FirstByte {
  private offset = 0;
  found: number | null = null;

  /** True once found. */
  scan(chunk: Uint8Array): boolean {
    for (const b of chunk) {
      const inBom = this.offset < 3 && b === BOM[this.offset];
      this.offset++;
      if (inBom || b === 0x20 || b === 0x0a || b === 0x0d || b === 0x09) continue;
      this.found = b;
      return true;
    }
    return false;
  }
}

function firstByteOfFile(path: string): number | null {
  const fd = openSync(path, 'r');
  try {
    const finder = new FirstByte();
    const buf = Buffer.alloc(64 * 1024);
    for (let n = readSync(fd, buf); n > 0; n = readSync(fd, buf)) if (finder.scan(buf.subarray(0, n))) break;
    return finder.found;
  } finally {
    closeSync(fd);
  }
}

function isRegularFile(path: string): boolean {
  return path !== '-' && statSync(path, { throwIfNoEntry: false })?.isFile() === true;
}

/**
 * Reads a stream (stdin, a pipe) up to its first non-blank byte. It is iterated by hand, not with
 * `for await … break`, which would destroy it; `source` replays what was read, then the rest.
 */
async function peek(stream: Readable): Promise<{ first: number | null; source: AsyncIterable<Buffer> }> {
  const it = (stream as AsyncIterable<Buffer>)[Symbol.asyncIterator]();
  const finder = new FirstByte();
  const read: Buffer[] = [];
  let done = false;
  while (!done) {
    const next = await it.next();
    if (next.done) done = true;
    else {
      read.push(next.value);
      if (finder.scan(next.value)) break;
    }
  }
  async function* source(): AsyncGenerator<Buffer> {
    yield* read;
    if (done) return;
    for (let next = await it.next(); !next.done; next = await it.next()) yield next.value;
  }
  return { first: finder.found, source: source() };
}

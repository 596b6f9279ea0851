import { readFile, stat } from 'node:fs/promises';
import { humanBytes } from '../core/json-records.js';
import { openInput } from '../core/open-input.js';
import { decodeHtml } from '../html/decode-html.js';
import { looksBinary } from '../text/binary-text.js';
import { decodeText } from '../text/decode-text.js';
import type { IngestInput } from './input-format.js';

export type WholeInput =
  | { ok: true; text: string; bytes: number; /** what decoding replaced by U+FFFD */ decoding: { surrogates: number; invalidUtf8: number } }
  | { ok: false; bytes: number; /** a bad input (exit 2, or 3 with --skip-invalid) */ problem?: string; /** an input with nothing in it: skipped */ note?: string };

// git's test for a binary file: a NUL in its first 8,000 bytes.
const BINARY_PROBE = 8000;

/**
 * All of one input as text, for the formats that make one document of it: charset by BOM,
 * else UTF-8, else windows-1252 (HTML: its <meta charset> too). Refused: an input over the
 * size cap (never read whole) and binary data under a text name. Skipped: an empty input.
 */
export async function readWholeInput(input: IngestInput, maxBytes: number, signal?: AbortSignal): Promise<WholeInput> {
  const read = await readCapped(input, maxBytes, signal);
  if (!read.ok) return { ok: false, bytes: read.bytes, problem: `larger than ${humanBytes(maxBytes)} (--max-record-mb)` };
  const { data } = read;
  if (data.length === 0) return { ok: false, bytes: 0, note: 'empty, skipped' };
  const decoded = input.format === 'html' ? { text: decodeHtml(data).text, surrogates: 0, replaced: 0 } : decodeText(data);
  const { text } = decoded;
  if (text.slice(0, BINARY_PROBE).includes('\0') || looksBinary(text)) {
    return { ok: false, bytes: data.length, problem: `binary data, not ${input.format === 'html' ? 'HTML' : 'text'}` };
  }
  if (text.trim() === '') return { ok: false, bytes: data.length, note: 'empty, skipped' };
  return { ok: true, text, bytes: data.length, decoding: { surrogates: decoded.surrogates, invalidUtf8: decoded.replaced } };
}

type Capped = { ok: true; data: Buffer } | { ok: false; bytes: number };

async function readCapped(input: IngestInput, maxBytes: number, signal?: AbortSignal): Promise<Capped> {
  const st = input.path === '-' || input.source ? undefined : await stat(input.path);
  if (st?.isFile()) {
    if (st.size > maxBytes) return { ok: false, bytes: st.size };
    const data = await readFile(input.path);
    return { ok: true, data };
  }
  // Stdin, a pipe (`<(cmd)`, a named pipe) or a device is read up to the cap and no further: past
  // it the input is refused whatever follows, and `/dev/zero` or `yes |` never end (reading them
  // to the end, to spare the writer an EPIPE, ran forever). Leaving the loop closes the stream.
  const parts: Buffer[] = [];
  let bytes = 0;
  for await (const chunk of (input.source ?? openInput(input.path, signal)) as AsyncIterable<Buffer>) {
    bytes += chunk.length;
    if (bytes > maxBytes) break;
    parts.push(chunk);
  }
  return bytes > maxBytes ? { ok: false, bytes } : { ok: true, data: Buffer.concat(parts, bytes) };
}

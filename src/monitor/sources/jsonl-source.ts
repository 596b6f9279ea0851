import { statSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Readable } from 'node:stream';
import { UsageError } from '../../core/errors.js';
import { openFifoReader } from '../../core/fifo-open.js';
import { DEFAULT_MAX_RECORD_BYTES, humanBytes, openInput, readJsonRecords } from '../../core/json-records.js';
import type { SourceItem, SourceProblem } from '../types.js';

/**
 * A JSONL file (relative to the config file) or stdin (`-`). Bad lines are per-item problems; a
 * line past the record cap stops the source (the rest of a pipe may never come). On `signal`
 * the input reads as ended, so a FIFO or stdin that never ends cannot hold the run.
 */
export async function* jsonlSource(cfg: { path: string }, baseDir: string, signal?: AbortSignal): AsyncGenerator<SourceItem | SourceProblem> {
  const path = cfg.path === '-' ? '-' : resolve(baseDir, cfg.path);
  const shown = cfg.path === '-' ? '<stdin>' : cfg.path;
  const fifo = path !== '-' && statSync(path, { throwIfNoEntry: false })?.isFIFO();
  const input = untilAborted(fifo ? await openFifoReader(path, signal) : openInput(path, signal), signal);
  for await (const rec of readJsonRecords(path, { format: 'lines', keepText: true, source: input, stopAtOversized: true })) {
    // A line the interrupt cut short is not an input to report (as invalid, for good).
    if (signal?.aborted) return;
    const where = `${shown}:${rec.line}`;
    if (rec.ok) yield { raw: rec.value, where };
    else if (rec.tooLarge) throw new UsageError(`${where}: a line longer than ${humanBytes(DEFAULT_MAX_RECORD_BYTES)}: stopped reading (a JSONL source holds one JSON object per line)`);
    else yield { problem: rec.reason, where, text: rec.text };
  }
}

/** The input's chunks until `signal` fires; then it reads as ended (its stream destroyed). */
async function* untilAborted(input: Readable, signal?: AbortSignal): AsyncGenerator<Buffer> {
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

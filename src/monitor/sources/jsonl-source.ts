import { resolve } from 'node:path';
import { UsageError } from '../../core/errors.js';
import { DEFAULT_MAX_RECORD_BYTES, humanBytes, readJsonRecords } from '../../core/json-records.js';
import { openInput, untilAborted } from '../../core/open-input.js';
import type { SourceItem, SourceProblem } from '../types.js';

/**
 * A JSONL file (relative to the config file) or stdin (`-`). Bad lines are per-item problems; a
 * line past the record cap stops the source (the rest of a pipe may never come). On `signal`
 * the input reads as ended, so a FIFO or stdin that never ends cannot hold the run.
 */
export async function* jsonlSource(cfg: { path: string }, baseDir: string, signal?: AbortSignal): AsyncGenerator<SourceItem | SourceProblem> {
  const path = cfg.path === '-' ? '-' : resolve(baseDir, cfg.path);
  const shown = cfg.path === '-' ? '<stdin>' : cfg.path;
  const input = untilAborted(openInput(path, signal), signal);
  for await (const rec of readJsonRecords(path, { format: 'lines', keepText: true, source: input, stopAtOversized: true })) {
    // A line the interrupt cut short is not an input to report (as invalid, for good).
    if (signal?.aborted) return;
    const where = `${shown}:${rec.line}`;
    if (rec.ok) yield { raw: rec.value, where };
    else if (rec.tooLarge) throw new UsageError(`${where}: a line longer than ${humanBytes(DEFAULT_MAX_RECORD_BYTES)}: stopped reading (a JSONL source holds one JSON object per line)`);
    else yield { problem: rec.reason, where, text: rec.text };
  }
}

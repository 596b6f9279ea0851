import { resolve } from 'node:path';
import { readJsonRecords } from '../../core/json-records.js';
import type { SourceItem, SourceProblem } from '../types.js';

/** A JSONL file (relative to the config file) or stdin (`-`). Bad lines are per-item problems. */
export async function* jsonlSource(cfg: { path: string }, baseDir: string): AsyncGenerator<SourceItem | SourceProblem> {
  const path = cfg.path === '-' ? '-' : resolve(baseDir, cfg.path);
  const shown = cfg.path === '-' ? '<stdin>' : cfg.path;
  for await (const rec of readJsonRecords(path, { format: 'lines', keepText: true })) {
    const where = `${shown}:${rec.line}`;
    if (rec.ok) yield { raw: rec.value, where };
    else yield { problem: rec.reason, where, text: rec.text };
  }
}

import { InputError, PartialFailure } from '../core/errors.js';
import { documentId, sha256Hex } from '../core/ids.js';
import { readJsonRecords } from '../core/json-records.js';
import type { NdjsonWriter } from '../core/ndjson-writer.js';
import { getPath } from '../core/dot-path.js';
import { missingTextField, textOf } from '../text/text-field.js';
import { splitDocument } from './split-document.js';

export type SplitStreamOptions = { textField?: string; idField?: string; skipInvalid?: boolean; signal?: AbortSignal };

/**
 * Store-less split: NDJSON documents in, NDJSON sentences out. A document keeps the id it
 * carries (or gets the id `ingest` would give it), so sentences can be joined back to it.
 */
export async function splitStream(input: string, out: NdjsonWriter, opts: SplitStreamOptions = {}) {
  const summary = { documents: 0, sentences: 0, invalid: 0 };
  const idField = opts.idField ?? 'id';
  for await (const rec of readJsonRecords(input, { signal: opts.signal })) {
    if (opts.signal?.aborted || out.closedByReader) break;
    let reason: string | undefined;
    let id: string | undefined;
    let content: string | undefined;
    if (!rec.ok) reason = rec.reason;
    else if (rec.value === null || typeof rec.value !== 'object' || Array.isArray(rec.value)) reason = 'record must be a JSON object';
    else {
      const obj = rec.value as Record<string, unknown>;
      const text = textOf(obj, opts.textField);
      if (text === undefined) reason = missingTextField(obj, opts.textField);
      else {
        content = text;
        const own = getPath(obj, idField);
        id = typeof own === 'string' || typeof own === 'number' ? String(own) : documentId('stream', { contentHash: sha256Hex(text) });
      }
    }
    if (reason) {
      const where = `${rec.file}:${rec.line}: ${reason}`;
      if (!opts.skipInvalid) throw new InputError(`split: ${where}`);
      summary.invalid++;
      process.stderr.write(`${where}\n`);
      continue;
    }
    summary.documents++;
    for (const s of splitDocument({ id: id!, content: content! })) {
      await out.write(s);
      summary.sentences++;
    }
  }
  return summary;
}

export function finishStream(summary: { invalid: number }): void {
  if (summary.invalid > 0) throw new PartialFailure(`split: ${summary.invalid} invalid record(s) skipped`);
}

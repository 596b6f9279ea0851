import { DEFAULT_MAX_RECORD_BYTES, readJsonRecords, type JsonRecord } from '../core/json-records.js';
import type { NewDocument } from '../store/types.js';
import type { ReadContext, ReadDocument, Tally } from './ingest-tally.js';
import type { IngestInput } from './input-format.js';
import { isExportHeader, mapExportRecord, mapRecord, type FieldMapping } from './map-record.js';
import type { TextRepairs } from '../core/storable-text.js';

/**
 * The documents of one JSON input, each with its `file:line`; bad records go to the tally.
 * `read.bytes` follows the bytes read so far, bad records included.
 *
 * An input whose first line is an export header (`inspect export`) is restored as exported;
 * `restore` treats every input so. Everywhere else an export record is refused: a line in an
 * ordinary stream must not choose the id of the document it replaces.
 */
export async function* jsonDocuments(input: IngestInput, { opts, tally, now, read }: ReadContext): AsyncGenerator<ReadDocument> {
  let kind: 'unknown' | 'export' | 'records' = opts.restore ? 'export' : 'unknown';
  let first = true;
  const records = readJsonRecords(input.path, { maxRecordBytes: opts.maxRecordBytes ?? DEFAULT_MAX_RECORD_BYTES, flagEscapes: true, source: input.source, signal: opts.signal });
  for await (const rec of records) {
    read.bytes = rec.bytesRead;
    const at = `${rec.file}:${rec.line}`;
    const isFirst = first;
    first = false;
    if (rec.ok && isExportHeader(rec.value)) {
      if (isFirst && opts.mappingFlags?.length) {
        tally.problem(`${at}: an llmops export, restored only as exported, but ${opts.mappingFlags.join(', ')} given: ingest it without them`);
        break;
      }
      if (isFirst || kind === 'export') {
        kind = 'export'; // a header again: exports joined with cat
        continue;
      }
      tally.summary.records++;
      tally.problem(`${at}: an llmops export header after ordinary records: an export is restored only whole`);
      continue;
    }
    if (kind === 'unknown') kind = 'records';
    tally.summary.records++;
    const doc = toDocument(rec, kind === 'export', opts.mapping, now, tally, at);
    if (doc) yield { doc, at };
  }
}

/** The document a record maps to, or null when it is bad (reported to the tally). */
function toDocument(rec: JsonRecord, isExport: boolean, mapping: FieldMapping, now: string, tally: Tally, at: string): NewDocument | null {
  if (!rec.ok) {
    tally.problem(`${at}: ${rec.reason}`);
    return null;
  }
  // Only a \u escape can put a lone surrogate or NUL in a string: skip the walk otherwise.
  const repairs: TextRepairs | null = rec.escapes === false ? null : { surrogates: 0, nul: 0 };
  const mapped = isExport ? mapExportRecord(rec.value, repairs) : mapRecord(rec.value, mapping, now, repairs);
  if (!mapped.ok) {
    tally.problem(`${at}: ${mapped.reason}`);
    return null;
  }
  if (repairs && (repairs.surrogates > 0 || repairs.nul > 0)) tally.repaired(at, repairs);
  return mapped.doc;
}

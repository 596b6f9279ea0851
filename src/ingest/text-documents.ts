import { basename, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { DEFAULT_MAX_RECORD_BYTES, readLineRecords } from '../core/json-records.js';
import { documentId, sha256Hex } from '../core/ids.js';
import type { NewDocument } from '../store/types.js';
import type { ReadContext, ReadDocument } from './ingest-tally.js';
import type { IngestInput } from './input-format.js';
import { markdownFields } from './markdown-fields.js';
import { readWholeInput } from './read-whole-input.js';
import { repairStrings, type TextRepairs } from '../core/storable-text.js';
import { htmlFields, plainTextFields, type OwnFields } from './text-fields.js';

/**
 * One document of a whole text, Markdown or HTML input. A file's document is known by its
 * location (link `file:///…`, the id from source and link, as for a JSON record with a link):
 * ingesting it again is unchanged, or updated when its text changed. Stdin's has no link and
 * is known by its content. An empty input, or a page with no text, is skipped with a note.
 */
export async function* wholeInputDocuments(input: IngestInput, ctx: ReadContext): AsyncGenerator<ReadDocument> {
  const { opts, tally } = ctx;
  const at = where(input);
  const whole = await readWholeInput(input, opts.maxRecordBytes ?? DEFAULT_MAX_RECORD_BYTES, opts.signal);
  ctx.read.bytes = whole.bytes;
  if (!whole.ok) {
    if (whole.note) tally.skipped(`${at}: ${whole.note}`);
    else {
      tally.summary.records++;
      tally.problem(`${at}: ${whole.problem}`);
    }
    return;
  }
  const link = input.path === '-' ? null : pathToFileURL(resolve(input.path)).href;
  const text = whole.text.replace(/\r\n?/g, '\n');
  const own = input.format === 'html' ? await htmlFields(text, link) : input.format === 'markdown' ? await markdownFields(text) : plainTextFields(text);
  const fields = repaired(own, at, ctx, whole.decoding);
  if (fields.content === '') {
    tally.skipped(`${at}: no text${input.format === 'html' ? ' in the page' : ''}, skipped`);
    return;
  }
  tally.summary.records++;
  if (own.warning) tally.warning(`${at}: ${own.warning}`);
  const fileName = input.path === '-' ? null : basename(input.path);
  yield { doc: document(fields, { link, title: fields.title ?? fileName, keyedBy: 'link' }, ctx), at };
}

/** `--format lines`: one document per non-empty line, known by its text (as a JSON record without id or link). */
export async function* lineDocuments(input: IngestInput, ctx: ReadContext): AsyncGenerator<ReadDocument> {
  const { opts, tally } = ctx;
  const link = input.path === '-' ? null : pathToFileURL(resolve(input.path)).href;
  for await (const rec of readLineRecords(input.path, { maxRecordBytes: opts.maxRecordBytes ?? DEFAULT_MAX_RECORD_BYTES, source: input.source, signal: opts.signal })) {
    ctx.read.bytes = rec.bytesRead;
    const at = `${rec.file}:${rec.line}`;
    if (!rec.ok) {
      tally.summary.records++;
      tally.problem(`${at}: ${rec.reason}`);
      continue;
    }
    const fields = repaired({ title: null, content: (rec.value as string).trim(), metadata: { line: rec.line } }, at, ctx);
    if (fields.content === '') continue; // a line of NUL characters only
    tally.summary.records++;
    yield { doc: document(fields, { link, title: null, keyedBy: 'content' }, ctx), at };
  }
}

function where(input: IngestInput): string {
  return input.path === '-' ? '<stdin>' : input.path;
}

/** The fields made storable (NUL removed, as for JSON); what decoding replaced and this removed is reported. */
function repaired(own: OwnFields, at: string, ctx: ReadContext, decoding = { surrogates: 0, invalidUtf8: 0 }): OwnFields {
  const r: TextRepairs = { ...decoding, nul: 0 };
  const fields = repairStrings(own, r) as OwnFields;
  if (r.surrogates > 0 || r.nul > 0 || decoding.invalidUtf8 > 0) ctx.tally.repaired(at, r);
  return fields;
}

/** The document: `--title` over the input's own title; its own author and category over `--author`, `--category`. */
function document(own: OwnFields, key: { link: string | null; title: string | null; keyedBy: 'link' | 'content' }, { opts, now }: ReadContext): NewDocument {
  const { mapping } = opts;
  const source = mapping.source ?? 'ingest';
  const contentHash = sha256Hex(own.content);
  return {
    id: documentId(source, key.keyedBy === 'link' ? { link: key.link, contentHash } : { contentHash }),
    source,
    external_id: null,
    category: own.category ?? mapping.category ?? 'documents',
    link: key.link,
    author: own.author ?? mapping.author ?? null,
    title: opts.title ?? key.title,
    content: own.content,
    metadata: own.metadata,
    content_hash: contentHash,
    created_at: now,
  };
}

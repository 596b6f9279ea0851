import { UsageError } from '../core/errors.js';
import { describePathError } from '../core/path-errors.js';
import type { DocumentStore } from '../store/document-store.js';
import type { NewDocument } from '../store/types.js';
import { Tally, type IngestOptions, type IngestSummary, type ReadContext, type ReadDocument } from './ingest-tally.js';
import { inputFor, type IngestInput } from './input-format.js';
import { jsonDocuments } from './json-documents.js';
import { checkJsonInputs } from './sniff-json.js';
import { lineDocuments, wholeInputDocuments } from './text-documents.js';

type Batch = { docs: NewDocument[]; where: string[] };

/**
 * Reads every input and upserts the documents in batches. An input is read by `format`, else
 * by its extension: JSON records (json-documents.ts), or text, one document per file or line
 * (text-documents.ts).
 *
 * `store` may be a function that opens it: it is called only when there is something to write,
 * so a run that fails on its input before its first batch opens (and creates) nothing.
 *
 * By default the whole run is one transaction: a single bad record means nothing is stored
 * (the run still reads on, to report every bad record at once). With `skipInvalid`, each batch
 * commits on its own and bad records are only reported.
 */
export async function runIngest(store: DocumentStore | (() => Promise<DocumentStore>), opts: IngestOptions): Promise<IngestSummary> {
  const inputs = opts.files.map((f) => inputFor(f, opts.format));
  refuseMismatch(inputs, opts);
  const checked = await checkJsonInputs(inputs, opts.signal);
  const tally = new Tally(opts);
  let opened: DocumentStore | undefined;
  const open = async () => (opened ??= typeof store === 'function' ? await store() : store);
  const batches = readBatches(checked, opts, tally);
  if (opts.skipInvalid) await storeEachBatch(batches, open, tally);
  else await storeAllOrNothing(batches, open, tally);
  return tally.summary;
}

/** Flags that only mean something for one kind of input, given with the other kind. */
function refuseMismatch(inputs: IngestInput[], opts: IngestOptions): void {
  const json = inputs.find((i) => i.format === 'json');
  const text = inputs.find((i) => i.format !== 'json');
  const name = (i: IngestInput) => (i.path === '-' ? 'stdin' : i.path);
  if (opts.restore && text) throw new UsageError(`ingest: --restore reads inspect exports (JSON), and ${name(text)} is read as ${text.format}`);
  if (opts.title !== undefined && json) {
    throw new UsageError(`ingest: --title names documents read as text, and ${name(json)} is read as JSON (use --format, or --title-field for JSON records)`);
  }
}

/** The valid documents of every input in batches, with progress in bytes; stops after a batch once interrupted. */
async function* readBatches(inputs: IngestInput[], opts: IngestOptions, tally: Tally): AsyncGenerator<Batch> {
  const { summary } = tally;
  const batchSize = opts.batchSize ?? 1000;
  const now = new Date().toISOString();
  let batch: Batch = { docs: [], where: [] };
  // Where each document of the batch was read: a record naming one again is said (the later
  // one is kept). Only within a batch: a set of every id would grow with the corpus.
  let seen = new Map<string, string>();
  let bytesBefore = 0;
  for (const input of inputs) {
    const ctx: ReadContext = { opts, tally, now, read: { bytes: 0 } };
    for await (const { doc, at } of inputDocuments(input, ctx)) {
      const earlier = seen.get(doc.id);
      if (earlier) tally.warning(`${at}: the same document as ${earlier} (id ${JSON.stringify(doc.external_id ?? doc.link ?? doc.id)}): the later record is kept`);
      seen.set(doc.id, at);
      batch.docs.push(doc);
      batch.where.push(at);
      if (batch.docs.length < batchSize) continue;
      yield batch;
      batch = { docs: [], where: [] };
      seen = new Map();
      summary.bytes = bytesBefore + ctx.read.bytes;
      opts.onProgress?.(summary.bytes);
      if (opts.signal?.aborted) {
        summary.interrupted = true;
        return;
      }
    }
    bytesBefore += ctx.read.bytes;
    summary.bytes = bytesBefore;
  }
  // An interrupt that came while the last batch was read (or a pipe waited for its writer,
  // which then reads as ended) cut the input short as well.
  if (opts.signal?.aborted) {
    summary.interrupted = true;
    return;
  }
  if (batch.docs.length > 0) yield batch;
  opts.onProgress?.(summary.bytes);
}

/** The documents of one input, by its format; an input that cannot be read is a usage error naming it. */
async function* inputDocuments(input: IngestInput, ctx: ReadContext): AsyncGenerator<ReadDocument> {
  const documents = input.format === 'json' ? jsonDocuments : input.format === 'lines' ? lineDocuments : wholeInputDocuments;
  try {
    yield* documents(input, ctx);
  } catch (err) {
    throw unreadable(input.path, err);
  }
}

/** `--skip-invalid`: each batch commits on its own; a batch the database refuses is stored record by record. */
async function storeEachBatch(batches: AsyncIterable<Batch>, open: () => Promise<DocumentStore>, tally: Tally): Promise<void> {
  for await (const b of batches) {
    const s = await open();
    try {
      tally.add(await s.transaction((tx) => tx.upsert(b.docs)));
    } catch (err) {
      if (!refusedRecord(err)) throw err;
      // The database refused something in this batch: store the records one by one, so the
      // refused ones are reported by file:line and the rest are kept.
      for (let i = 0; i < b.docs.length; i++) {
        try {
          tally.add(await s.transaction((tx) => tx.upsert([b.docs[i]!])));
        } catch (e) {
          if (!refusedRecord(e)) throw e;
          tally.problem(`${b.where[i]}: ${refusal(e)}`);
        }
      }
    }
  }
}

/** The default: one transaction for the whole run, rolled back by a bad record or an interruption. */
async function storeAllOrNothing(batches: AsyncGenerator<Batch>, open: () => Promise<DocumentStore>, tally: Tally): Promise<void> {
  const { summary } = tally;
  const head = await batches.next();
  if (summary.invalid > 0) {
    // Bad input before the first batch: validate the rest, having opened (created) nothing.
    for await (const _ of batches);
    throw tally.inputError();
  }
  if (head.done) return;
  const s = await open();
  let refused: { error: unknown; batch: Batch } | undefined;
  await s
    .transaction(async (tx) => {
      const write = async (b: Batch) => {
        try {
          tally.add(await tx.upsert(b.docs));
        } catch (err) {
          if (refusedRecord(err)) refused = { error: err, batch: b };
          throw err;
        }
      };
      await write(head.value);
      for await (const b of batches) if (summary.invalid === 0) await write(b); // after a bad record, only validate
      if (summary.invalid > 0) throw tally.inputError();
      if (summary.interrupted) throw new InterruptedIngest();
    })
    .catch(async (err) => {
      if (err instanceof InterruptedIngest) return;
      // Rolled back. Find the record(s) the database refused and report them by file:line.
      if (refused && err === refused.error && (await attribute(s, refused.batch, tally)) > 0) throw tally.inputError();
      throw err;
    });
  if (summary.interrupted) {
    // The transaction was rolled back: an interrupted all-or-nothing run stores nothing.
    summary.inserted = summary.updated = summary.unchanged = 0;
  }
}

/** Tries each record of a batch alone, in a transaction that is then undone; reports the refused ones. */
async function attribute(st: DocumentStore, b: Batch, tally: Tally): Promise<number> {
  let found = 0;
  for (let i = 0; i < b.docs.length; i++) {
    try {
      await st.transaction(async (tx) => {
        await tx.upsert([b.docs[i]!]);
        throw new ProbeDone();
      });
    } catch (e) {
      if (e instanceof ProbeDone) continue;
      if (!refusedRecord(e)) throw e;
      tally.problem(`${b.where[i]}: ${refusal(e)}`);
      found++;
    }
  }
  return found;
}

class InterruptedIngest extends Error {}
class ProbeDone extends Error {}

/**
 * An error the database raised about the data of a record (PostgreSQL SQLSTATE classes 22 data
 * exception, 23 integrity, 54 limit exceeded, such as an over-long indexed link; SQLite's
 * equivalents), as opposed to a lost connection or a bug: only these are reported by file:line.
 */
function refusedRecord(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' && (/^(22|23|54)[0-9A-Z]{3}$/.test(code) || /^SQLITE_(TOOBIG|CONSTRAINT|MISMATCH)/.test(code));
}

function refusal(err: unknown): string {
  const msg = (err instanceof Error ? err.message : String(err)).split('\n')[0]!;
  return `refused by the database: ${msg.length > 200 ? `${msg.slice(0, 197)}...` : msg}`;
}

/** A file that cannot be read (permissions, a folder, an I/O error) is a usage error naming it. */
function unreadable(file: string, err: unknown): unknown {
  const e = err as NodeJS.ErrnoException;
  if (!e || typeof e.code !== 'string' || typeof e.syscall !== 'string') return err;
  const what = describePathError(e) ?? e.code;
  return new UsageError(`ingest: cannot read ${file === '-' ? 'stdin' : file}: ${what}`);
}

import { Interrupted, PartialFailure } from '../core/errors.js';
import { createNdjsonWriter, type NdjsonWriter } from '../core/ndjson-writer.js';
import { openOutput, type OutputKind, type OutputOptions, type OutputSink } from '../core/output-file.js';
import type { Db, OpenOptions } from '../store/database.js';
import { parseDatabaseUrl } from '../store/database-url.js';
import type { DocumentStore } from '../store/document-store.js';
import type { VectorStore } from '../vector/vector-store.js';
import type { VectorStoreChoice } from '../vector/open-vector-store.js';
import type { Context } from './context.js';
import { printSummary } from './print.js';
import { withProgress, type Progress, type ProgressSpec } from './progress.js';
import { withRun, type Outcome, type RunSpec } from './run-record.js';
import { openDb, openVectors, openVectorsForReading, openWarehouse } from './stores.js';

type Output = { readonly kind: OutputKind; close(): Promise<void>; abort(): Promise<void> };

/**
 * What one command opened: its stores, its outputs, anything else with a `close`. Built by
 * `runCommand`, which closes all of it when the command ends, whatever happened.
 */
export class CommandScope {
  private closers: (() => unknown)[] = [];
  private readonly outputs: Output[] = [];
  private opening: { db?: Promise<Db>; warehouse?: Promise<DocumentStore> } = {};
  /** Set by a command that runs until Ctrl-C (`--watch`, `--every`, serve): the interrupt is its normal end. */
  runsUntilInterrupted = false;

  constructor(readonly ctx: Context) {}

  /** Keeps `resource` until the command ends, then closes it (the last opened first). */
  use<T>(resource: T, close: (r: T) => unknown): T {
    this.closers.push(() => close(resource));
    return resource;
  }

  /** The --db database, opened once (by the first caller's options; a reader passes mustExist). */
  db(opts?: OpenOptions): Promise<Db> {
    return (this.opening.db ??= openDb(this.ctx, opts).then((db) => this.use(db, (d) => d.close())));
  }

  /** The document warehouse (after the database, which holds the run record). */
  warehouse(): Promise<DocumentStore> {
    return (this.opening.warehouse ??= (async () => {
      const store = await openWarehouse(this.ctx, await this.db());
      // The SQL warehouse runs on the database's own connection, closed with it.
      return store.kind === 'sql' ? store : this.use(store, (s) => s.close());
    })());
  }

  /** The vector store that featurize writes (sqlite-vec beside --db, or Qdrant). */
  async vectors(choice?: VectorStoreChoice): Promise<VectorStore> {
    return this.use(await openVectors(this.ctx, choice), (v) => v.close());
  }

  /** The vector store if there is one to read, else null: readers never create one. */
  async vectorsForReading(): Promise<VectorStore | null> {
    return this.use(await openVectorsForReading(this.ctx), (v) => v?.close());
  }

  /** An NDJSON output, committed when the command succeeds (or partly does), removed when it fails. */
  ndjson(target: string, opts?: OutputOptions): NdjsonWriter {
    return this.output(createNdjsonWriter(target, { signal: this.ctx.signal, database: this.databaseFile(), ...opts }));
  }

  /** A whole-file output (a report), under the same rules as `ndjson`. */
  file(target: string, opts?: OutputOptions): OutputSink {
    return this.output(openOutput(target, { signal: this.ctx.signal, database: this.databaseFile(), ...opts }));
  }

  /** The SQLite file of --db, which no output may replace; undefined for PostgreSQL (or a --db opening will refuse). */
  private databaseFile(): string | undefined {
    try {
      const target = parseDatabaseUrl(this.ctx.sources.db.value);
      return target.engine === 'sqlite' && target.path !== ':memory:' ? target.path : undefined;
    } catch {
      return undefined;
    }
  }

  private output<T extends Output>(o: T): T {
    this.outputs.push(o);
    return o;
  }

  /** When an output goes to stdout, stdout carries data: the summary goes to stderr. */
  get stdoutIsData(): boolean {
    return this.outputs.some((o) => o.kind === 'stdout');
  }

  /** A summary now, while outputs stay open (each poll of `--watch`). */
  summary(command: string, fields: Record<string, unknown>, toStderr = this.stdoutIsData): void {
    printSummary(this.ctx, command, fields, toStderr);
  }

  /** Commits the outputs, then prints the command's summary. */
  async finish(command: string, fields: Record<string, unknown>, toStderr = this.stdoutIsData): Promise<void> {
    await this.commit();
    this.summary(command, fields, toStderr);
  }

  /** The stage in the runs table, with a progress bar when `progress` is given. */
  async run<T extends Outcome>(spec: RunSpec & { progress?: ProgressSpec }, fn: (progress: Progress) => Promise<T>): Promise<T> {
    const db = await this.db();
    const bar = spec.progress ?? { label: spec.command, total: 0, unit: '' };
    return withRun(db, spec, () => withProgress(this.ctx, bar, fn));
  }

  async commit(): Promise<void> {
    for (const o of this.outputs) await o.close();
  }

  async discard(): Promise<void> {
    for (const o of this.outputs) await o.abort();
  }

  /** Closes everything opened so far, the last opened first; the first failure is thrown after. */
  async close(): Promise<void> {
    const closers = this.closers.reverse();
    this.closers = [];
    this.opening = {};
    let failure: unknown;
    for (const close of closers) {
      try {
        await close();
      } catch (err) {
        failure ??= err;
      }
    }
    if (failure !== undefined) throw failure;
  }
}

/**
 * Runs a command's body in a scope: outputs committed on success and on a partial failure
 * (exit 3: what did not fail is stored and written, so its output stands), removed on any
 * other error; everything opened closed. The body's error wins over one of closing.
 * A CLI command that an interrupt cut short (its body returned, having stopped after the batch
 * at hand, with its summary printed) keeps what it wrote and ends as Interrupted: exit 130/143.
 */
export async function runCommand<T>(ctx: Context, body: (scope: CommandScope) => Promise<T>): Promise<T> {
  const scope = new CommandScope(ctx);
  let failure: { error: unknown } | undefined;
  let result: T | undefined;
  try {
    result = await body(scope);
  } catch (error) {
    failure = { error };
  }
  if (!failure || failure.error instanceof PartialFailure) await scope.commit().catch((error) => (failure = { error }));
  if (failure && !(failure.error instanceof PartialFailure)) await scope.discard().catch(() => {});
  await scope.close().catch((error) => (failure ??= { error }));
  if (failure) throw failure.error;
  const { signal } = ctx;
  if (signal.aborted && ctx.printing && !scope.runsUntilInterrupted) throw new Interrupted(`interrupted (${signal.reason === 'SIGTERM' ? 'SIGTERM' : 'SIGINT'})`, signal.reason);
  return result as T;
}

import type { Command } from 'commander';
import { createContext, type Context } from '../context.js';
import { toNonNegativeInt, toPositiveInt } from '../options.js';
import { printSummary } from '../print.js';
import type { Db } from '../../store/database.js';
import type { OutputSink } from '../../core/output-file.js';

/**
 * Rows on stdout: NDJSON for machines, an aligned table for people (long text cut to fit).
 */
function printRows(ctx: Context, rows: Record<string, unknown>[], columns?: string[]): void {
  if (ctx.json) {
    for (const r of rows) process.stdout.write(`${JSON.stringify(r)}\n`);
    return;
  }
  if (rows.length === 0) {
    process.stdout.write('(none)\n');
    return;
  }
  const cols = columns ?? Object.keys(rows[0]!);
  const cell = (v: unknown) => {
    if (v === null || v === undefined) return '';
    const s = typeof v === 'number' ? (Number.isInteger(v) ? v.toLocaleString('en-US') : String(Number(v.toFixed(4)))) : typeof v === 'object' ? JSON.stringify(v) : String(v);
    const flat = s.replace(/\s+/g, ' ');
    return flat.length > 60 ? `${flat.slice(0, 59)}…` : flat;
  };
  const cells = rows.map((r) => cols.map((c) => cell(r[c])));
  const widths = cols.map((c, i) => Math.max(c.length, ...cells.map((r) => r[i]!.length)));
  const line = (vals: string[]) => vals.map((v, i) => v.padEnd(widths[i]!)).join('  ').trimEnd();
  process.stdout.write(`${line(cols)}\n${line(widths.map((w) => '─'.repeat(w)))}\n${cells.map(line).join('\n')}\n`);
}

type Opened = Awaited<ReturnType<typeof openAll>>;

async function openAll(ctx: Context, opts: { vectors?: boolean } = {}) {
  // inspect only reads: a path with no database is an error, never a new empty file.
  const db = await ctx.openDb({ mustExist: true });
  try {
    let vectors = null;
    if (opts.vectors) {
      const { parseDatabaseUrl } = await import('../../store/database-url.js');
      const { openVectorsForReading } = await import('../../inspect/open-vectors-for-reading.js');
      vectors = await openVectorsForReading(parseDatabaseUrl(ctx.dbUrl));
    }
    return { db, vectors };
  } catch (err) {
    await db.close();
    throw err;
  }
}

async function withStores<T>(cmd: Command, opts: { vectors?: boolean }, fn: (ctx: Context, o: Opened) => Promise<T>): Promise<T> {
  const ctx = await createContext(cmd.optsWithGlobals());
  const o = await openAll(ctx, opts);
  try {
    return await fn(ctx, o);
  } finally {
    await o.vectors?.close();
    await o.db.close();
  }
}

async function whyNoCollection(vectors: Opened['vectors']): Promise<string> {
  if (vectors) return 'llmops inspect collections lists them';
  return (await import('../../inspect/open-vectors-for-reading.js')).NO_VECTOR_STORE_NOTE;
}

const collect = (v: string, prev: string[] = []) => [...prev, v];

export function register(program: Command): void {
  const inspect = program
    .command('inspect')
    .description('Look inside every store: collections, search, chunks, documents, calls, runs; export and an HTML report')
    .addHelpText(
      'after',
      `
Examples:
  llmops inspect collections
  llmops inspect search embedded_articles --query "battery life" --mode hybrid --k 5
  llmops inspect chunks                        token counts per collection, PASS/FAIL vs the limit
  llmops inspect export backup.jsonl && llmops --db other.db ingest backup.jsonl
  llmops inspect report --out report.html`,
    );

  inspect
    .command('collections')
    .description('Vector collections: name, embedder, dimension, count')
    .addHelpText('after', '\nExample:\n  llmops inspect collections --json')
    .action(async (_f, cmd: Command) =>
      withStores(cmd, { vectors: true }, async (ctx, { vectors }) => {
        if (!vectors) {
          const { NO_VECTOR_STORE_NOTE } = await import('../../inspect/open-vectors-for-reading.js');
          ctx.logger.info(`inspect collections: no collections (${NO_VECTOR_STORE_NOTE})`);
        }
        printRows(ctx, vectors ? await vectors.listCollections() : [], ['name', 'embedder', 'dimension', 'count']);
      }),
    );

  inspect
    .command('stats')
    .argument('<collection>', 'collection name')
    .description('One collection: embedder, dimension, points, documents, chunk token counts')
    .addHelpText('after', '\nExample:\n  llmops inspect stats embedded_articles')
    .action(async (name: string, _f, cmd: Command) =>
      withStores(cmd, { vectors: true }, async (ctx, { db, vectors }) => {
        const { UsageError } = await import('../../core/errors.js');
        const info = vectors ? await vectors.getCollection(name) : null;
        if (!info) throw new UsageError(`inspect stats: no collection named ${name} (${await whyNoCollection(vectors)})`);
        const { chunkTokenStats } = await import('../../store/featurize-repo.js');
        const { maxTokensOf } = await import('../../inspect/embedder-limits.js');
        const fdb = db.db;
        const [t] = await chunkTokenStats(fdb, name);
        const docs = await fdb.selectFrom('featurized_documents').select((eb) => eb.fn.countAll<number>().as('n')).where('collection', '=', name).executeTakeFirstOrThrow();
        printSummary(ctx, `inspect stats ${name}`, {
          collection: info.name,
          vector_store: vectors!.kind,
          embedder: info.embedder ?? 'none (payload only)',
          dimension: info.dimension ?? undefined,
          points: info.count,
          documents: info.embedder ? Number(docs.n) : info.count,
          token_limit: info.embedder ? (maxTokensOf(info.embedder) ?? undefined) : undefined,
          tokens_min: t?.min,
          tokens_max: t?.max,
          tokens_mean: t ? Number(t.mean.toFixed(1)) : undefined,
          tokens_p95: t?.p95,
        });
      }),
    );

  inspect
    .command('sample')
    .argument('<collection>', 'collection name')
    .description('The first points of a collection (id order), with their payloads')
    .option('--limit <n>', 'how many (default 5)', toPositiveInt, 5)
    .option('--filter <key=value>', 'only points whose payload matches (repeatable)', collect)
    .addHelpText('after', '\nExample:\n  llmops inspect sample cleaned_articles --limit 3 --filter source=ingest')
    .action(async (name: string, f: { limit: number; filter?: string[] }, cmd: Command) =>
      withStores(cmd, { vectors: true }, async (ctx, { vectors }) => {
        if (!vectors) {
          const { UsageError } = await import('../../core/errors.js');
          throw new UsageError(`inspect sample: no collection named ${name} (${await whyNoCollection(vectors)})`);
        }
        const { parseFilters } = await import('../../vector/vector-store.js');
        const pts = await vectors!.sample(name, f.limit, parseFilters(f.filter));
        printRows(ctx, pts.map((p) => ({ id: p.id, ...p.payload })));
      }),
    );

  inspect
    .command('search')
    .argument('<collection>', 'an embedded_<category> collection')
    .description('Search a collection by meaning (vector), words (lexical, BM25) or both (hybrid, fused)')
    .requiredOption('--query <text>', 'what to look for')
    .option('--k <n>', 'how many hits', toPositiveInt, 10)
    .option('--mode <mode>', 'vector, lexical or hybrid', 'hybrid')
    .option('--fusion <how>', 'hybrid: rrf (reciprocal ranks) or convex (weighted sum of normalised scores); default convex for hashing collections, rrf otherwise')
    .option('--feedback <n>', 'hybrid: expand the vector query with the vectors of the top n lexical hits; default 1 for hashing collections, 0 otherwise', toNonNegativeInt)
    .option('--filter <key=value>', 'payload filter, e.g. document_id=… or category=posts (repeatable)', collect)
    .option('--models-dir <dir>', 'where local models live (for minilm collections)')
    .addHelpText('after', '\nExamples:\n  llmops inspect search embedded_articles --query "vector databases" --mode lexical\n  llmops inspect search embedded_posts --query "refund" --k 3 --filter category=posts\n  llmops inspect search embedded_articles --query "gene therapy" --fusion rrf --feedback 0')
    .action(async (name: string, f: { query: string; k: number; mode: string; fusion?: string; feedback?: number; filter?: string[]; modelsDir?: string }, cmd: Command) =>
      withStores(cmd, { vectors: true }, async (ctx, { db, vectors }) => {
        const { UsageError } = await import('../../core/errors.js');
        const { FUSIONS, SEARCH_MODES, searchCollection } = await import('../../inspect/search-collection.js');
        if (!SEARCH_MODES.includes(f.mode as never)) throw new UsageError(`--mode: expected vector, lexical or hybrid, got ${f.mode}`);
        if (f.fusion !== undefined && !FUSIONS.includes(f.fusion as never)) throw new UsageError(`--fusion: expected rrf or convex, got ${f.fusion}`);
        const { parseFilters } = await import('../../vector/vector-store.js');
        const filter = parseFilters(f.filter);
        const info = vectors ? await vectors.getCollection(name) : null;
        if (!info) throw new UsageError(`inspect search: no collection named ${name} (${await whyNoCollection(vectors)})`);
        if (!info.embedder) throw new UsageError(`inspect search: ${name} holds payloads only; search its embedded_ twin`);
        let embedder;
        if (f.mode !== 'lexical') {
          const { embedderFromId } = await import('../../embed/create-embedder.js');
          embedder = await embedderFromId(info.embedder, { modelsDir: f.modelsDir });
        }
        const hits = await searchCollection({ db: db.db, engine: db.engine, vectors: vectors!, collection: name, query: f.query, k: f.k, mode: f.mode as 'hybrid', fusion: f.fusion as 'rrf' | undefined, feedback: f.feedback, filter, embedder });
        await embedder?.close?.();
        printRows(ctx, hits as unknown as Record<string, unknown>[], ['rank', 'score', 'document_id', 'chunk_index', 'text']);
      }),
    );

  inspect
    .command('chunks')
    .description('Chunk token counts per collection (min, max, mean, p95) and PASS/FAIL against the embedder limit')
    .option('--collection <name>', 'only this collection')
    .addHelpText('after', '\nExample:\n  llmops inspect chunks --collection embedded_articles')
    .action(async (f: { collection?: string }, cmd: Command) =>
      withStores(cmd, {}, async (ctx, { db }) => {
        const { chunkTokenStats } = await import('../../store/featurize-repo.js');
        const { maxTokensOf } = await import('../../inspect/embedder-limits.js');
        const stats = await chunkTokenStats(db.db, f.collection);
        const rows = stats.map((s) => {
          const limit = maxTokensOf(s.embedder);
          return { collection: s.collection, embedder: s.embedder, chunks: s.chunks, min: s.min, max: s.max, mean: Number(s.mean.toFixed(1)), p95: s.p95, limit, verdict: limit === null ? 'UNKNOWN' : s.max <= limit ? 'PASS' : 'FAIL' };
        });
        printRows(ctx, rows);
        if (rows.some((r) => r.verdict === 'FAIL')) {
          const { PartialFailure } = await import('../../core/errors.js');
          throw new PartialFailure('inspect chunks: some chunks are over their embedder limit');
        }
      }),
    );

  inspect
    .command('documents')
    .description('Stored documents, newest first')
    .option('--limit <n>', 'how many (default 20)', toPositiveInt, 20)
    .option('--category <name>', 'only this category')
    .addHelpText('after', '\nExample:\n  llmops inspect documents --category articles --limit 5')
    .action(async (f: { limit: number; category?: string }, cmd: Command) =>
      withStores(cmd, {}, async (ctx, { db }) => {
        const { listDocumentRows } = await import('../../inspect/list-records.js');
        printRows(ctx, await listDocumentRows(db, f), ['id', 'category', 'source', 'title', 'chars', 'created_at']);
      }),
    );

  inspect
    .command('sentences')
    .description('Sentences with their offsets')
    .option('--limit <n>', 'how many (default 20)', toPositiveInt, 20)
    .option('--document <id>', 'only this document')
    .addHelpText('after', '\nExample:\n  llmops inspect sentences --document <id>')
    .action(async (f: { limit: number; document?: string }, cmd: Command) =>
      withStores(cmd, {}, async (ctx, { db }) => {
        const { listSentenceRows } = await import('../../inspect/list-records.js');
        printRows(ctx, await listSentenceRows(db, f));
      }),
    );

  inspect
    .command('results')
    .description('Task results (e.g. sentiment), newest first')
    .option('--limit <n>', 'how many (default 20)', toPositiveInt, 20)
    .option('--task <name>', 'only this task')
    .addHelpText('after', '\nExample:\n  llmops inspect results --task sentiment --limit 10')
    .action(async (f: { limit: number; task?: string }, cmd: Command) =>
      withStores(cmd, {}, async (ctx, { db }) => {
        const { listResults } = await import('../../store/results-repo.js');
        const rows = await listResults(db.db, f);
        printRows(ctx, rows as unknown as Record<string, unknown>[], ['sentence_id', 'task', 'status', 'label', 'confidence', 'provider', 'model', 'created_at']);
      }),
    );

  inspect
    .command('calls')
    .description('LLM calls, newest first, then totals over all calls: tokens, latency, cost')
    .option('--limit <n>', 'how many calls to list (default 20)', toPositiveInt, 20)
    .option('--task <name>', 'only calls of this task')
    .addHelpText('after', '\nExample:\n  llmops inspect calls --limit 5')
    .action(async (f: { limit: number; task?: string }, cmd: Command) =>
      withStores(cmd, {}, async (ctx, { db }) => {
        const { listCallRows, callTotals } = await import('../../inspect/list-records.js');
        printRows(ctx, await listCallRows(db, f), ['created_at', 'provider', 'model', 'task', 'status', 'input_tokens', 'output_tokens', 'latency_ms', 'cost_usd']);
        const totals = await callTotals(db, f);
        if (ctx.json) process.stdout.write(`${JSON.stringify({ totals })}\n`);
        else printSummary(ctx, 'totals', totals);
      }),
    );

  inspect
    .command('runs')
    .description('Command runs, newest first: status, counts, errors')
    .option('--limit <n>', 'how many (default 20)', toPositiveInt, 20)
    .option('--command <name>', 'only runs of this command')
    .addHelpText('after', '\nExample:\n  llmops inspect runs --command featurize')
    .action(async (f: { limit: number; command?: string }, cmd: Command) =>
      withStores(cmd, {}, async (ctx, { db }) => {
        const { listRuns } = await import('../../store/runs-repo.js');
        const rows = await listRuns(db.db, f);
        printRows(ctx, rows as unknown as Record<string, unknown>[], ['started_at', 'command', 'status', 'counts', 'error']);
      }),
    );

  inspect
    .command('export')
    .argument('<file>', 'JSONL file to write (- for stdout)')
    .description('Write every document as JSONL that `llmops ingest` restores exactly (ids, metadata, timestamps)')
    .addHelpText('after', '\nExample:\n  llmops inspect export backup.jsonl && llmops --db copy.db ingest backup.jsonl')
    .action(async (file: string, _f, cmd: Command) =>
      withStores(cmd, {}, async (ctx, { db }) => {
        const { createNdjsonWriter } = await import('../../core/ndjson-writer.js');
        const { exportWarehouse } = await import('../../inspect/export-warehouse.js');
        const store = await ctx.openWarehouse(db);
        const out = createNdjsonWriter(file, { label: 'inspect export' });
        try {
          const n = await exportWarehouse(store, out, ctx.signal);
          await out.close();
          printSummary(ctx, 'inspect export', { file, documents: n }, out.kind === 'stdout');
        } catch (err) {
          await out.abort();
          throw err;
        } finally {
          if (store.kind !== 'sql') await store.close();
        }
      }),
    );

  inspect
    .command('report')
    .description('One self-contained HTML page of charts: documents, sentiment, chunk tokens, LLM calls and cost, crawl success')
    .option('--out <file>', 'where to write it (default report.html)', 'report.html')
    .addHelpText('after', '\nExample:\n  llmops inspect report --out /tmp/report.html && xdg-open /tmp/report.html')
    .action(async (f: { out: string }, cmd: Command) =>
      withStores(cmd, {}, async (ctx, { db }) => {
        const { openOutput } = await import('../../core/output-file.js');
        // Opened first: a path that cannot be written fails before any work.
        const sink = openOutput(f.out, { label: 'inspect report' });
        try {
          await writeReport(ctx, db, sink, f.out);
        } catch (err) {
          await sink.abort();
          throw err;
        }
      }),
    );
}

async function writeReport(ctx: Context, db: Db, sink: OutputSink, out: string): Promise<void> {
  const { gatherReportData } = await import('../../inspect/report-data.js');
  const { renderReport } = await import('../../inspect/render-report.js');
  const store = await ctx.openWarehouse(db);
  let collections = null;
  try {
    const { parseDatabaseUrl } = await import('../../store/database-url.js');
    const { openVectorStore } = await import('../../featurize/open-vector-store.js');
    const vectors = await openVectorStore(parseDatabaseUrl(ctx.dbUrl));
    collections = await vectors.listCollections();
    await vectors.close();
  } catch (err) {
    ctx.logger.debug(`report: no vector store (${String(err)}); chunk limits from the chunks table`);
  }
  try {
    const data = await gatherReportData(db, store, collections);
    await sink.write(renderReport(data));
    await sink.close();
    printSummary(ctx, 'inspect report', { out, documents: data.documents, chunks: data.chunks.reduce((s, c) => s + c.counts.length, 0), llm_calls: data.calls_by_day.reduce((s, c) => s + c.calls, 0) }, sink.kind === 'stdout');
  } finally {
    if (store.kind !== 'sql') await store.close();
  }
}

import { Option, type Command } from 'commander';
import { createContext } from '../../app/context.js';
import type { CallsFlags } from '../../app/inspect-calls.js';
import type { SearchFlags } from '../../app/inspect-search.js';
import { toNonNegativeInt, toPositiveInt, toText } from '../options.js';

const collect = (v: string, prev: string[] = []) => [...prev, v];
const context = (cmd: Command) => createContext(cmd.optsWithGlobals());
const collections = () => import('../../app/inspect-collections.js');
const search = () => import('../../app/inspect-search.js');
const records = () => import('../../app/inspect-records.js');
const files = () => import('../../app/inspect-files.js');
const calls = () => import('../../app/inspect-calls.js');

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
  llmops inspect calls --since 24h             the latest LLM calls; llmops inspect calls <id> shows one whole
  llmops inspect export backup.jsonl && llmops --db other.db ingest backup.jsonl
  llmops inspect report --out report.html`,
    );

  registerCollections(inspect);
  registerRecords(inspect);
  registerFiles(inspect);
}

/** What the vector store holds. */
function registerCollections(inspect: Command): void {
  inspect
    .command('collections')
    .description('Vector collections: name, embedder, dimension, count')
    .addHelpText('after', '\nExample:\n  llmops inspect collections --json')
    .action(async (_f, cmd: Command) => (await collections()).inspectCollections(await context(cmd)));

  inspect
    .command('stats')
    .argument('<collection>', 'collection name')
    .description('One collection: embedder, dimension, points, documents, chunk token counts')
    .addHelpText('after', '\nExample:\n  llmops inspect stats embedded_articles')
    .action(async (name: string, _f, cmd: Command) => (await collections()).inspectStats(await context(cmd), name));

  inspect
    .command('sample')
    .argument('<collection>', 'collection name')
    .description('The first points of a collection (id order), with their payloads')
    .option('--limit <n>', 'how many', toPositiveInt, 5)
    .option('--filter <key=value>', 'only points whose payload matches (repeatable)', collect)
    .addHelpText('after', '\nExample:\n  llmops inspect sample cleaned_articles --limit 3 --filter source=ingest')
    .action(async (name: string, f: { limit: number; filter?: string[] }, cmd: Command) => (await collections()).inspectSample(await context(cmd), name, f));

  inspect
    .command('search')
    .argument('<collection>', 'an embedded_<category> collection')
    .description('Search a collection by meaning (vector), words (lexical, BM25) or both (hybrid, fused); each hit with its document (title, link, category, author, metadata) and a snippet, the query words marked')
    .requiredOption('--query <text>', 'what to look for', toText)
    .option('--k <n>', 'how many hits', toPositiveInt, 10)
    .option('--mode <mode>', 'vector, lexical or hybrid', 'hybrid')
    .option('--fusion <how>', 'hybrid: rrf (reciprocal ranks) or convex (weighted sum of normalised scores); default convex for hashing collections, rrf otherwise')
    .option('--feedback <n>', 'hybrid: expand the vector query with the vectors of the top n lexical hits; default 1 for hashing collections, 0 otherwise', toNonNegativeInt)
    .option('--filter <key=value>', 'payload filter, e.g. document_id=… or category=posts (repeatable)', collect)
    .option('--embedder <name|module>', 'the embedder that featurized the collection (default: rebuilt from the id it recorded); needed for your own module, e.g. ./my-embedder.js#embedder; refused unless it makes the same id and dimension')
    .option('--models-dir <dir>', 'where local models live (for minilm collections)')
    .addHelpText(
      'after',
      `
Examples:
  llmops inspect search embedded_articles --query "vector databases" --mode lexical
  llmops inspect search embedded_posts --query "refund" --k 3 --filter category=posts
  llmops inspect search embedded_articles --query "gene therapy" --fusion rrf --feedback 0
  llmops inspect search embedded_notes --query "deadline" --embedder ./my-embedder.js#embedder
  llmops inspect search embedded_articles --query "bm25" --json | jq '{title, snippet, highlights}'

On a terminal each hit shows its title, category, author, link, metadata and a snippet of the
chunk with the query words in bold (no bold with NO_COLOR); the width follows the terminal (or
COLUMNS). With --json (or piped) one object per hit: the chunk (id, chunk_index, token_count,
text), its document (document_id, title, link, category, author, source, metadata), rank and
scores, and "snippet" (plain text, "…" where cut) with "highlights": [start, end) pairs of
code point offsets into it.`,
    )
    .action(async (name: string, f: SearchFlags, cmd: Command) => (await search()).inspectSearch(await context(cmd), name, f));
}

/** Rows of the database. */
function registerRecords(inspect: Command): void {
  inspect
    .command('chunks')
    .description('Chunk token counts per collection (min, max, mean, p95), PASS/FAIL against the embedder limit, and the document (by title) of the longest chunk')
    .option('--collection <name>', 'only this collection')
    .addHelpText('after', '\nExample:\n  llmops inspect chunks --collection embedded_articles')
    .action(async (f: { collection?: string }, cmd: Command) => (await records()).inspectChunks(await context(cmd), f));

  inspect
    .command('documents')
    .description('Stored documents, newest first')
    .option('--limit <n>', 'how many', toPositiveInt, 20)
    .option('--category <name>', 'only this category')
    .addHelpText('after', '\nExample:\n  llmops inspect documents --category articles --limit 5')
    .action(async (f: { limit: number; category?: string }, cmd: Command) => (await records()).inspectDocuments(await context(cmd), f));

  inspect
    .command('sentences')
    .description('Sentences with their offsets')
    .option('--limit <n>', 'how many', toPositiveInt, 20)
    .option('--document <id>', 'only this document')
    .addHelpText('after', '\nExample:\n  llmops inspect sentences --document <id>')
    .action(async (f: { limit: number; document?: string }, cmd: Command) => (await records()).inspectSentences(await context(cmd), f));

  inspect
    .command('results')
    .description('Task results (e.g. sentiment), newest first')
    .option('--limit <n>', 'how many', toPositiveInt, 20)
    .option('--task <name>', 'only this task')
    .addHelpText('after', '\nExample:\n  llmops inspect results --task sentiment --limit 10')
    .action(async (f: { limit: number; task?: string }, cmd: Command) => (await records()).inspectResults(await context(cmd), f));

  inspect
    .command('calls')
    .argument('[id]', 'show this call whole: its id (or a unique prefix, as listed) or a trace id (every call of the trace)')
    .description('LLM calls, newest first (totals of all matching calls on stderr); with an id, one call whole: prompt, response, usage, hooks\' notes, results')
    .option('--limit <n>', 'how many calls to list', toPositiveInt, 20)
    .option('--task <name>', 'only calls of this task')
    .option('--model <name>', 'only calls of this model (model or provider/model)')
    .option('--since <when>', 'only calls since then: a duration back from now, with its unit (24h, 7d), or a date (2025-01-31)')
    .addOption(new Option('--status <status>', 'only calls that succeeded (ok), failed, or were cancelled by their caller (a stream stopped midway)').choices(['ok', 'failed', 'cancelled']))
    .option('--totals', 'the totals as data: a last {"totals":…} record with --json, on stdout on a terminal')
    .addHelpText(
      'after',
      `
Examples:
  llmops inspect calls --since 24h --status failed
  llmops inspect calls --task sentiment --model openai/gpt-4o-mini --limit 5
  llmops inspect calls --json --totals | tail -1    the totals record
  llmops inspect calls 3f2a9c1e                     one call whole (--json: one record, with the raw provider answer)

An id that matches no call, or a prefix that matches several, is an error (exit 2).`,
    )
    .action(async (id: string | undefined, f: CallsFlags, cmd: Command) => (await calls()).inspectCalls(await context(cmd), id, f));

  inspect
    .command('runs')
    .description('Command runs, newest first: status, counts, errors')
    .option('--limit <n>', 'how many', toPositiveInt, 20)
    .option('--command <name>', 'only runs of this command')
    .addHelpText('after', '\nExample:\n  llmops inspect runs --command featurize')
    .action(async (f: { limit: number; command?: string }, cmd: Command) => (await records()).inspectRuns(await context(cmd), f));
}

/** The store written out. */
function registerFiles(inspect: Command): void {
  inspect
    .command('export')
    .argument('<file>', 'JSONL file to write (- for stdout)')
    .description('Write every document as JSONL that `llmops ingest` restores exactly (ids, metadata, timestamps)')
    .addHelpText('after', '\nCtrl-C or SIGTERM leaves <file> as it was (the export is written whole or not at all).\n\nExample:\n  llmops inspect export backup.jsonl && llmops --db copy.db ingest backup.jsonl')
    .action(async (file: string, _f, cmd: Command) => (await files()).inspectExport(await context(cmd), file));

  inspect
    .command('report')
    .description('One self-contained HTML page of charts: documents, sentiment, chunk tokens, LLM calls and cost, crawl success')
    .option('--out <file>', 'where to write it', 'report.html')
    .addHelpText('after', '\nExample:\n  llmops inspect report --out /tmp/report.html && xdg-open /tmp/report.html')
    .action(async (f: { out: string }, cmd: Command) => (await files()).inspectReport(await context(cmd), f));
}

import { resolve } from 'node:path';
import { UsageError } from '../core/errors.js';
import { runCommand, type CommandScope } from './command-scope.js';
import type { ClusterRecord } from '../dedup/cluster-record.js';
import type { Context } from './context.js';
import { printRows } from './print.js';

export type DedupFlags = { in?: string; out?: string; key?: string; field?: string; idField: string; titleField: string; ledger?: string; near?: boolean; threshold: number; category?: string; apply?: boolean; report?: string };

/** A `--ledger` name is a dedup namespace unless it names one in full (`monitor:…`). */
export const ledgerNamespace = (name: string) => (name.includes(':') ? name : `dedup:${name}`);

/** `llmops dedup`: exact or near duplicates dropped from a stream, or near ones found among stored documents. */
export async function dedup(ctx: Context, flags: DedupFlags): Promise<void> {
  const near = Boolean(flags.near);
  checkTargets(flags, near);
  if (near && flags.ledger) throw new UsageError('dedup --near: --ledger is for exact keys only');
  if (flags.apply && flags.in !== undefined) throw new UsageError('dedup --apply: works on stored documents (leave out --in)');
  if (flags.in !== undefined) return runCommand(ctx, (scope) => dedupStream(scope, flags.in!, flags));
  if (!near) throw new UsageError('dedup: give --in <file|-> (exact dedup works on a stream; --near also on stored documents)');
  if (flags.field && flags.field !== 'content') throw new UsageError('dedup --near on stored documents compares their content (leave out --field, or --field content)');
  await runCommand(ctx, async (scope) => {
    const db = await scope.db({ mustExist: true });
    const store = await scope.warehouse();
    // On a terminal with no --report the clusters are a table; else NDJSON (stdout by default).
    const shown: ClusterRecord[] = [];
    const report = flags.report === undefined && !ctx.json ? { write: (c: ClusterRecord) => void shown.push(c) } : scope.ndjson(flags.report ?? '-', { label: 'dedup --report' });
    const { dedupStore } = await import('../dedup/dedup-store.js');
    // With --apply, what featurize made of each deleted page goes with it (forget-featurized.ts).
    const forget = flags.apply ? { ...(await import('./forget-featurized.js')), vectors: await scope.vectorsForReading() } : undefined;
    if (forget) await refuseOutOfReach(await forget.collectionsOutOfReach(db, forget.vectors), forget.vectors);
    let chunksRemoved = 0;
    const onDeleted = forget && (async (ids: string[]) => void (chunksRemoved += await forget.forgetGoneDocuments(db, forget.vectors, ids, false)));
    // In the runs table like every stage: `inspect runs` shows when documents were deleted, and how many.
    const r = await scope.run({ command: 'dedup', details: { mode: flags.apply ? 'near, applied' : 'near, report', threshold: flags.threshold } }, async () => {
      const found = await dedupStore(store, { threshold: flags.threshold, category: flags.category, apply: Boolean(flags.apply), signal: ctx.signal, onCluster: (c) => report.write(c), onDeleted });
      // Documents an earlier run deleted and stopped before forgetting (a SQL warehouse can say which).
      if (forget && !found.scanInterrupted && store.kind === 'sql') chunksRemoved += await forget.forgetGoneDocuments(db, forget.vectors, [], true);
      const { scanned, scanInterrupted, ...counts } = found;
      return { ...counts, documents: scanned, scan_interrupted: scanInterrupted, interrupted: found.interrupted || scanInterrupted, chunks_removed: flags.apply ? chunksRemoved : undefined };
    });
    if (shown.length > 0) printClusters(ctx, shown);
    const note = r.scan_interrupted
      ? `interrupted after ${r.documents} documents: nothing deleted`
      : r.interrupted
        ? 'interrupted: the rest of the duplicates are deleted by the next run'
        : flags.apply
          ? crowdedNote(r.crowded)
          : r.duplicates
            ? 'report only: --apply deletes the duplicates'
            : crowdedNote(r.crowded);
    await scope.finish('dedup', { documents: r.documents, clusters: r.clusters, duplicates: r.duplicates, deleted: r.deleted, chunks_removed: flags.apply ? chunksRemoved : undefined, crowded: r.crowded || undefined, note });
  });
}

async function dedupStream(scope: CommandScope, input: string, flags: DedupFlags): Promise<void> {
  const { parseKeyFlag, dedupStream } = await import('../dedup/dedup-stream.js');
  const near = Boolean(flags.near);
  const k = parseKeyFlag(flags.key, flags.field, near);
  const db = flags.ledger ? await scope.db() : undefined;
  // On stdout the run itself handles a reader going away (`| head`): it records in the ledger
  // only the keys of records that got out, then returns.
  const out = scope.ndjson(flags.out ?? '-', { label: 'dedup --out', readerGone: 'stop', input });
  const report = flags.report ? scope.ndjson(flags.report, { label: 'dedup --report', input }) : undefined;
  const run = () => dedupStream({
    input,
    out,
    ...k,
    idField: flags.idField,
    titleField: flags.titleField,
    near,
    threshold: flags.threshold,
    ledger: db && flags.ledger ? { db: db.db, namespace: ledgerNamespace(flags.ledger) } : undefined,
    onCluster: report ? (c) => report.write(c) : undefined,
    signal: scope.ctx.signal,
  });
  // With a ledger the stream changes the database: a runs row says when, and what passed.
  const r = db ? await scope.run({ command: 'dedup', details: { mode: near ? 'near, stream' : 'exact, stream', ledger: flags.ledger } }, run) : await run();
  const note = out.closedByReader ? 'the reader went away: the ledger holds only the records written' : r.interrupted ? 'interrupted: the next run carries on' : crowdedNote(r.crowded);
  await scope.finish('dedup', { read: r.read, passed: r.passed, dropped: r.dropped, clusters: near ? r.clusters : undefined, crowded: r.crowded || undefined, ledger: flags.ledger, note }, true);
}

/**
 * Flags that would lose or mix output, refused before anything is read: the report and the
 * records in one file (each replaced the other's content), or both on stdout (clusters among
 * the records a pipe reads); a report in exact mode (it has no clusters: an empty file); an
 * empty ledger name (no ledger at all, silently).
 */
function checkTargets(flags: DedupFlags, near: boolean): void {
  if (flags.ledger !== undefined && flags.ledger.trim() === '') throw new UsageError('dedup --ledger: empty name (give the ledger a name, such as --ledger feed)');
  if (flags.report === undefined) return;
  if (!near) throw new UsageError('dedup --report: only --near finds clusters to report (exact mode drops records with a key seen before)');
  if (flags.in === undefined) return;
  const out = flags.out ?? '-';
  if (out === '-' && flags.report === '-') throw new UsageError('dedup: --report - and the records (--out, stdout by default) would both go to stdout: send one to a file');
  if (out !== '-' && flags.report !== '-' && resolve(out) === resolve(flags.report)) {
    throw new UsageError(`dedup: --out and --report both name ${flags.report}: each would replace the other's content`);
  }
}

/**
 * Featurized collections whose points --apply could not remove: the documents would go and
 * their points stay, answering searches (PostgreSQL without QDRANT_URL, or the vectors in one
 * store and looked for in the other). Refused before anything is deleted.
 */
async function refuseOutOfReach(collections: string[], vectors: { kind: string } | null): Promise<void> {
  if (collections.length === 0) return;
  const { NO_VECTOR_STORE_NOTE } = await import('../search/open-vectors-for-reading.js');
  const why = !vectors
    ? `${NO_VECTOR_STORE_NOTE}): set QDRANT_URL as featurize had it`
    : vectors.kind === 'qdrant'
      ? 'not in the Qdrant at QDRANT_URL): point it at the Qdrant featurize wrote to, or unset it for the vectors in the --db file'
      : 'not in the --db file): set QDRANT_URL as featurize had it';
  throw new UsageError(`dedup --apply: the featurized collections ${collections.join(', ')} are out of reach (${why}; their points would outlive the deleted documents`);
}

/**
 * Texts alike below the threshold (a filled-in template) crowd the same buckets; each lookup
 * there compares with the latest of them only (minhash-lsh.ts), so a duplicate of an older one
 * can be missed. Said, not hidden: what was dropped is still a confirmed duplicate.
 */
function crowdedNote(crowded: number | undefined): string | undefined {
  return crowded ? `${crowded} text(s) met crowded buckets (many texts alike, below the threshold) and were compared with the latest of them only: a duplicate of an older one may be missed` : undefined;
}

/** One row per dropped document, each side named by its title (its id when it has none). */
function printClusters(ctx: Context, clusters: ClusterRecord[]): void {
  const rows = clusters.flatMap((c) => c.dropped.map((d) => ({ kept: c.kept_title ?? c.kept, dropped: d.title ?? d.id, similarity: d.similarity, dropped_id: d.id })));
  printRows(ctx, rows);
}

// bench/featurize section 7: what the lexical index (FTS5 over featurize_chunks) costs
// featurize's writer thread, the bound with two threads. The chunk rows of one featurize run are
// written again, in transactions of a batch's size, into copies of the ingested database: with
// the index filled as featurize fills it (one INSERT … SELECT of the batch's new rows, migration
// 0011), by a trigger per row (llmops before), and without the index (the baseline).
import { copyFileSync, rmSync } from 'node:fs';
import Database from 'better-sqlite3';

type ChunkRow = { id: string; collection: string; document_id: string; embedder: string; category: string; idx: number; text: string; token_count: number; created_at: string };

/** Milliseconds to insert `rows` into a copy of `template`, 300 rows per transaction (a batch's worth). */
type Index = 'batch' | 'trigger' | 'none';

function insertChunks(template: string, path: string, rows: ChunkRow[], index: Index): number {
  for (const f of ['', '-wal', '-shm']) rmSync(path + f, { force: true });
  copyFileSync(template, path);
  const db = new Database(path);
  try {
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = NORMAL');
    // The template is migrated: no insert trigger (0011).
    if (index === 'trigger') db.exec('create trigger featurize_chunks_ai after insert on featurize_chunks begin insert into featurize_chunks_fts(rowid, text) values (new.seq, new.text); end');
    const insert = db.prepare('insert into featurize_chunks (id, collection, document_id, embedder, category, idx, text, token_count, created_at) values (?, ?, ?, ?, ?, ?, ?, ?, ?)');
    const highest = db.prepare('select coalesce(max(seq), 0) as seq from featurize_chunks').pluck();
    const indexNew = db.prepare('insert into featurize_chunks_fts (rowid, text) select seq, text from featurize_chunks where seq > ?');
    const write = db.transaction((batch: ChunkRow[]) => {
      const before = index === 'batch' ? (highest.get() as number) : 0;
      for (const r of batch) insert.run(r.id, r.collection, r.document_id, r.embedder, r.category, r.idx, r.text, r.token_count, r.created_at);
      if (index === 'batch') indexNew.run(before);
    });
    const start = process.hrtime.bigint();
    for (let i = 0; i < rows.length; i += 300) write.immediate(rows.slice(i, i + 300));
    return Number(process.hrtime.bigint() - start) / 1e6;
  } finally {
    db.close();
  }
}

/**
 * `featurized`: a database featurize wrote (its chunk rows are the input); `template`: the same
 * documents before featurize; `scratch`: a path to write the copies at. Returns the table's rows.
 */
export function lexicalIndexCost(featurized: string, template: string, scratch: string, repeat: number): string[][] {
  const src = new Database(featurized, { readonly: true });
  const rows = src.prepare('select id, collection, document_id, embedder, category, idx, text, token_count, created_at from featurize_chunks order by seq').all() as ChunkRow[];
  src.close();
  const mb = rows.reduce((n, r) => n + Buffer.byteLength(r.text), 0) / 1e6;
  const runs: Record<Index, number[]> = { batch: [], trigger: [], none: [] };
  for (let i = 0; i < repeat; i++) for (const index of ['batch', 'trigger', 'none'] as const) runs[index].push(insertChunks(template, scratch, rows, index));
  rmSync(scratch, { force: true });
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  const line = (label: string, ms: number) => [label, String(rows.length), mb.toFixed(1), ms.toFixed(0), ((ms * 1000) / rows.length).toFixed(1), (mb / (ms / 1000)).toFixed(1)];
  return [
    ['chunk rows', 'rows', 'text MB', 'ms', 'µs/row', 'MB/s'],
    line('FTS5 index, one INSERT … SELECT per batch (llmops)', median(runs.batch)),
    line('FTS5 index, a trigger per row (llmops before)', median(runs.trigger)),
    line('no lexical index (baseline)', median(runs.none)),
  ];
}

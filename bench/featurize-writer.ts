// bench/featurize section 7: what the lexical index (FTS5, kept by a trigger on
// featurize_chunks) costs featurize's writer thread, the bound with two threads. The chunk rows
// of one featurize run are written again, in transactions of a batch's size, into two copies of
// the ingested database: with the index's trigger, and with the trigger dropped (the baseline).
import { copyFileSync, rmSync } from 'node:fs';
import Database from 'better-sqlite3';

type ChunkRow = { id: string; collection: string; document_id: string; embedder: string; category: string; idx: number; text: string; token_count: number; created_at: string };

/** Milliseconds to insert `rows` into a copy of `template`, 300 rows per transaction (a batch's worth). */
function insertChunks(template: string, path: string, rows: ChunkRow[], withIndex: boolean): number {
  for (const f of ['', '-wal', '-shm']) rmSync(path + f, { force: true });
  copyFileSync(template, path);
  const db = new Database(path);
  try {
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = NORMAL');
    if (!withIndex) db.exec('drop trigger featurize_chunks_ai');
    const insert = db.prepare('insert into featurize_chunks (id, collection, document_id, embedder, category, idx, text, token_count, created_at) values (?, ?, ?, ?, ?, ?, ?, ?, ?)');
    const write = db.transaction((batch: ChunkRow[]) => {
      for (const r of batch) insert.run(r.id, r.collection, r.document_id, r.embedder, r.category, r.idx, r.text, r.token_count, r.created_at);
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
  const runs = { with: [] as number[], without: [] as number[] };
  for (let i = 0; i < repeat; i++) {
    runs.with.push(insertChunks(template, scratch, rows, true));
    runs.without.push(insertChunks(template, scratch, rows, false));
  }
  rmSync(scratch, { force: true });
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  const line = (label: string, ms: number) => [label, String(rows.length), mb.toFixed(1), ms.toFixed(0), ((ms * 1000) / rows.length).toFixed(1), (mb / (ms / 1000)).toFixed(1)];
  return [['chunk rows', 'rows', 'text MB', 'ms', 'µs/row', 'MB/s'], line('with the FTS5 index (as featurize writes them)', median(runs.with)), line('without it (baseline)', median(runs.without))];
}

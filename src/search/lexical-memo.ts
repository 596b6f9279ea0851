import { sql, type Kysely } from 'kysely';
import type { Database } from '../store/types.js';

/**
 * SQLite's BM25 ranking of the chunks, from per-word scores kept in memory: the same rows, in
 * the same order, with the same scores to the last bit as the one FTS5 statement
 * (`match '"a" OR "b" …' order by bm25(), id`), for a long-lived process that searches again
 * and again (serve: the OR of a question's ten words matched half the corpus, and scoring it
 * in FTS5 was the largest CPU cost of an answer; bench/serve).
 *
 * Why it is exact: FTS5's bm25() is `-1 × (0 + s₁ + s₂ + …)`, one term per phrase of the query
 * in order, where phrase i's term for a row depends only on that phrase and the row (its
 * frequency there, the row's length, the phrase's row count, the index's row count and mean
 * length), and is +0 for a row without the phrase. So the term of word w in row r is minus the
 * bm25() of the one-phrase query `"w"` for r, computed by FTS5 itself (no stemmer or logarithm
 * of ours), and the sum in query order in float64 is FTS5's sum. Rows then join their chunk
 * (collection, id for ties) as the statement's join does, best first, until no tie is left out.
 *
 * The words' scores are valid for one state of the index: FTS5 rewrites its averages record
 * (row and token counts) and its structure record (a cookie bumped by every write) whenever
 * it changes, so both are read before and after each search; a search that saw them move
 * answers through the statement instead.
 */

type Postings = { seqs: Float64Array; terms: Float64Array };
type Memo = { state: string; words: Map<string, Postings>; held: number };
export type LexicalRow = { id: string; document_id: string; idx: number; token_count: number; text: string; score: number };
type ChunkRow = { seq: number; id: string; collection: string; document_id: string; idx: number; token_count: number };

// Word scores held per database (a row's seq and its term: 16 bytes each).
const MAX_HELD = 2_000_000;
// Groups of best rows read before giving the search back to the FTS5 statement (see below).
const MAX_GROUPS = 8;
const memos = new WeakMap<Kysely<Database>, Memo>();

async function indexState(db: Kysely<Database>): Promise<string> {
  const r = await sql<{ block: Uint8Array }>`select block from featurize_chunks_fts_data where id in (1, 10) order by id`.execute(db);
  return r.rows.map((x) => Buffer.from(x.block).toString('base64')).join(':');
}

async function wordPostings(db: Kysely<Database>, memo: Memo, word: string): Promise<Postings> {
  let p = memo.words.get(word);
  if (!p) {
    const r = await sql<{ seq: number; score: number }>`select rowid as seq, bm25(featurize_chunks_fts) as score from featurize_chunks_fts where featurize_chunks_fts match ${`"${word}"`}`.execute(db);
    p = { seqs: new Float64Array(r.rows.length), terms: new Float64Array(r.rows.length) };
    for (let i = 0; i < r.rows.length; i++) {
      p.seqs[i] = r.rows[i]!.seq;
      p.terms[i] = -r.rows[i]!.score;
    }
    if (memo.held + p.seqs.length > MAX_HELD) {
      memo.words.clear();
      memo.held = 0;
    }
    memo.words.set(word, p);
    memo.held += p.seqs.length;
  }
  return p;
}

const NON_ASCII = /[^\u0000-\u007f]/;

/** SQLite's BINARY order of text (UTF-8 bytes), which JavaScript's < matches for ASCII. */
function compareText(a: string, b: string): number {
  if (NON_ASCII.test(a) || NON_ASCII.test(b)) return Buffer.compare(Buffer.from(a), Buffer.from(b));
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * The best `depth` chunks of `collection` for `words` (queryTerms), as the FTS5 statement ranks
 * them, their score the negated bm25(); undefined when the index moved during the search.
 */
export async function memoLexicalSearch(db: Kysely<Database>, collection: string, words: string[], depth: number): Promise<LexicalRow[] | undefined> {
  const state = await indexState(db);
  let memo = memos.get(db);
  if (!memo || memo.state !== state) memos.set(db, (memo = { state, words: new Map(), held: 0 }));
  const { seqs, scores } = await sumTerms(db, memo, words);
  const kept: (ChunkRow & { score: number })[] = [];
  const byScoreThenId = (a: { score: number; id: string }, b: { score: number; id: string }) => b.score - a.score || compareText(a.id, b.id);
  // Best first, a group of about `batch` rows at a time (a group never splits a tie), in one
  // order sorted once. The index holds every collection: when this one is a small share of the
  // matches, reading on would be a statement per group over most of the index, so past
  // MAX_GROUPS the FTS5 statement (which filters by collection itself) answers instead.
  const order = Uint32Array.from(seqs.keys()).sort((a, b) => scores[b]! - scores[a]!);
  const scoreAt = (i: number) => scores[order[i]!]!;
  const batch = depth + 16;
  for (let from = 0, groups = 0; from < order.length; groups++) {
    if (groups === MAX_GROUPS) return undefined;
    let to = Math.min(order.length, from + batch);
    while (to < order.length && scoreAt(to) === scoreAt(to - 1)) to++;
    const part = new Map<number, number>();
    for (let i = from; i < to; i++) part.set(seqs[order[i]!]!, scoreAt(i));
    const r = await sql<ChunkRow>`select seq, id, collection, document_id, idx, token_count from featurize_chunks where seq in (select value from json_each(${JSON.stringify([...part.keys()])}))`.execute(db);
    for (const c of r.rows) if (c.collection === collection) kept.push({ ...c, score: part.get(c.seq)! });
    from = to;
    if (kept.length < depth) continue;
    kept.sort(byScoreThenId);
    kept.length = depth;
    // Done once the next row scores below the last one kept: nothing unread can tie with it.
    if (from === order.length || scoreAt(from) < kept[depth - 1]!.score) break;
  }
  if ((await indexState(db)) !== state) return undefined;
  kept.sort(byScoreThenId);
  return kept.slice(0, depth).map((c) => ({ id: c.id, document_id: c.document_id, idx: c.idx, token_count: c.token_count, text: '', score: c.score }));
}

// Each row's running sum, by seq, kept between searches (reset after each): no map per search.
let sums = new Float64Array(0);

/** Every row matching a word, with its BM25 score: the words' terms added in query order. */
async function sumTerms(db: Kysely<Database>, memo: Memo, words: string[]): Promise<{ seqs: number[]; scores: number[] }> {
  const lists: Postings[] = [];
  for (const word of words) lists.push(await wordPostings(db, memo, word));
  let top = 0;
  for (const p of lists) for (let i = 0; i < p.seqs.length; i++) top = Math.max(top, p.seqs[i]!);
  if (sums.length <= top) sums = new Float64Array(top + 1);
  const seqs: number[] = [];
  // 0 + s₁ + s₂ … in query order, as FTS5 adds them (a row's sum starts at 0 when first seen).
  for (const p of lists) {
    for (let i = 0; i < p.seqs.length; i++) {
      const seq = p.seqs[i]!;
      if (sums[seq] === 0) seqs.push(seq);
      sums[seq]! += p.terms[i]!;
    }
  }
  const scores = seqs.map((seq) => sums[seq]!);
  for (const seq of seqs) sums[seq] = 0;
  return { seqs, scores };
}

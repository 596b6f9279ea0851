import type { Db } from '../store/database.js';

/** Short views of the relational tables for `inspect documents|sentences|calls`. */
export async function listDocumentRows(db: Db, opts: { limit: number; category?: string }) {
  let q = db.db
    .selectFrom('documents')
    .select(['id', 'category', 'source', 'title', 'link', 'author', 'created_at', (eb) => eb.fn('length', ['content']).as('chars')])
    .orderBy('created_at', 'desc')
    .orderBy('id')
    .limit(opts.limit);
  if (opts.category) q = q.where('category', '=', opts.category);
  return (await q.execute()).map((r) => ({ ...r, chars: Number(r.chars) }));
}

export async function listSentenceRows(db: Db, opts: { limit: number; document?: string }) {
  let q = db.db.selectFrom('sentences').select(['id', 'document_id', 'idx', 'start_offset', 'end_offset', 'text']).orderBy('document_id').orderBy('idx').limit(opts.limit);
  if (opts.document) q = q.where('document_id', '=', opts.document);
  return (await q.execute()).map((r) => ({ id: r.id, document_id: r.document_id, index: r.idx, start: r.start_offset, end: r.end_offset, text: r.text }));
}

export async function listCallRows(db: Db, opts: { limit: number; task?: string }) {
  let q = db.db
    .selectFrom('llm_calls')
    .select(['id', 'created_at', 'provider', 'model', 'task', 'status', 'input_tokens', 'output_tokens', 'latency_ms', 'cost_usd', 'trace_id'])
    .orderBy('created_at', 'desc')
    .limit(opts.limit);
  if (opts.task) q = q.where('task', '=', opts.task);
  return (await q.execute()).map((r) => ({ ...r, latency_ms: Math.round(Number(r.latency_ms)), cost_usd: Number(r.cost_usd) }));
}

/** Totals over every logged call (not just the listed ones): tokens, latency, cost. */
export async function callTotals(db: Db, opts: { task?: string } = {}) {
  let q = db.db.selectFrom('llm_calls').select(['latency_ms', 'input_tokens', 'output_tokens', 'cost_usd', 'status']);
  if (opts.task) q = q.where('task', '=', opts.task);
  const rows = await q.execute();
  const lat = rows.map((r) => Number(r.latency_ms)).sort((a, b) => a - b);
  const pct = (p: number) => (lat.length === 0 ? 0 : lat[Math.min(lat.length - 1, Math.max(0, Math.ceil(p * lat.length) - 1))]!);
  return {
    calls: rows.length,
    failed: rows.filter((r) => r.status !== 'ok').length,
    input_tokens: rows.reduce((s, r) => s + Number(r.input_tokens), 0),
    output_tokens: rows.reduce((s, r) => s + Number(r.output_tokens), 0),
    cost_usd: Number(rows.reduce((s, r) => s + Number(r.cost_usd), 0).toFixed(6)),
    latency_ms_mean: lat.length === 0 ? 0 : Math.round(lat.reduce((s, x) => s + x, 0) / lat.length),
    latency_ms_p50: Math.round(pct(0.5)),
    latency_ms_p95: Math.round(pct(0.95)),
  };
}


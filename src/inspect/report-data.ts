import type { Db } from '../store/database.js';
import type { DocumentStore } from '../store/document-store.js';
import { readJson } from '../store/json-column.js';
import { chunkTokenCounts } from '../store/featurize-repo.js';
import type { CollectionInfo } from '../vector/vector-store.js';
import { maxTokensOf } from './embedder-limits.js';

export type Count = { label: string; value: number };
export type ReportData = {
  generated_at: string;
  database: string;
  documents: number;
  by_category: Count[];
  by_source: Count[];
  sentiment: Count[];
  chunks: { collection: string; limit: number | null; counts: number[] }[];
  calls_by_day: { day: string; calls: number; cost_usd: number; input_tokens: number; output_tokens: number }[];
  crawl_domains: { domain: string; succeeded: number; failed: number; skipped: number }[];
};

function tally(values: Iterable<string>): Count[] {
  const m = new Map<string, number>();
  for (const v of values) m.set(v, (m.get(v) ?? 0) + 1);
  return [...m].map(([label, value]) => ({ label, value })).sort((a, b) => b.value - a.value || a.label.localeCompare(b.label));
}

/** Everything the HTML report draws, read from every store once. */
export async function gatherReportData(db: Db, store: DocumentStore, collections: CollectionInfo[] | null): Promise<ReportData> {
  const categories: string[] = [];
  const sources: string[] = [];
  let afterId: string | undefined;
  for (;;) {
    const page = await store.list({ afterId, limit: 2000 });
    if (page.length === 0) break;
    for (const d of page) {
      categories.push(d.category);
      sources.push(d.source);
    }
    afterId = page.at(-1)!.id;
  }
  const labels = await db.db.selectFrom('results').select('label').where('task', '=', 'sentiment').where('status', '=', 'ok').execute();
  const counts = await chunkTokenCounts(db.db);
  const byCollection = new Map<string, number[]>();
  for (const c of counts) byCollection.set(c.collection, [...(byCollection.get(c.collection) ?? []), c.token_count]);
  const embedders = new Map((collections ?? []).map((c) => [c.name, c.embedder]));
  const chunkEmbedders = new Map((await db.db.selectFrom('featurize_chunks').select(['collection', 'embedder']).distinct().execute()).map((r) => [r.collection, r.embedder]));
  const calls = await db.db.selectFrom('llm_calls').select(['created_at', 'cost_usd', 'input_tokens', 'output_tokens']).orderBy('created_at').execute();
  const days = new Map<string, ReportData['calls_by_day'][number]>();
  for (const c of calls) {
    const day = String(c.created_at).slice(0, 10);
    const d = days.get(day) ?? { day, calls: 0, cost_usd: 0, input_tokens: 0, output_tokens: 0 };
    d.calls++;
    d.cost_usd += Number(c.cost_usd);
    d.input_tokens += Number(c.input_tokens);
    d.output_tokens += Number(c.output_tokens);
    days.set(day, d);
  }
  const crawlRuns = await db.db.selectFrom('runs').select('counts').where('command', '=', 'crawl').execute();
  const domains = new Map<string, { domain: string; succeeded: number; failed: number; skipped: number }>();
  for (const r of crawlRuns) {
    const c = readJson<{ domains?: Record<string, { succeeded?: number; failed?: number; skipped?: number }> }>(r.counts);
    for (const [domain, v] of Object.entries(c.domains ?? {})) {
      const d = domains.get(domain) ?? { domain, succeeded: 0, failed: 0, skipped: 0 };
      d.succeeded += v.succeeded ?? 0;
      d.failed += v.failed ?? 0;
      d.skipped += v.skipped ?? 0;
      domains.set(domain, d);
    }
  }
  return {
    generated_at: new Date().toISOString(),
    database: db.display,
    documents: categories.length,
    by_category: tally(categories),
    by_source: tally(sources),
    sentiment: tally(labels.map((l) => l.label ?? 'none')),
    chunks: [...byCollection].map(([collection, cs]) => {
      const emb = embedders.get(collection) ?? chunkEmbedders.get(collection);
      return { collection, limit: emb ? maxTokensOf(emb) : null, counts: cs };
    }),
    calls_by_day: [...days.values()],
    crawl_domains: [...domains.values()].sort((a, b) => b.succeeded + b.failed - (a.succeeded + a.failed)),
  };
}

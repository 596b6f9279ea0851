import type { Count, ReportData } from './report-data.js';

/**
 * One self-contained HTML page: inline CSS and SVG, no script, no CDN, so it opens anywhere
 * (an air-gapped laptop, a CI artifact) and prints as it looks.
 */
const esc = (s: unknown) => String(s).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
const fmt = (n: number, d = 0) => n.toLocaleString('en-US', { maximumFractionDigits: d, minimumFractionDigits: d });
const PALETTE = ['#4e79a7', '#f28e2b', '#e15759', '#76b7b2', '#59a14f', '#edc948', '#b07aa1', '#ff9da7', '#9c755f', '#bab0ac'];
const SENTIMENT: Record<string, string> = { positive: '#59a14f', neutral: '#bab0ac', negative: '#e15759' };

function empty(id: string, title: string, note: string): string {
  return `<section class="card" id="${id}"><h2>${esc(title)}</h2><p class="empty">${esc(note)}</p></section>`;
}

/** Horizontal bars, one per label, value at the end. */
function barChart(id: string, title: string, data: Count[], colour: (c: Count, i: number) => string = (_c, i) => PALETTE[i % PALETTE.length]!): string {
  if (data.length === 0) return empty(id, title, 'nothing yet');
  const rows = data.slice(0, 20);
  const max = Math.max(...rows.map((d) => d.value), 1);
  const rowH = 26;
  const w = 560;
  const labelW = 160;
  const bars = rows
    .map((d, i) => {
      const bw = Math.max(2, ((w - labelW - 70) * d.value) / max);
      const y = i * rowH;
      return `<g class="bar" data-label="${esc(d.label)}" data-value="${d.value}"><text x="${labelW - 8}" y="${y + 17}" text-anchor="end">${esc(d.label.length > 22 ? `${d.label.slice(0, 21)}…` : d.label)}</text><rect x="${labelW}" y="${y + 4}" width="${bw.toFixed(1)}" height="${rowH - 8}" rx="3" fill="${colour(d, i)}"><title>${esc(d.label)}: ${fmt(d.value)}</title></rect><text x="${(labelW + bw + 6).toFixed(1)}" y="${y + 17}">${fmt(d.value)}</text></g>`;
    })
    .join('');
  return `<section class="card" id="${id}"><h2>${esc(title)}</h2><svg role="img" aria-label="${esc(title)}" viewBox="0 0 ${w} ${rows.length * rowH}" width="${w}" height="${rows.length * rowH}">${bars}</svg></section>`;
}

/** Token counts of chunks in bins, with the embedder's limit as a red line. */
function histogram(chunks: ReportData['chunks']): string {
  if (chunks.length === 0) return empty('chunk-tokens', 'Chunk tokens vs the embedder limit', 'no chunks yet: run llmops featurize');
  const w = 560;
  const h = 180;
  const parts = chunks.map((c, ci) => {
    const limit = c.limit ?? Math.max(...c.counts);
    const top = Math.max(limit, ...c.counts) * 1.05;
    const bins = 24;
    const hist = new Array<number>(bins).fill(0);
    for (const n of c.counts) hist[Math.min(bins - 1, Math.floor((n / top) * bins))]!++;
    const maxBin = Math.max(...hist, 1);
    const bw = w / bins;
    const over = c.limit === null ? 0 : c.counts.filter((n) => n > c.limit!).length;
    const rects = hist
      .map((v, i) => `<rect class="bin" x="${(i * bw + 1).toFixed(1)}" y="${(h - (h * v) / maxBin).toFixed(1)}" width="${(bw - 2).toFixed(1)}" height="${((h * v) / maxBin).toFixed(1)}" fill="${PALETTE[ci % PALETTE.length]}"><title>${fmt((i * top) / bins)}–${fmt(((i + 1) * top) / bins)} tokens: ${v} chunks</title></rect>`)
      .join('');
    const lx = ((limit / top) * w).toFixed(1);
    const line = c.limit === null ? '' : `<line class="limit" x1="${lx}" x2="${lx}" y1="0" y2="${h}" stroke="#d62728" stroke-width="2" stroke-dasharray="6 3"/><text x="${Number(lx) - 4}" y="12" text-anchor="end" fill="#d62728">limit ${fmt(c.limit)}</text>`;
    const verdict = c.limit === null ? 'limit unknown' : over === 0 ? `PASS: all ${fmt(c.counts.length)} chunks within ${fmt(c.limit)} tokens` : `FAIL: ${over} chunks over ${fmt(c.limit)} tokens`;
    return `<h3>${esc(c.collection)} <span class="${over === 0 ? 'pass' : 'fail'}">${esc(verdict)}</span></h3><svg role="img" aria-label="token histogram ${esc(c.collection)}" viewBox="0 -2 ${w} ${h + 20}" width="${w}" height="${h + 20}">${rects}${line}<text x="0" y="${h + 16}">0</text><text x="${w}" y="${h + 16}" text-anchor="end">${fmt(top)} tokens</text></svg>`;
  });
  return `<section class="card" id="chunk-tokens"><h2>Chunk tokens vs the embedder limit</h2>${parts.join('')}</section>`;
}

/** Calls per day as bars, cost per day as a line on its own scale. */
function callsOverTime(days: ReportData['calls_by_day']): string {
  if (days.length === 0) return empty('llm-calls', 'LLM calls and cost over time', 'no LLM calls logged yet: run llmops analyse');
  const w = 560;
  const h = 180;
  const maxCalls = Math.max(...days.map((d) => d.calls), 1);
  const maxCost = Math.max(...days.map((d) => d.cost_usd), 1e-9);
  const bw = w / days.length;
  const bars = days.map((d, i) => `<rect class="day" x="${(i * bw + 1).toFixed(1)}" y="${(h - (h * d.calls) / maxCalls).toFixed(1)}" width="${Math.max(1, bw - 2).toFixed(1)}" height="${((h * d.calls) / maxCalls).toFixed(1)}" fill="#4e79a7"><title>${d.day}: ${d.calls} calls, $${d.cost_usd.toFixed(4)}, ${fmt(d.input_tokens)} in / ${fmt(d.output_tokens)} out tokens</title></rect>`).join('');
  const pts = days.map((d, i) => `${(i * bw + bw / 2).toFixed(1)},${(h - (h * d.cost_usd) / maxCost).toFixed(1)}`).join(' ');
  const total = days.reduce((s, d) => s + d.cost_usd, 0);
  const calls = days.reduce((s, d) => s + d.calls, 0);
  return `<section class="card" id="llm-calls"><h2>LLM calls and cost over time</h2><p>${fmt(calls)} calls, $${total.toFixed(4)} total, ${esc(days[0]!.day)} to ${esc(days.at(-1)!.day)}. <span class="legend calls">■ calls/day</span> <span class="legend cost">— cost/day (max $${maxCost.toFixed(4)})</span></p><svg role="img" aria-label="LLM calls per day" viewBox="0 -4 ${w} ${h + 8}" width="${w}" height="${h + 8}">${bars}<polyline points="${pts}" fill="none" stroke="#f28e2b" stroke-width="2.5"/></svg></section>`;
}

function crawlDomains(domains: ReportData['crawl_domains']): string {
  if (domains.length === 0) return empty('crawl-domains', 'Crawl success per domain', 'no crawl runs yet: run llmops crawl');
  const rows = domains.slice(0, 20);
  const w = 560;
  const rowH = 26;
  const labelW = 170;
  const max = Math.max(...rows.map((d) => d.succeeded + d.failed + d.skipped), 1);
  const unit = (w - labelW - 90) / max;
  const svg = rows
    .map((d, i) => {
      const y = i * rowH;
      const ok = d.succeeded * unit;
      const bad = d.failed * unit;
      const rate = d.succeeded + d.failed === 0 ? 0 : (100 * d.succeeded) / (d.succeeded + d.failed);
      return `<g class="domain" data-domain="${esc(d.domain)}"><text x="${labelW - 8}" y="${y + 17}" text-anchor="end">${esc(d.domain)}</text><rect x="${labelW}" y="${y + 4}" width="${ok.toFixed(1)}" height="${rowH - 8}" fill="#59a14f"><title>${d.succeeded} succeeded</title></rect><rect x="${(labelW + ok).toFixed(1)}" y="${y + 4}" width="${bad.toFixed(1)}" height="${rowH - 8}" fill="#e15759"><title>${d.failed} failed</title></rect><rect x="${(labelW + ok + bad).toFixed(1)}" y="${y + 4}" width="${(d.skipped * unit).toFixed(1)}" height="${rowH - 8}" fill="#bab0ac"><title>${d.skipped} skipped</title></rect><text x="${(labelW + ok + bad + d.skipped * unit + 6).toFixed(1)}" y="${y + 17}">${rate.toFixed(0)}%</text></g>`;
    })
    .join('');
  return `<section class="card" id="crawl-domains"><h2>Crawl success per domain</h2><p><span class="legend ok">■ succeeded</span> <span class="legend failed">■ failed</span> <span class="legend skipped">■ skipped</span></p><svg role="img" aria-label="crawl success per domain" viewBox="0 0 ${w} ${rows.length * rowH}" width="${w}" height="${rows.length * rowH}">${svg}</svg></section>`;
}

export function renderReport(d: ReportData): string {
  const chunks = d.chunks.reduce((s, c) => s + c.counts.length, 0);
  const calls = d.calls_by_day.reduce((s, c) => s + c.calls, 0);
  const cost = d.calls_by_day.reduce((s, c) => s + c.cost_usd, 0);
  const tiles = [
    ['documents', fmt(d.documents)],
    ['chunks', fmt(chunks)],
    ['sentiment results', fmt(d.sentiment.reduce((s, c) => s + c.value, 0))],
    ['LLM calls', fmt(calls)],
    ['LLM cost', `$${cost.toFixed(4)}`],
  ]
    .map(([k, v]) => `<div class="tile"><div class="v">${esc(v)}</div><div class="k">${esc(k)}</div></div>`)
    .join('');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>llmops report</title>
<style>
body{font:14px/1.45 system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:0;background:#f6f7f9;color:#1d2430}
header{padding:20px 28px;background:#1d2430;color:#fff}header h1{margin:0;font-size:22px}header p{margin:4px 0 0;opacity:.75}
main{display:grid;grid-template-columns:repeat(auto-fit,minmax(600px,1fr));gap:18px;padding:18px 28px}
.tiles{display:flex;gap:14px;padding:18px 28px 0;flex-wrap:wrap}.tile{background:#fff;border-radius:8px;padding:12px 18px;box-shadow:0 1px 3px #0002;min-width:120px}
.tile .v{font-size:22px;font-weight:600}.tile .k{color:#5b6472}
.card{background:#fff;border-radius:8px;padding:14px 18px;box-shadow:0 1px 3px #0002;overflow-x:auto}.card h2{font-size:16px;margin:0 0 10px}.card h3{font-size:13px;margin:12px 0 4px}
svg text{font-size:12px;fill:#1d2430}.empty{color:#8a93a0;font-style:italic}.pass{color:#2e7d32}.fail{color:#c62828}
.legend.calls,.legend.ok{color:#59a14f}.legend.calls{color:#4e79a7}.legend.cost{color:#f28e2b}.legend.failed{color:#e15759}.legend.skipped{color:#bab0ac}
</style></head><body>
<header><h1>llmops report</h1><p>${esc(d.database)} · generated ${esc(d.generated_at)}</p></header>
<div class="tiles">${tiles}</div>
<main>
${barChart('documents-by-category', 'Documents per category', d.by_category)}
${barChart('documents-by-source', 'Documents per source', d.by_source)}
${barChart('sentiment', 'Sentiment distribution', d.sentiment, (c, i) => SENTIMENT[c.label] ?? PALETTE[i % PALETTE.length]!)}
${histogram(d.chunks)}
${callsOverTime(d.calls_by_day)}
${crawlDomains(d.crawl_domains)}
</main>
<script type="application/json" id="report-data">${JSON.stringify({ ...d, chunks: d.chunks.map((c) => ({ collection: c.collection, limit: c.limit, chunks: c.counts.length })) }).replace(/</g, '\\u003c')}</script>
</body></html>
`;
}

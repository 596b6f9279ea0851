// bench/extraction: how close the extracted text is to each page's real article body, for
// llmops's extractor and for plain Readability (over the same linkedom DOM) on the same pages.
//
//   node --import tsx bench/extraction.ts [--verbose]
//
// Pages: bench/fixtures/extraction/pages/*.html (regenerate with
// `node bench/fixtures/extraction/generate.mjs`), each with its expected body (.txt) and
// metadata (.json). Scores are token-level: the texts are lower-cased and cut into words
// and numbers, and the overlap counts each token at most as often as it occurs in both
// (bag of words). Precision = overlap / extracted tokens; recall = overlap / expected tokens.
import { readdirSync, readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { extractArticle, extractWithReadability } from '../src/crawl/extract-article.js';

const { values } = parseArgs({ options: { verbose: { type: 'boolean' } } });
const pagesDir = new URL('./fixtures/extraction/pages/', import.meta.url);
const heldOutDir = new URL('./fixtures/extraction/held-out/', import.meta.url);
const list = (dir: URL) => readdirSync(dir).filter((f) => f.endsWith('.html')).sort().map((f) => f.slice(0, -5));

const tokens = (text: string) => text.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? [];
function score(got: string, want: string) {
  const g = tokens(got);
  const w = tokens(want);
  const counts = new Map<string, number>();
  for (const t of w) counts.set(t, (counts.get(t) ?? 0) + 1);
  let overlap = 0;
  for (const t of g) {
    const c = counts.get(t) ?? 0;
    if (c > 0) {
      overlap++;
      counts.set(t, c - 1);
    }
  }
  const precision = g.length ? overlap / g.length : 0;
  const recall = w.length ? overlap / w.length : 0;
  const f1 = precision + recall ? (2 * precision * recall) / (precision + recall) : 0;
  return { precision, recall, f1 };
}

type Row = { name: string; layout: string; ours: ReturnType<typeof score>; plain: ReturnType<typeof score>; title: [boolean, boolean]; author: boolean; date: boolean; ms: [number, number] };
function evaluate(dir: URL): Row[] {
const rows: Row[] = [];
for (const name of list(dir)) {
  const html = readFileSync(new URL(`${name}.html`, dir), 'utf8');
  const want = readFileSync(new URL(`${name}.txt`, dir), 'utf8');
  const meta = JSON.parse(readFileSync(new URL(`${name}.json`, dir), 'utf8')) as { layout?: string; title: string; author: string | null; date: string | null };
  let t = performance.now();
  const ours = extractArticle(html, `https://example.com/${name}`);
  const oursMs = performance.now() - t;
  t = performance.now();
  const plain = extractWithReadability(html);
  const plainMs = performance.now() - t;
  rows.push({
    name,
    layout: meta.layout ?? 'held-out',
    ours: score(ours.content, want),
    plain: score(plain.content, want),
    title: [ours.title === meta.title, plain.title === meta.title],
    author: ours.author === meta.author,
    // The day is what a page shows in text; the time only some pages carry in markup.
    date: meta.date === null ? ours.publishedAt === null : ours.publishedAt?.slice(0, 10) === new Date(meta.date).toISOString().slice(0, 10),
    ms: [oursMs, plainMs],
  });
}
return rows;
}

const rows = evaluate(pagesDir);
const heldOut = evaluate(heldOutDir);

const pct = (x: number) => `${(x * 100).toFixed(1)}`.padStart(6);
const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length);
function report(title: string, rows: Row[]) {
  if (values.verbose) {
    console.log(`${'page'.padEnd(44)}   llmops P      R     F1 | readability P    R     F1`);
    for (const r of rows) console.log(`${r.name.padEnd(44)} ${pct(r.ours.precision)} ${pct(r.ours.recall)} ${pct(r.ours.f1)} | ${pct(r.plain.precision)} ${pct(r.plain.recall)} ${pct(r.plain.f1)}`);
    console.log('');
  }
  console.log(title);
  console.log(`  ${'extractor'.padEnd(30)} ${'precision'.padStart(9)} ${'recall'.padStart(7)} ${'F1'.padStart(6)}  ${'F1 min'.padStart(6)}  ${'title ok'.padStart(8)}  ms/page`);
  for (const [label, key, i] of [['llmops (cleanup + Readability)', 'ours', 0], ['plain Readability (linkedom)', 'plain', 1]] as const) {
    const s = rows.map((r) => r[key]);
    console.log(
      `  ${label.padEnd(30)} ${pct(mean(s.map((x) => x.precision))).padStart(9)} ${pct(mean(s.map((x) => x.recall))).padStart(7)} ${pct(mean(s.map((x) => x.f1)))}  ${pct(Math.min(...s.map((x) => x.f1)))}  ${`${rows.filter((r) => r.title[i]).length}/${rows.length}`.padStart(8)}  ${mean(rows.map((r) => r.ms[i])).toFixed(1).padStart(7)}`,
    );
  }
  console.log(`  llmops metadata: author right on ${rows.filter((r) => r.author).length}/${rows.length} pages, published date right on ${rows.filter((r) => r.date).length}/${rows.length}`);
}

report(`extraction quality on ${rows.length} pages (${new Set(rows.map((r) => r.layout)).size} layouts), token-level, macro-averaged over pages`, rows);
console.log('\n  F1 by layout             llmops  readability');
for (const layout of [...new Set(rows.map((r) => r.layout))].sort()) {
  const rs = rows.filter((r) => r.layout === layout);
  console.log(`  ${layout.padEnd(22)} ${pct(mean(rs.map((r) => r.ours.f1)))}   ${pct(mean(rs.map((r) => r.plain.f1)))}`);
}
console.log('');
report(`held-out pages (${heldOut.length}, never tuned on):`, heldOut);

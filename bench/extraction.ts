// bench/extraction: how close the extracted text is to each page's real article body, for
// llmops's extractor and for plain Readability (over linkedom) on the same pages.
//
//   node --import tsx bench/extraction.ts [--verbose] [--only real|synthetic]
//
// Real pages (the development corpus, bench/data/extraction/, see NOTICE.md there; rebuild
// with `node bench/fetch-extraction-corpus.mjs`):
// - readability/: Mozilla Readability's test pages; the expected text is the text of
//   expected.html, which is Readability's own output (so these pages favour Readability).
// - trafilatura/: trafilatura's evaluation pages with snippets the text must hold ("with")
//   and must not hold ("without"); scored as trafilatura does, over all snippets: precision
//   = with found / (with found + without found), recall = with found / all with.
// Both extractors get the same text, decoded by our decodeHtml (BOM, <meta>, UTF-8 sniffing).
// A crash is an exception out of the extractor; plain Readability is called bare, as a user
// of it would, so its crashes count.
//
// Synthetic pages: bench/fixtures/extraction/pages/*.html (regenerate with
// `node bench/fixtures/extraction/generate.mjs`), each with its expected body (.txt) and
// metadata (.json). Scores are token-level: the texts are lower-cased and cut into words
// and numbers, and the overlap counts each token at most as often as it occurs in both
// (bag of words). Precision = overlap / extracted tokens; recall = overlap / expected tokens.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { gunzipSync } from 'node:zlib';
import { Readability } from '@mozilla/readability';
import { parseHTML } from 'linkedom';
import { decodeHtml } from '../src/html/decode-html.js';
import { extractArticle, extractWithReadability } from '../src/html/extract-article.js';

const { values } = parseArgs({ options: { verbose: { type: 'boolean' }, only: { type: 'string' } } });
const pagesDir = new URL('./fixtures/extraction/pages/', import.meta.url);
const heldOutDir = new URL('./fixtures/extraction/held-out/', import.meta.url);
const list = (dir: URL) => readdirSync(dir).filter((f) => f.endsWith('.html')).sort().map((f) => f.slice(0, -5));

// Chinese and Japanese are written without spaces: each of their characters is a token, or a
// whole sentence would be one token and one moved line break would zero it.
const tokens = (text: string) => text.toLowerCase().match(/[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}]|[\p{L}\p{N}]+?(?=[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}]|[^\p{L}\p{N}]|$)/gu) ?? [];
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

const pct = (x: number) => `${(x * 100).toFixed(1)}`.padStart(6);
const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length);

// --- real pages --------------------------------------------------------------------------

const dataDir = new URL('./data/extraction/', import.meta.url);
const gz = (url: URL) => gunzipSync(readFileSync(url));
const normalSpace = (t: string) => t.replace(/\s+/g, ' ').trim().toLowerCase();

/** Plain @mozilla/readability over plain linkedom: no repair of the tree, no fallback. */
function plainReadability(html: string): string {
  const { document } = parseHTML(html);
  return new Readability(document as never).parse()?.textContent ?? '';
}

type Extract = (html: string) => string;
const extractors: [string, Extract][] = [
  ['llmops extractArticle', (html) => extractArticle(html, 'https://example.com/page').content],
  ['plain Readability (linkedom)', plainReadability],
];

type Outcome = { text: string | null; ms: number; error?: string };
function run(f: Extract, html: string): Outcome {
  const t = performance.now();
  try {
    return { text: f(html), ms: performance.now() - t };
  } catch (err) {
    return { text: null, ms: performance.now() - t, error: String((err as Error)?.message ?? err).split('\n')[0] };
  }
}

const tableHead = `  ${'extractor'.padEnd(30)} ${'pages'.padStart(5)} ${'crashes'.padStart(7)} ${'empty'.padStart(5)} ${'precision'.padStart(9)} ${'recall'.padStart(7)} ${'F1'.padStart(6)}  ms/page`;

function readabilityCorpus(): void {
  const dir = new URL('readability/', dataDir);
  if (!existsSync(dir)) return console.log('no bench/data/extraction/readability: run node bench/fetch-extraction-corpus.mjs');
  const pages = readdirSync(dir).sort();
  const per = extractors.map(() => ({ scores: [] as ReturnType<typeof score>[], crashes: [] as string[], empty: 0, ms: 0 }));
  for (const page of pages) {
    const html = decodeHtml(gz(new URL(`${page}/source.html.gz`, dir))).text;
    const { document } = parseHTML(`<!DOCTYPE html><html><head></head><body>${gz(new URL(`${page}/expected.html.gz`, dir)).toString('utf8')}</body></html>`);
    const want = document.body.textContent ?? '';
    extractors.forEach(([, f], i) => {
      const o = run(f, html);
      const acc = per[i]!;
      acc.ms += o.ms;
      if (o.text === null) acc.crashes.push(`${page}: ${o.error}`);
      else if (!o.text.trim()) acc.empty++;
      // A crash scores zero: the page gave the user nothing.
      const s = score(o.text ?? '', want);
      acc.scores.push(s);
      if (values.verbose && i === 0) console.log(`  ${page.padEnd(44)} ${pct(s.precision)} ${pct(s.recall)} ${pct(s.f1)}`);
    });
  }
  console.log(`Mozilla Readability test pages (${pages.length}): token bag-of-words vs the text of expected.html, macro-averaged over pages`);
  console.log(tableHead);
  extractors.forEach(([label], i) => {
    const a = per[i]!;
    console.log(`  ${label.padEnd(30)} ${String(pages.length).padStart(5)} ${String(a.crashes.length).padStart(7)} ${String(a.empty).padStart(5)} ${pct(mean(a.scores.map((x) => x.precision))).padStart(9)} ${pct(mean(a.scores.map((x) => x.recall))).padStart(7)} ${pct(mean(a.scores.map((x) => x.f1)))}  ${(a.ms / pages.length).toFixed(1).padStart(7)}`);
  });
  extractors.forEach(([label], i) => { for (const c of per[i]!.crashes.slice(0, 5)) console.log(`    crash (${label}): ${c}`); });
}

function trafilaturaCorpus(): void {
  const dir = new URL('trafilatura/', dataDir);
  if (!existsSync(dir)) return console.log('no bench/data/extraction/trafilatura: run node bench/fetch-extraction-corpus.mjs');
  const index = JSON.parse(readFileSync(new URL('evaldata.json', dir), 'utf8')) as Record<string, { url: string; with: string[]; without: string[] }>;
  const names = Object.keys(index).sort();
  const per = extractors.map(() => ({ tp: 0, fn: 0, fp: 0, tn: 0, crashes: [] as string[], empty: 0, ms: 0 }));
  for (const name of names) {
    const entry = index[name]!;
    const html = decodeHtml(gz(new URL(`pages/${name}.html.gz`, dir))).text;
    extractors.forEach(([, f], i) => {
      const o = run(f, html);
      const acc = per[i]!;
      acc.ms += o.ms;
      if (o.text === null) acc.crashes.push(`${name}: ${o.error}`);
      else if (!o.text.trim()) acc.empty++;
      const got = normalSpace(o.text ?? '');
      let found = 0;
      for (const w of entry.with) if (got.includes(normalSpace(w))) found++;
      let leaked = 0;
      for (const w of entry.without) if (got.includes(normalSpace(w))) leaked++;
      acc.tp += found;
      acc.fn += entry.with.length - found;
      acc.fp += leaked;
      acc.tn += entry.without.length - leaked;
      if (values.verbose && i === 0) console.log(`  ${name.padEnd(60)} with ${found}/${entry.with.length} without leaked ${leaked}/${entry.without.length}`);
    });
  }
  console.log(`trafilatura evaluation pages (${names.length}, many languages): snippets found, micro-averaged over all snippets`);
  console.log(tableHead);
  extractors.forEach(([label], i) => {
    const a = per[i]!;
    const precision = a.tp / Math.max(1, a.tp + a.fp);
    const recall = a.tp / Math.max(1, a.tp + a.fn);
    const f1 = precision + recall ? (2 * precision * recall) / (precision + recall) : 0;
    console.log(`  ${label.padEnd(30)} ${String(names.length).padStart(5)} ${String(a.crashes.length).padStart(7)} ${String(a.empty).padStart(5)} ${pct(precision).padStart(9)} ${pct(recall).padStart(7)} ${pct(f1)}  ${(a.ms / names.length).toFixed(1).padStart(7)}`);
  });
  extractors.forEach(([label], i) => { for (const c of per[i]!.crashes.slice(0, 5)) console.log(`    crash (${label}): ${c}`); });
}

if (values.only !== 'synthetic') {
  readabilityCorpus();
  console.log('');
  trafilaturaCorpus();
  console.log('');
}
if (values.only === 'real') process.exit(0);

const rows = evaluate(pagesDir);
const heldOut = evaluate(heldOutDir);

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

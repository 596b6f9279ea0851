// bench/crawl: pages per second and peak RSS of `llmops crawl` on a local site of --pages
// article pages (navigation, sidebars, comments, cookie banner: ~25 KB each), next to
// Crawlee's CheerioCrawler crawling the same list of URLs in the same run.
//
//   npm run build && node bench/crawl.mjs [--pages 1000] [--concurrency 16]
//
// Both crawl every URL once with the same concurrency (Crawlee's autoscaling pinned to it).
// llmops does its whole job: robots.txt, fetch, boilerplate removal + Readability, clean
// text, and an upsert into a fresh SQLite warehouse. Crawlee's handler does what a typical
// Cheerio scraper does: title and the text of <p> elements, kept in memory.
import { createServer } from 'node:http';
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';
import { BIN, fmt, rng } from './lib.mjs';

const { values } = parseArgs({
  options: { pages: { type: 'string', default: '1000' }, concurrency: { type: 'string', default: '16' }, rounds: { type: 'string', default: '3' }, 'crawlee-child': { type: 'string' } },
});

if (values['crawlee-child']) {
  await crawleeChild(values['crawlee-child'], Number(values.concurrency));
  process.exit(0);
}

const PAGES = Number(values.pages);
const CONCURRENCY = Number(values.concurrency);

const WORDS = 'the model data pipeline search vector results team users prompt latency cost market report product release update service quality index document answer question system evaluation retrieval chunk embedding token language river town council school weather train station street'.split(' ');
function page(i) {
  const rand = rng(i + 1);
  const pick = () => WORDS[Math.floor(rand() * WORDS.length)];
  const sentence = () => {
    const n = 10 + Math.floor(rand() * 14);
    const w = Array.from({ length: n }, pick);
    w[0] = w[0][0].toUpperCase() + w[0].slice(1);
    return `${w.join(' ')}.`;
  };
  const paragraphs = Array.from({ length: 8 + Math.floor(rand() * 8) }, () => `<p>${Array.from({ length: 3 + Math.floor(rand() * 3) }, sentence).join(' ')}</p>`).join('\n');
  const links = Array.from({ length: 40 }, (_, k) => `<li><a href="/p/${(i + k * 7) % PAGES}">${sentence()}</a></li>`).join('');
  const comments = Array.from({ length: 6 }, (_, k) => `<div class="comment"><b>user${k}</b><p>${sentence()}</p></div>`).join('');
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Page ${i} | Bench Site</title>
<meta name="author" content="Author ${i % 17}"><meta property="article:published_time" content="2024-01-${String((i % 28) + 1).padStart(2, '0')}">
<script>window.analytics={page:${i}}</script><style>body{font:16px sans-serif}</style></head>
<body><header><nav><ul>${links.slice(0, 2000)}</ul></nav></header>
<div class="cookie-banner"><p>We use cookies to improve your experience.</p><button>Accept</button></div>
<main><article><h1>Page ${i}: ${sentence()}</h1><p class="byline">By Author ${i % 17}</p>
${paragraphs}
<div class="newsletter"><p>Sign up for our newsletter.</p></div></article>
<section class="comments">${comments}</section></main>
<aside class="sidebar"><h3>Related</h3><ul>${links}</ul></aside>
<footer><p>All rights reserved.</p></footer></body></html>`;
}

const cache = new Map();
const server = createServer((req, res) => {
  if (req.url === '/robots.txt') {
    res.writeHead(200, { 'content-type': 'text/plain' });
    return res.end('User-agent: *\nDisallow: /admin/\n');
  }
  const m = /^\/p\/(\d+)$/.exec(req.url ?? '');
  if (!m || Number(m[1]) >= PAGES) {
    res.writeHead(404);
    return res.end();
  }
  const i = Number(m[1]);
  let body = cache.get(i);
  if (!body) cache.set(i, (body = Buffer.from(page(i))));
  res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'content-length': body.length });
  res.end(body);
});
await new Promise((r) => server.listen(0, '127.0.0.1', r));
const base = `http://127.0.0.1:${server.address().port}`;
const urls = Array.from({ length: PAGES }, (_, i) => `${base}/p/${i}`);
for (let i = 0; i < PAGES; i++) cache.set(i, Buffer.from(page(i)));
const avgKb = [...cache.values()].reduce((a, b) => a + b.length, 0) / PAGES / 1024;

const work = mkdtempSync(join(tmpdir(), 'llmops-bench-crawl-'));
try {
  const config = join(work, 'links.yaml');
  writeFileSync(config, `author: Bench\nlinks:\n${urls.map((u) => `  - ${u}`).join('\n')}\n`);
  const urlFile = join(work, 'urls.json');
  writeFileSync(urlFile, JSON.stringify(urls));

  const ROUNDS = Number(values.rounds);
  console.log(`local site: ${PAGES} pages, ${fmt(avgKb)} KB each on average; concurrency ${CONCURRENCY}; ${ROUNDS} rounds, alternating who goes first, medians shown`);
  const runOurs = async (round) => {
    const r = await runChild([BIN, '--json', '--db', join(work, `bench-${round}.db`), 'crawl', '--allow-local', '--config', config, '--concurrency', String(CONCURRENCY), '--per-host', String(CONCURRENCY), '--retries', '0'], work);
    if (r.summary.succeeded !== PAGES) throw new Error(`llmops crawled ${r.summary.succeeded} of ${PAGES}`);
    return r;
  };
  const runTheirs = async (round) => {
    const r = await runChild([fileURLToPath(import.meta.url), '--crawlee-child', urlFile, '--concurrency', String(CONCURRENCY)], join(work, `crawlee-${round}`));
    if (r.summary.pages !== PAGES) throw new Error(`crawlee crawled ${r.summary.pages} of ${PAGES}`);
    return r;
  };
  const ours = [];
  const theirs = [];
  for (let round = 0; round < ROUNDS; round++) {
    if (round % 2 === 0) {
      ours.push(await runOurs(round));
      theirs.push(await runTheirs(round));
    } else {
      theirs.push(await runTheirs(round));
      ours.push(await runOurs(round));
    }
  }
  const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  const summarise = (rs) => ({ seconds: median(rs.map((r) => r.seconds)), cpuSeconds: median(rs.map((r) => r.cpuSeconds)), peakMb: median(rs.map((r) => r.peakMb)) });
  const o = summarise(ours);
  const t = summarise(theirs);
  // CPU seconds (user + system, all threads) say what the work costs when the machine is shared.
  const row = (name, r) => `  ${name.padEnd(34)} ${fmt(PAGES / r.seconds).padStart(8)} pages/s  ${fmt(r.seconds, 2).padStart(7)} s wall  ${fmt(r.cpuSeconds, 2).padStart(6)} s CPU  ${fmt(r.peakMb).padStart(7)} MB peak RSS`;
  console.log(row('llmops crawl (extract + store)', o));
  console.log(row('crawlee CheerioCrawler (<p> text)', t));
  console.log(`  llmops / crawlee: ${fmt(t.seconds / o.seconds, 2)}x the pages per second, ${fmt(o.cpuSeconds / t.cpuSeconds, 2)}x the CPU time`);
  console.log(`  every round (wall s, llmops | crawlee): ${ours.map((r, i) => `${fmt(r.seconds, 1)} | ${fmt(theirs[i].seconds, 1)}`).join(', ')}`);
} finally {
  server.close();
  rmSync(work, { recursive: true, force: true });
}

/** Runs a node script as a child, watching its peak RSS and CPU time. */
function runChild(args, cwd) {
  mkdirSync(cwd, { recursive: true });
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(process.execPath, args, { cwd, stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    let peak = 0;
    let cpuTicks = 0;
    child.stdout.on('data', (d) => (out += d));
    const timer = setInterval(() => {
      try {
        const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'));
        if (m) peak = Math.max(peak, Number(m[1]) / 1024);
        // utime and stime: fields 14 and 15 of /proc/<pid>/stat, after the command in parentheses.
        const stat = readFileSync(`/proc/${child.pid}/stat`, 'utf8');
        const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
        cpuTicks = Math.max(cpuTicks, Number(f[11]) + Number(f[12]));
      } catch {}
    }, 20);
    child.on('error', reject);
    child.on('close', (code) => {
      clearInterval(timer);
      if (code !== 0) return reject(new Error(`${args.join(' ').slice(0, 80)} exited ${code}`));
      resolve({ seconds: (performance.now() - started) / 1000, peakMb: peak, cpuSeconds: cpuTicks / 100, summary: JSON.parse(out.trim().split('\n').at(-1)) });
    });
  });
}

async function crawleeChild(urlFile, concurrency) {
  const { CheerioCrawler, Configuration } = await import('@crawlee/cheerio');
  const urls = JSON.parse(readFileSync(urlFile, 'utf8'));
  const pages = [];
  const crawler = new CheerioCrawler(
    {
      minConcurrency: concurrency,
      maxConcurrency: concurrency,
      maxRequestRetries: 0,
      async requestHandler({ $, request }) {
        pages.push({ url: request.url, title: $('title').text(), text: $('p').map((_, el) => $(el).text()).get().join('\n\n') });
      },
    },
    new Configuration({ persistStorage: false, logLevel: 0 }),
  );
  await crawler.run(urls);
  process.stdout.write(`${JSON.stringify({ pages: pages.length })}\n`);
}

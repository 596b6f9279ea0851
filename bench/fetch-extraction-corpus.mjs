// Builds the development corpus of bench/extraction.ts from two public test collections,
// read from local git mirrors (bare or not) of their repositories:
//
//   node bench/fetch-extraction-corpus.mjs [--readability <git dir>] [--trafilatura <git dir>] [--trafilatura-pages <n|all>]
//
// - mozilla/readability test/test-pages: real pages, each with source.html and the
//   expected.html Readability produces (Apache-2.0).
// - adbar/trafilatura tests/eval + tests/evaldata.json: real pages in many languages, each
//   with snippets the main text must hold ("with") and must not hold ("without") (Apache-2.0).
//
// Pages are stored gzipped under bench/data/extraction/, with the commit they came from in
// manifest.json; NOTICE.md names the sources. A sample of the trafilatura pages is committed
// (the whole set is ~130 MB); `--trafilatura-pages all` brings every page for a local run.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { gzipSync } from 'node:zlib';

const { values } = parseArgs({
  options: {
    readability: { type: 'string', default: '/work/.mirror/mozilla+readability/repo' },
    trafilatura: { type: 'string', default: '/work/.mirror/adbar+trafilatura/repo' },
    'trafilatura-pages': { type: 'string', default: "150" },
  },
});
const out = new URL('./data/extraction/', import.meta.url);
const git = (dir, ...args) => execFileSync('git', ['--git-dir', dir, ...args], { maxBuffer: 1 << 30 });
const commitOf = (dir) => git(dir, 'rev-parse', 'HEAD').toString().trim();
const show = (dir, path) => git(dir, 'show', `HEAD:${path}`);
const lsTree = (dir, path) => git(dir, 'ls-tree', '-z', '--name-only', 'HEAD', `${path}/`).toString().split('\0').filter(Boolean);
// Names that are safe in any shell and file system; the hash keeps two mangled names apart.
const safeName = (name) => {
  const base = name.replace(/\.html?$/i, '').replace(/[^A-Za-z0-9._-]+/g, '_').slice(0, 80);
  return base === name.replace(/\.html?$/i, '') ? base : `${base}-${createHash('sha1').update(name).digest('hex').slice(0, 6)}`;
};
const write = (rel, data) => {
  const file = new URL(rel, out);
  mkdirSync(new URL('.', file), { recursive: true });
  writeFileSync(file, data);
};

const manifest = { sources: [] };

// --- mozilla/readability -------------------------------------------------------------
{
  const dir = values.readability;
  rmSync(new URL('readability/', out), { recursive: true, force: true });
  const pages = lsTree(dir, 'test/test-pages').map((p) => p.split('/').pop());
  for (const page of pages) {
    const base = `test/test-pages/${page}`;
    write(`readability/${page}/source.html.gz`, gzipSync(show(dir, `${base}/source.html`), { level: 9 }));
    write(`readability/${page}/expected.html.gz`, gzipSync(show(dir, `${base}/expected.html`), { level: 9 }));
    write(`readability/${page}/expected-metadata.json`, show(dir, `${base}/expected-metadata.json`));
  }
  manifest.sources.push({ name: 'readability', repository: 'https://github.com/mozilla/readability', path: 'test/test-pages', commit: commitOf(dir), license: 'Apache-2.0', pages: pages.length });
  console.log(`readability: ${pages.length} pages`);
}

// --- adbar/trafilatura ---------------------------------------------------------------
{
  const dir = values.trafilatura;
  rmSync(new URL('trafilatura/', out), { recursive: true, force: true });
  const evaldata = JSON.parse(show(dir, 'tests/evaldata.json').toString());
  const present = new Set(lsTree(dir, 'tests/eval').map((p) => p.slice('tests/eval/'.length)));
  // A fixed, spread-out sample: ordered by a hash of the URL, not by site name.
  const entries = Object.entries(evaldata)
    .filter(([, v]) => present.has(v.file))
    .sort(([a], [b]) => createHash('sha1').update(a).digest('hex').localeCompare(createHash('sha1').update(b).digest('hex')));
  const limit = values['trafilatura-pages'] === 'all' ? entries.length : Number(values['trafilatura-pages']);
  // Pages that crashed or came out empty before parse-page.ts existed stay in every sample:
  // <html class="…header…"> (Readability deletes <html>), pages with no <p>, wrappers named
  // like boilerplate.
  const hard = new Set(['courgage-online.de.HIV.html', 'd76cf81a74fa4633bd19d7060f5c05ee.html', 'jagdoesterreich.at-Parkplätze.html', 'zfk.de.waermepumpen.html', '90min.de-Bundesliga-Tabelle.html', 'elperuanoa.pe-logran.html', 'exlibris-deg.de.balsamo.html', 'security.googleblog.com.protection.html']);
  const chosen = [...entries.filter(([, v]) => hard.has(v.file)), ...entries.filter(([, v]) => !hard.has(v.file)).slice(0, Math.max(0, limit - hard.size))];
  const index = {};
  for (const [url, v] of chosen) {
    const name = safeName(v.file);
    // Raw bytes: several pages are not UTF-8, and decoding them is part of what is measured.
    write(`trafilatura/pages/${name}.html.gz`, gzipSync(show(dir, `tests/eval/${v.file}`), { level: 9 }));
    index[name] = { url, file: v.file, with: v.with ?? [], without: v.without ?? [] };
  }
  write('trafilatura/evaldata.json', `${JSON.stringify(index, null, 1)}\n`);
  manifest.sources.push({ name: 'trafilatura', repository: 'https://github.com/adbar/trafilatura', path: 'tests/eval, tests/evaldata.json', commit: commitOf(dir), license: 'Apache-2.0', pages: chosen.length, of: entries.length });
  console.log(`trafilatura: ${chosen.length} of ${entries.length} pages`);
}

write('manifest.json', `${JSON.stringify(manifest, null, 2)}\n`);

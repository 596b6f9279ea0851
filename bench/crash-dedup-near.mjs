// The `dedup --near --apply` scenario of bench/crash.mjs: featurized documents with known
// near-duplicate groups, the deletions killed at random points, then a rerun. What a user would
// notice is checked afterwards:
//   - each group keeps exactly one document, the one an uninterrupted run on a copy keeps;
//   - no search hit (lexical, vector, hybrid) names a deleted document, and `inspect stats`
//     counts the kept documents and their chunks;
//   - nothing of a deleted document is left: chunk rows, vector points (embedded and cleaned),
//     lexical index entries (SQLite: FTS5 'integrity-check' against its content table),
//     featurize marks; nothing of a kept one is gone;
//   - a later `featurize` has nothing to do, and a later `dedup --near --apply` deletes nothing.
// With PostgreSQL as --db the vectors live in the fake Qdrant (a process of its own, so it
// outlives the killed commands), read back through its REST API.
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { readdirSync, writeFileSync } from 'node:fs';
import { rng } from './lib.mjs';

const CATEGORIES = ['articles', 'posts'];
const FEATURIZE = ['featurize', '--embedder', 'hashing', '--dimension', '64', '--workers', '1'];
// The clusters to a file: the summary is then a JSON line on stdout.
const dedup = (ctx) => ['dedup', '--near', '--apply', '--report', join(ctx.dir, 'clusters.jsonl')];

const VOCABULARY = (
  'river bank morning engine garden window letter market winter summer station ticket harbour island ' +
  'battery screen keyboard printer kitchen pepper garlic butter orange violin guitar piano theatre museum ' +
  'library teacher student doctor nurse farmer baker tailor pilot sailor painter writer signal bridge tunnel ' +
  'mountain valley forest desert meadow canyon glacier volcano thunder lightning rainbow blanket pillow ' +
  'lantern candle mirror ladder hammer needle basket bucket bottle carpet curtain compass anchor rocket ' +
  'planet comet galaxy meteor copper silver marble granite velvet cotton leather paper plastic quickly ' +
  'slowly gently loudly softly bright quiet heavy narrow ancient modern golden hollow frozen gentle'
).split(' ');

/** The corpus: `bases` groups of 1–4 members (a text and its near copies), in two categories. */
function corpus(bases) {
  const random = rng(20261204); // the same corpus whatever --seed picks for the kills
  const word = () => VOCABULARY[Math.floor(random() * VOCABULARY.length)];
  const sentence = () => {
    const words = Array.from({ length: 9 + Math.floor(random() * 5) }, word);
    return `${words[0][0].toUpperCase()}${words.join(' ').slice(1)}.`;
  };
  const records = [];
  const groupOf = new Map(); // external id → group
  for (let g = 0; g < bases; g++) {
    const base = Array.from({ length: 7 }, sentence).join(' ');
    const at = base.indexOf(' ', base.length >> 1);
    // Near copies: letter case and spacing (the same text once normalised), one word changed,
    // a sentence added. Every pair of them is at or above the default threshold (0.85).
    const texts = [base, base.toUpperCase().replace(/\. /g, '.\n\n'), `${base.slice(0, at)} ${word()}${base.slice(at)}`, `${base} Thanks for reading.`];
    const members = 1 + (g % 4);
    for (let m = 0; m < members; m++) {
      const id = `g${g}-m${m}`;
      // Some duplicates cross categories (dedup compares every stored document).
      const category = CATEGORIES[(g + (m === 3 && g % 8 === 3 ? 1 : 0)) % 2];
      records.push({ id, title: `Group ${g} copy ${m}`, category, text: texts[m] });
      groupOf.set(id, g);
    }
  }
  return { records, groupOf };
}

/** The command's summary: the last JSON line of stdout or stderr naming its command. */
function summaryOf(run) {
  for (const text of [run.stdout, run.stderr]) {
    for (const line of text.trim().split('\n').reverse()) {
      try {
        const o = JSON.parse(line);
        if (o && typeof o === 'object' && typeof o.command === 'string') return o;
      } catch {
        // not a JSON line
      }
    }
  }
  return undefined;
}

/** Qdrant's REST API (the fake one), the `result` of its answer. */
async function qdrant(url, path, body, method = 'POST') {
  const res = await fetch(`${url}${path}`, { method, headers: { 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) });
  if (!res.ok) throw new Error(`qdrant ${method} ${path}: ${res.status} ${await res.text()}`);
  return (await res.json()).result;
}

/** Every collection of one Qdrant, points and all, into another (empty) one. */
async function copyQdrant(from, to) {
  for (const { name } of (await qdrant(from, '/collections', undefined, 'GET')).collections) {
    const path = `/collections/${encodeURIComponent(name)}`;
    await qdrant(to, path, { vectors: (await qdrant(from, path, undefined, 'GET')).config.params.vectors }, 'PUT');
    let offset = null;
    do {
      const page = await qdrant(from, `${path}/points/scroll`, { limit: 1000, offset, with_payload: true, with_vector: true });
      await qdrant(to, `${path}/points?wait=true`, { points: page.points.map((p) => ({ id: p.id, vector: p.vector, payload: p.payload })) }, 'PUT');
      offset = page.next_page_offset;
    } while (offset !== null && offset !== undefined);
  }
}

/** Every point of a collection: its id and payload. */
async function vectorPoints(ctx, probe, collection) {
  if (ctx.engine === 'sqlite') {
    const rows = (await probe.all(`select id, payload from vector_points where collection = '${collection}'`)) ?? [];
    return rows.map((r) => ({ id: r.id, payload: JSON.parse(r.payload) }));
  }
  const out = [];
  let offset = null;
  do {
    const page = await qdrant(ctx.qdrant.url, `/collections/${collection}/points/scroll`, { limit: 1000, offset, with_payload: true });
    out.push(...page.points.map((p) => ({ id: String(p.id), payload: p.payload })));
    offset = page.next_page_offset;
  } while (offset !== null && offset !== undefined);
  return out;
}

async function pointCount(ctx, probe, collection) {
  if (ctx.engine === 'sqlite') return probe.count(`select count(*) from vector_points where collection = '${collection}'`);
  return (await qdrant(ctx.qdrant.url, `/collections/${collection}/points/count`, { exact: true })).count;
}

/**
 * What dedup removes from, each in its own commits: documents, the points of each collection,
 * chunk rows, featurize marks. Each one's count now.
 */
async function counts(ctx, probe) {
  // One statement, and the Qdrant counts at once: a poll must be quick to see a short step.
  const [row] = await probe.all('select (select count(*) from documents) as documents, (select count(*) from featurize_chunks) as chunks, (select count(*) from featurized_documents) as marks');
  const out = { documents: Number(row.documents), chunks: Number(row.chunks), marks: Number(row.marks) };
  const names = CATEGORIES.flatMap((c) => [`embedded_${c}`, `cleaned_${c}`]);
  const points = await Promise.all(names.map((name) => pointCount(ctx, probe, name)));
  names.forEach((name, i) => (out[name] = points[i]));
  return out;
}

/**
 * Kill points are steps: a commit that removes a page's worth from one store (dedup deletes
 * 500 documents a page, then what featurize made of them), counted from the run's start
 * (`ctx.start`) to what the uninterrupted run leaves (`ctx.final`).
 */
function steps(ctx, now) {
  const pages = Math.max(1, Math.ceil((ctx.start.documents - ctx.final.documents) / 500));
  let total = 0;
  let done = 0;
  for (const [k, final] of Object.entries(ctx.final)) {
    if (ctx.start[k] === final) continue;
    total += pages;
    done += Math.min(pages, Math.floor((pages * (ctx.start[k] - now[k])) / (ctx.start[k] - final)));
  }
  return { total, done };
}

/**
 * `h`: the harness's helpers: size, BIN, openProbe(engine, url), count(probe, sql),
 * runToEnd(ctx, args, env, workers, captureStdout), startFake(args), copyDatabase(ctx) → { url, drop }.
 */
export function dedupNearApply(h) {
  const env = (ctx) => (ctx.qdrant ? { QDRANT_URL: ctx.qdrant.url } : {});
  const probeOf = async (ctx, url = ctx.url) => {
    const p = await h.openProbe(ctx.engine, url);
    return p && { ...p, count: (sql) => h.count(p, sql) };
  };
  const mustRun = async (ctx, args, runEnv = env(ctx)) => {
    const r = await h.runToEnd(ctx, args, runEnv, 1, true);
    if (r.code !== 0) throw new Error(`${args.join(' ')} exited ${r.code}: ${r.stderr.trim().split('\n').at(-1)}`);
    return r;
  };
  return {
    name: 'dedup --near --apply',
    // The commits of the deletions come milliseconds apart: polls back to back, kills soon after one.
    pollMs: 0,
    jitterMs: 3,
    setup: async (ctx) => {
      // At least 60 groups (~150 documents): with fewer, the steps of the deletions follow each
      // other within a millisecond and hardly a kill lands between them.
      const { records, groupOf } = corpus(Math.max(60, h.size.docs));
      ctx.groupOf = groupOf;
      ctx.records = records.length;
      ctx.input = join(ctx.dir, 'docs.jsonl');
      writeFileSync(ctx.input, `${records.map((r) => JSON.stringify(r)).join('\n')}\n`);
      // With PostgreSQL, vectors live in Qdrant: the fake one, and another for the run on a copy.
      if (ctx.engine === 'postgres') [ctx.qdrant, ctx.refQdrant] = await Promise.all([h.startFake(['qdrant']), h.startFake(['qdrant'])]);
      await mustRun(ctx, ['ingest', ctx.input]);
      await mustRun(ctx, FEATURIZE);
      const probe = await probeOf(ctx);
      try {
        ctx.before = await counts(ctx, probe);
        ctx.textOf = new Map(((await probe.all('select id, content from documents')) ?? []).map((r) => [r.id, r.content]));
        ctx.categoryOf = new Map(((await probe.all('select id, category from documents')) ?? []).map((r) => [r.id, r.category]));
        ctx.chunksOf = new Map(((await probe.all('select document_id, count(*) as n from featurize_chunks group by document_id')) ?? []).map((r) => [r.document_id, Number(r.n)]));
      } finally {
        await probe.close();
      }
      // The run without kills, on a copy (with PostgreSQL, and a copy of the Qdrant beside it).
      const copy = await h.copyDatabase(ctx);
      try {
        if (ctx.refQdrant) await copyQdrant(ctx.qdrant.url, ctx.refQdrant.url);
        const refCtx = { ...ctx, url: copy.url, qdrant: ctx.refQdrant };
        await mustRun(refCtx, dedup(refCtx), env(refCtx));
        const ref = await probeOf(refCtx);
        try {
          ctx.referenceKept = ((await ref.all('select id from documents order by id')) ?? []).map((r) => r.id);
        } finally {
          await ref.close();
        }
      } finally {
        await ctx.refQdrant?.stop();
        await copy.drop();
      }
      ctx.dropped = [...ctx.textOf.keys()].filter((id) => !ctx.referenceKept.includes(id));
      if (ctx.dropped.length === 0) throw new Error('the uninterrupted run deleted nothing: no duplicates to test with');
      // What stays: each kept document, its mark and cleaned point, its chunk rows and their points.
      const chunksIn = (c) => ctx.referenceKept.filter((id) => !c || ctx.categoryOf.get(id) === c).reduce((n, id) => n + (ctx.chunksOf.get(id) ?? 0), 0);
      ctx.final = { documents: ctx.referenceKept.length, chunks: chunksIn(), marks: ctx.referenceKept.length };
      for (const c of CATEGORIES) {
        ctx.final[`embedded_${c}`] = chunksIn(c);
        ctx.final[`cleaned_${c}`] = ctx.referenceKept.filter((id) => ctx.categoryOf.get(id) === c).length;
      }
      ctx.start = ctx.before;
    },
    // A run after a kill starts where that one stopped. The windows between commits are a few ms.
    total: (ctx) => steps(ctx, ctx.start).total,
    command: dedup,
    env,
    progress: async (probe, ctx) => steps(ctx, await counts(ctx, { ...probe, count: (sql) => h.count(probe, sql) })).done,
    afterRun: async (ctx, { killed }) => {
      const probe = await probeOf(ctx);
      try {
        const now = await counts(ctx, probe);
        // Where each kill landed (the notes say): the steps it had done, of those it had to do.
        if (killed) (ctx.killedAt ??= []).push(`${steps(ctx, now).done}/${steps(ctx, ctx.start).total}`);
        ctx.start = now;
      } finally {
        await probe.close();
      }
    },
    teardown: async (ctx) => {
      for (const fake of [ctx.qdrant, ctx.refQdrant]) await fake?.stop().catch(() => {});
    },
    check: async (rawProbe, ctx, v) => {
      const probe = { ...rawProbe, count: (sql) => h.count(rawProbe, sql) };
      const docs = (await probe.all('select id, external_id, category from documents order by id')) ?? [];
      const kept = new Set(docs.map((d) => d.id));

      // The same documents as the uninterrupted run, one per group.
      const ids = docs.map((d) => d.id);
      if (ids.join() !== ctx.referenceKept.join()) {
        const lost = ctx.referenceKept.filter((id) => !kept.has(id)).length;
        const extra = ids.filter((id) => !ctx.referenceKept.includes(id)).length;
        v.push(`kept documents differ from the uninterrupted run's: ${lost} of its kept gone, ${extra} it deleted still here`);
      }
      const perGroup = new Map();
      for (const d of docs) perGroup.set(ctx.groupOf.get(d.external_id), (perGroup.get(ctx.groupOf.get(d.external_id)) ?? 0) + 1);
      const groups = new Set(ctx.groupOf.values()).size;
      const wrong = [...new Set(ctx.groupOf.values())].filter((g) => perGroup.get(g) !== 1).length;
      if (wrong) v.push(`${wrong} of ${groups} near-duplicate group(s) without exactly one document`);

      // Nothing of a deleted document left in the relational tables; nothing of a kept one gone.
      const orphanChunks = await probe.count('select count(*) from featurize_chunks c where not exists (select 1 from documents d where d.id = c.document_id)');
      const orphanMarks = await probe.count('select count(*) from featurized_documents f where not exists (select 1 from documents d where d.id = f.document_id)');
      const unmarked = await probe.count('select count(*) from documents d where not exists (select 1 from featurized_documents f where f.document_id = d.id)');
      const short = await probe.count('select count(*) from featurized_documents f where f.chunk_count <> (select count(*) from featurize_chunks c where c.document_id = f.document_id)');
      if (orphanChunks) v.push(`${orphanChunks} chunk row(s) of deleted documents`);
      if (orphanMarks) v.push(`${orphanMarks} featurize mark(s) of deleted documents`);
      if (unmarked) v.push(`${unmarked} kept document(s) no longer marked featurized`);
      if (short) v.push(`${short} kept document(s) whose chunk rows are not all there`);

      // Vector points: every embedded point is a chunk row of a kept document, every cleaned
      // point a kept document, and each of those has its point.
      const chunkRows = (await probe.all('select id, collection, document_id from featurize_chunks')) ?? [];
      for (const c of CATEGORIES) {
        const embedded = await vectorPoints(ctx, probe, `embedded_${c}`);
        const cleaned = await vectorPoints(ctx, probe, `cleaned_${c}`);
        const chunks = new Set(chunkRows.filter((r) => r.collection === `embedded_${c}`).map((r) => r.id));
        const inCategory = docs.filter((d) => d.category === c).map((d) => d.id);
        const stray = embedded.filter((p) => !chunks.has(p.id) || !kept.has(p.payload.document_id)).length;
        const strayCleaned = cleaned.filter((p) => !kept.has(p.id)).length;
        if (stray) v.push(`embedded_${c}: ${stray} point(s) of deleted documents or chunks`);
        if (strayCleaned) v.push(`cleaned_${c}: ${strayCleaned} point(s) of deleted documents`);
        if (embedded.length - stray !== chunks.size) v.push(`embedded_${c}: ${chunks.size - (embedded.length - stray)} chunk row(s) without their point`);
        if (cleaned.length - strayCleaned !== inCategory.length) v.push(`cleaned_${c}: ${inCategory.length - (cleaned.length - strayCleaned)} kept document(s) without their point`);
      }

      // The lexical index: SQLite's FTS5 against its content table (PostgreSQL's is an
      // expression index on the chunk rows themselves).
      if (ctx.engine === 'sqlite') {
        try {
          await probe.run("insert into featurize_chunks_fts(featurize_chunks_fts, rank) values ('integrity-check', 1)");
        } catch (err) {
          v.push(`FTS5 integrity-check: ${err.message}`);
        }
        const indexed = await probe.count('select count(*) from featurize_chunks_fts_docsize');
        if (indexed !== chunkRows.length) v.push(`the lexical index holds ${indexed} rows for ${chunkRows.length} chunk rows`);
      }

      // What a user sees: searches and stats.
      await checkSearches(ctx, kept, v);
      for (const c of CATEGORIES) {
        const r = await h.runToEnd(ctx, ['inspect', 'stats', `embedded_${c}`, '--json'], env(ctx), 1, true);
        const s = summaryOf(r);
        const inCategory = docs.filter((d) => d.category === c);
        const chunks = inCategory.reduce((n, d) => n + (ctx.chunksOf.get(d.id) ?? 0), 0);
        if (r.code !== 0 || !s) v.push(`inspect stats embedded_${c} exited ${r.code}: ${r.stderr.trim().split('\n').at(-1)}`);
        else if (s.documents !== inCategory.length || s.points !== chunks) v.push(`inspect stats embedded_${c}: ${s.documents} documents and ${s.points} points for ${inCategory.length} kept documents of ${chunks} chunks`);
      }

      // Nothing left to do for the next runs.
      const featurized = summaryOf(await h.runToEnd(ctx, FEATURIZE, env(ctx), 1, true));
      if (featurized?.documents !== 0) v.push(`a later featurize featurized ${featurized?.documents ?? '(no summary)'} document(s)`);
      const again = summaryOf(await h.runToEnd(ctx, dedup(ctx), env(ctx), 1, true));
      if (again?.deleted !== 0 || again?.chunks_removed !== 0) v.push(`a later dedup --near --apply deleted ${again?.deleted ?? '(no summary)'} document(s) and ${again?.chunks_removed} chunk(s)`);
      const temps = readdirSync(ctx.dir).filter((f) => f.includes('.tmp-'));
      if (temps.length) v.push(`temporary file(s) left: ${temps.join(', ')}`);
      ctx.notes.push(`${ctx.records} documents, ${ctx.dropped.length} duplicates deleted; killed after ${(ctx.killedAt ?? []).join(', ') || 'none'} of the steps`);
      return ctx.records;
    },
  };

  /** Every hit of queries made of deleted documents' words, in each mode: none may name a deleted document. */
  async function checkSearches(ctx, kept, v) {
    const { search } = await import(pathToFileURL(join(h.BIN, '../../dist/index.js')).href);
    const queries = ctx.dropped.slice(0, 2).map((id) => ctx.textOf.get(id).split(/\s+/).slice(0, 12).join(' '));
    const saved = process.env.QDRANT_URL;
    if (ctx.qdrant) process.env.QDRANT_URL = ctx.qdrant.url;
    try {
      for (const c of CATEGORIES) {
        for (const mode of ['lexical', 'vector', 'hybrid']) {
          let hits = 0;
          let gone = 0;
          for (const query of queries) {
            const found = await search({ db: ctx.url, collection: `embedded_${c}`, query, mode, k: 200 });
            hits += found.length;
            gone += found.filter((x) => !kept.has(x.document_id) || x.title === null).length;
          }
          if (gone) v.push(`search ${mode} in embedded_${c}: ${gone} of ${hits} hits name deleted documents`);
          if (hits === 0) v.push(`search ${mode} in embedded_${c}: no hits at all (nothing checked)`);
        }
      }
    } finally {
      if (saved === undefined) delete process.env.QDRANT_URL;
      else process.env.QDRANT_URL = saved;
    }
  }
}

// bench/dedup: near-duplicate detection (MinHash + LSH, exact Jaccard check) over generated
// texts with planted near copies, next to the exact all-pairs comparison on a sample — the
// baseline, and the ground truth for recall — measured in the same run.
//
//   node --import tsx bench/dedup.mjs [--texts 100000] [--sample 3000] [--threshold 0.85] [--templated 3000]
//
// Then a stream of texts alike but below the threshold (one template, a few words changed in
// each), through the streaming filter with its bucket cap, next to the same without the cap
// (every kept text in a bucket compared): time, exact comparisons, duplicates dropped.
//
// Target: recall ≥ 0.95 at threshold 0.85. Imports the module from src/ (through tsx): the
// CLI bundle does not export it.
import { parseArgs } from 'node:util';
import { rng } from './lib.mjs';

const { values } = parseArgs({ options: { texts: { type: 'string', default: '100000' }, sample: { type: 'string', default: '3000' }, threshold: { type: 'string', default: '0.85' }, templated: { type: 'string', default: '3000' } } });
const N = Number(values.texts);
const S = Number(values.sample);
const T = Number(values.threshold);
const { MinHashLsh, NearDuplicateFilter, shingles, jaccard } = await import('../src/dedup/minhash-lsh.ts');

// A vocabulary of 3,000 made-up words (syllable strings), so unrelated texts overlap about as
// little as real ones do.
const SYL = 'ba be bi bo bu ca ce ci co cu da de di do du fa fe fi fo fu ga ge gi go gu la le li lo lu ma me mi mo mu na ne ni no nu pa pe pi po pu ra re ri ro ru sa se si so su ta te ti to tu va ve vi vo vu za ze zi zo zu'.split(' ');
const wr = rng(3);
const WORDS = Array.from({ length: 3000 }, () => Array.from({ length: 1 + Math.floor(wr() * 3) }, () => SYL[Math.floor(wr() * SYL.length)]).join(''));

const rand = rng(11);
const pick = () => WORDS[Math.floor(rand() * WORDS.length)];
function makeText() {
  return Array.from({ length: 25 + Math.floor(rand() * 30) }, pick).join(' ');
}
function nearCopy(t) {
  const w = t.split(' ');
  const edits = Math.floor(rand() * 3); // 0-2 word swaps: mostly above 0.85, some just under
  for (let i = 0; i < edits; i++) w[Math.floor(rand() * w.length)] = pick();
  return rand() < 0.3 ? w.join(' ').toUpperCase() : w.join(' ');
}
const texts = [];
while (texts.length < N) {
  const t = makeText();
  texts.push(t);
  if (rand() < 0.2 && texts.length < N) texts.push(nearCopy(t));
}

// Our index over everything.
let t0 = performance.now();
const index = new MinHashLsh({ threshold: T });
const prepared = texts.map((t) => index.prepare(t));
prepared.forEach((p, i) => index.add(i, p));
const buildS = (performance.now() - t0) / 1000;
t0 = performance.now();
let pairsFound = 0;
for (let i = 0; i < N; i++) pairsFound += index.candidates(prepared[i]).filter((c) => c.id > i).length;
const queryS = (performance.now() - t0) / 1000;

// Exact all pairs on a sample (the first S texts, so planted pairs are inside it).
t0 = performance.now();
const sets = texts.slice(0, S).map((t) => shingles(t));
const truth = [];
for (let i = 0; i < S; i++) for (let j = i + 1; j < S; j++) if (jaccard(sets[i], sets[j]) >= T) truth.push([i, j]);
const exactS = (performance.now() - t0) / 1000;
const pairsSample = (S * (S - 1)) / 2;
const projectedExactS = exactS * ((N * (N - 1)) / 2 / pairsSample);
let hit = 0;
for (const [i, j] of truth) if (index.candidates(prepared[i]).some((c) => c.id === j)) hit++;
const recall = truth.length ? hit / truth.length : 1;

console.log(`dedup bench: ${N.toLocaleString('en-US')} texts, threshold ${T}, ${index.n} hashes in ${index.bands} bands × ${index.rows} rows`);
console.log(`  baseline: exact all-pairs Jaccard on ${S.toLocaleString('en-US')} texts   ${exactS.toFixed(2)} s   (${Math.round(pairsSample / exactS).toLocaleString('en-US')} pairs/s; all ${N.toLocaleString('en-US')} would take ~${(projectedExactS / 3600).toFixed(1)} h)`);
console.log(`  MinHash+LSH: index ${N.toLocaleString('en-US')} texts ${buildS.toFixed(2)} s, query all ${queryS.toFixed(2)} s   (${Math.round(N / (buildS + queryS)).toLocaleString('en-US')} texts/s; ${pairsFound.toLocaleString('en-US')} pairs ≥ ${T})`);
console.log(`  recall on the sample: ${hit}/${truth.length} = ${recall.toFixed(4)}   target ≥ 0.95 → ${recall >= 0.95 ? 'met' : 'NOT met'}`);

// Templated texts: 60 words of one template, 4 of them replaced at random in each text.
const tr = rng(5);
const template = Array.from({ length: 60 }, () => WORDS[Math.floor(tr() * WORDS.length)]);
const templated = Array.from({ length: Number(values.templated) }, () => {
  const w = [...template];
  for (let k = 0; k < 4; k++) w[Math.floor(tr() * w.length)] = WORDS[Math.floor(tr() * WORDS.length)];
  return w.join(' ');
});
function streamTemplated(bucketScan) {
  const f = new NearDuplicateFilter({ threshold: T, bucketScan });
  const start = performance.now();
  let dropped = 0;
  templated.forEach((t, i) => {
    if (f.offer(i, t)) dropped++;
  });
  return { s: (performance.now() - start) / 1000, compared: f.index.compared, dropped, crowded: f.crowded, scan: f.index.bucketScan };
}
const uncapped = streamTemplated(Infinity);
const capped = streamTemplated();
console.log(`templated stream: ${templated.length.toLocaleString('en-US')} texts alike below the threshold (one template, 4 of 60 words changed in each)`);
console.log(`  baseline: every kept text of a bucket compared   ${uncapped.s.toFixed(2)} s   ${uncapped.compared.toLocaleString('en-US')} comparisons, ${uncapped.dropped} dropped`);
console.log(`  latest ${capped.scan} of a bucket compared            ${capped.s.toFixed(2)} s   ${capped.compared.toLocaleString('en-US')} comparisons, ${capped.dropped} dropped (${((100 * capped.dropped) / Math.max(1, uncapped.dropped)).toFixed(0)}% of the baseline's), ${capped.crowded} lookups crowded`);

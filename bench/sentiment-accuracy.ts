// Accuracy and speed of the offline sentiment classifier.
//
//   npx tsx bench/sentiment-accuracy.ts            # report
//   npx tsx bench/sentiment-accuracy.ts --sweep    # also: accuracy by neutral threshold
//   npx tsx bench/sentiment-accuracy.ts --errors 20  # also: print some misclassified lines
//
// Data sets:
//   - sentiment-dev: ../shared/data/sentiment-dev/sentences.jsonl (Financial PhraseBank,
//     2,582 sentences, non-commercial licence: read in place, never copied into the repo).
//   - everyday: test/fixtures/everyday-sentiment.jsonl (our own reviews/news/support lines).
//   - reviews: bench/data/sentiment-everyday/reviews.jsonl (900 Amazon product and movie
//     review snippets, human-rated, MIT; see its NOTICE.md), reported as its dev half (tuned
//     on) and its held-out half (never tuned on) separately.
// For each: accuracy, per-class precision/recall/F1, macro-F1, confusion matrix, the same
// figures for baselines computed in the same run (majority class; plain word counting with
// our lexicon and no rules; VADER from npm `vader-sentiment` with its standard ±0.05
// compound thresholds) and, for the finance set, published reference figures.

import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { classifySentiment, OFFLINE_SENTIMENT_MODEL, type SentimentLabel } from '../src/llm/local/offline-sentiment.js';
import { NEUTRAL_THRESHOLD } from '../src/llm/local/sentiment-tuning.js';
import { NEGATIVE_WORDS, POSITIVE_WORDS, words } from '../src/llm/local/sentiment-lexicon.js';
import vader from 'vader-sentiment';

type Example = { text: string; label: SentimentLabel; split?: string; source?: string };
type Predictor = (text: string) => SentimentLabel;

const LABELS: SentimentLabel[] = ['positive', 'neutral', 'negative'];
const repoRoot = join(dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const showErrors = args.includes('--errors') ? Number(args[args.indexOf('--errors') + 1] ?? 20) : 0;

function readJsonl(path: string): Example[] {
  return readFileSync(path, 'utf8')
    .split('\n')
    .filter((line) => line.trim())
    .map((line) => JSON.parse(line) as Example);
}

// ---------------------------------------------------------------------------------------
// Metrics.
// ---------------------------------------------------------------------------------------

type Report = {
  accuracy: number;
  macroF1: number;
  perClass: Record<SentimentLabel, { precision: number; recall: number; f1: number; n: number }>;
  confusion: Record<SentimentLabel, Record<SentimentLabel, number>>; // [gold][predicted]
};

function evaluate(examples: Example[], predicted: SentimentLabel[]): Report {
  const confusion = Object.fromEntries(
    LABELS.map((g) => [g, Object.fromEntries(LABELS.map((p) => [p, 0]))]),
  ) as Report['confusion'];
  examples.forEach((e, i) => { confusion[e.label][predicted[i]]++; });
  let correct = 0;
  const perClass = {} as Report['perClass'];
  for (const c of LABELS) {
    const tp = confusion[c][c];
    correct += tp;
    const predictedC = LABELS.reduce((s, g) => s + confusion[g][c], 0);
    const goldC = LABELS.reduce((s, p) => s + confusion[c][p], 0);
    const precision = predictedC ? tp / predictedC : 0;
    const recall = goldC ? tp / goldC : 0;
    const f1 = precision + recall ? (2 * precision * recall) / (precision + recall) : 0;
    perClass[c] = { precision, recall, f1, n: goldC };
  }
  const macroF1 = LABELS.reduce((s, c) => s + perClass[c].f1, 0) / LABELS.length;
  return { accuracy: correct / examples.length, macroF1, perClass, confusion };
}

const pct = (x: number) => `${(100 * x).toFixed(1)}%`.padStart(6);

function printReport(name: string, r: Report): void {
  console.log(`  ${name}: accuracy ${pct(r.accuracy)}   macro-F1 ${pct(r.macroF1)}`);
  console.log('    class       prec  recall      F1     n');
  for (const c of LABELS) {
    const p = r.perClass[c];
    console.log(`    ${c.padEnd(9)} ${pct(p.precision)}  ${pct(p.recall)}  ${pct(p.f1)}  ${String(p.n).padStart(4)}`);
  }
  console.log('    confusion (rows gold, columns predicted)');
  console.log(`    ${''.padEnd(9)} ${LABELS.map((l) => l.slice(0, 3).padStart(6)).join('')}`);
  for (const g of LABELS) {
    console.log(`    ${g.padEnd(9)} ${LABELS.map((p) => String(r.confusion[g][p]).padStart(6)).join('')}`);
  }
}

// ---------------------------------------------------------------------------------------
// Baselines, computed in the same run.
// ---------------------------------------------------------------------------------------

function majorityBaseline(examples: Example[]): Predictor {
  const counts = new Map<SentimentLabel, number>();
  for (const e of examples) counts.set(e.label, (counts.get(e.label) ?? 0) + 1);
  const majority = [...counts].sort((a, b) => b[1] - a[1])[0][0];
  return () => majority;
}

/** Count our lexicon's positive and negative words; no negation, modifiers or rules. */
function wordCountBaseline(): Predictor {
  const pos = new Set(POSITIVE_WORDS.flatMap(([, list]) => words(list)));
  const neg = new Set(NEGATIVE_WORDS.flatMap(([, list]) => words(list)));
  return (text) => {
    let score = 0;
    for (const w of text.toLowerCase().match(/[a-z]+(?:[-'][a-z]+)*/g) ?? []) {
      if (pos.has(w)) score++;
      else if (neg.has(w)) score--;
    }
    return score > 0 ? 'positive' : score < 0 ? 'negative' : 'neutral';
  };
}

/** VADER as its authors recommend using it: compound ≥ 0.05 positive, ≤ −0.05 negative. */
function vaderBaseline(): Predictor {
  return (text) => {
    const c = vader.SentimentIntensityAnalyzer.polarity_scores(text).compound;
    return c >= 0.05 ? 'positive' : c <= -0.05 ? 'negative' : 'neutral';
  };
}

// ---------------------------------------------------------------------------------------
// Runs.
// ---------------------------------------------------------------------------------------

function labelAt(score: number, threshold: number): SentimentLabel {
  return score >= threshold ? 'positive' : score <= -threshold ? 'negative' : 'neutral';
}

/** Accuracy by confidence band: confidence should mean something. */
function printCalibration(examples: Example[], results: ReturnType<typeof classifySentiment>[]): void {
  const bands = [0, 0.5, 0.6, 0.7, 0.8, 1.01];
  const cells: string[] = [];
  for (let b = 0; b + 1 < bands.length; b++) {
    let n = 0, ok = 0;
    results.forEach((r, i) => {
      if (r.confidence >= bands[b] && r.confidence < bands[b + 1]) {
        n++;
        if (r.label === examples[i].label) ok++;
      }
    });
    const hi = Math.min(1, bands[b + 1]).toFixed(1);
    cells.push(`[${bands[b].toFixed(1)},${hi}) ${n ? pct(ok / n) : '    -'} of ${n}`);
  }
  console.log(`  accuracy by confidence: ${cells.join(' | ')}`);
}

/** One line per run of a set, collected for the summary table at the end. */
const summary: { set: string; ours: number; vader: number; n: number }[] = [];

function runSet(name: string, examples: Example[], reference: string[]): void {
  const counts = LABELS.map((l) => `${l} ${examples.filter((e) => e.label === l).length}`).join(', ');
  console.log(`\n=== ${name}: ${examples.length} sentences (${counts})`);

  const results = examples.map((e) => classifySentiment(e.text));
  const ours = evaluate(examples, results.map((r) => r.label));
  printReport(`${OFFLINE_SENTIMENT_MODEL} (neutral below min(${NEUTRAL_THRESHOLD}, 0.22 + 0.006·words))`, ours);
  printCalibration(examples, results);

  const baselines: [string, Predictor][] = [
    ['baseline: majority class', majorityBaseline(examples)],
    ['baseline: plain word count, same lexicon, no rules', wordCountBaseline()],
    ['baseline: VADER (vader-sentiment 1.1.3, ±0.05)', vaderBaseline()],
  ];
  let vaderAccuracy = 0;
  for (const [label, predict] of baselines) {
    const r = evaluate(examples, examples.map((e) => predict(e.text)));
    console.log(`  ${label.padEnd(52)} accuracy ${pct(r.accuracy)}   macro-F1 ${pct(r.macroF1)}`);
    if (label.includes('VADER')) vaderAccuracy = r.accuracy;
  }
  summary.push({ set: name.replace(/ \(.*$/, ''), ours: ours.accuracy, vader: vaderAccuracy, n: examples.length });
  for (const line of reference) console.log(`  ${line}`);

  if (args.includes('--sweep')) {
    const sweep = [0.1, 0.15, 0.2, 0.25, 0.3, 0.35, 0.4, 0.45, 0.5].map((t) => {
      const r = evaluate(examples, results.map((x) => labelAt(x.score, t)));
      return `${t.toFixed(2)}:${pct(r.accuracy)}/${pct(r.macroF1)}`;
    });
    console.log(`  fixed-threshold sweep (accuracy/macro-F1): ${sweep.join('  ')}`);
  }
  if (showErrors) {
    console.log(`  some errors (gold -> predicted, score):`);
    let shown = 0;
    examples.forEach((e, i) => {
      if (shown < showErrors && results[i].label !== e.label) {
        shown++;
        console.log(`    ${e.label.slice(0, 3)} -> ${results[i].label.slice(0, 3)} ${results[i].score.toFixed(2).padStart(5)}  ${e.text.slice(0, 150)}`);
      }
    });
  }
}

function throughput(texts: string[]): number {
  for (const t of texts.slice(0, 500)) classifySentiment(t); // warm up the JIT
  let n = 0;
  const start = performance.now();
  while (performance.now() - start < 1500) {
    for (const t of texts) classifySentiment(t);
    n += texts.length;
  }
  return n / ((performance.now() - start) / 1000);
}

// The shared data sit beside the main checkout (../shared); a worktree under wt/ is one
// level deeper. SENTIMENT_DEV overrides both.
const devPath = process.env.SENTIMENT_DEV ?? [
  join(repoRoot, '..', 'shared', 'data', 'sentiment-dev', 'sentences.jsonl'),
  join(repoRoot, '..', '..', 'shared', 'data', 'sentiment-dev', 'sentences.jsonl'),
].find((p) => existsSync(p)) ?? join(repoRoot, '..', 'shared', 'data', 'sentiment-dev', 'sentences.jsonl');
const everydayPath = join(repoRoot, 'test', 'fixtures', 'everyday-sentiment.jsonl');
const allTexts: string[] = [];

console.log(`offline sentiment bench — model ${OFFLINE_SENTIMENT_MODEL}`);
if (existsSync(devPath)) {
  const dev = readJsonl(devPath);
  allTexts.push(...dev.map((e) => e.text));
  runSet('sentiment-dev (Financial PhraseBank, 50-99% agreement)', dev, [
    'reference (published, Financial PhraseBank):  VADER ~59%   VADER + finance lexicons ~69%   FinBERT (fine-tuned) ~86%',
  ]);
} else {
  console.log(`\n=== sentiment-dev: not found at ${devPath} — skipped`);
}
const everyday = readJsonl(everydayPath);
allTexts.push(...everyday.map((e) => e.text));
runSet('everyday (test/fixtures/everyday-sentiment.jsonl)', everyday, []);

const reviewsPath = join(repoRoot, 'bench', 'data', 'sentiment-everyday', 'reviews.jsonl');
const reviews = readJsonl(reviewsPath);
allTexts.push(...reviews.map((e) => e.text));
for (const split of ['dev', 'heldout']) {
  const half = reviews.filter((e) => e.split === split);
  runSet(`reviews ${split} (Amazon + movie snippets, VADER ground truth)`, half, []);
  for (const source of ['amazon', 'movie']) {
    runSet(`reviews ${split} ${source}`, half.filter((e) => e.source === source), []);
  }
}

console.log('\n=== summary: accuracy, ours vs VADER in this run');
console.log(`  ${'set'.padEnd(30)} ${'n'.padStart(5)}  ${OFFLINE_SENTIMENT_MODEL.padStart(17)}   VADER`);
for (const r of summary) {
  console.log(`  ${r.set.padEnd(30)} ${String(r.n).padStart(5)}  ${pct(r.ours).padStart(17)}  ${pct(r.vader)}`);
}

console.log(`\nthroughput: ${Math.round(throughput(allTexts)).toLocaleString('en-US')} sentences/s (single thread, ${allTexts.length} sentences cycled)`);

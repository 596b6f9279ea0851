// Rebuilds reviews.jsonl from VADER's published ground truth (MIT licence, see NOTICE.md).
//
//   git --git-dir=<mirror of cjhutto/vaderSentiment> show HEAD:additional_resources/hutto_ICWSM_2014.tar.gz \
//     | tar xz -C /tmp
//   node --import tsx bench/data/sentiment-everyday/build-sample.ts /tmp/hutto_ICWSM_2014
//
// Each snippet carries the mean of about 20 human ratings on VADER's −4..+4 scale. Labels:
// positive mean ≥ +1.0, negative ≤ −1.0, neutral |mean| ≤ 0.4; snippets in between are left
// out as ambiguous. Per source and label, PER_CLASS snippets are drawn with a fixed seed and
// dealt alternately to the dev half (tune on it) and the held-out half (report only).

import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { rng } from '../../rng.js';

const PER_CLASS = 150;
const SEED = 20261201;
const SOURCES = [
  ['amazon', 'amazonReviewSnippets_GroundTruth.txt'],
  ['movie', 'movieReviewSnippets_GroundTruth.txt'],
] as const;

const dir = process.argv[2];
if (!dir) throw new Error('usage: build-sample.ts <hutto_ICWSM_2014 folder>');
const random = rng(SEED);
const out: string[] = [];
for (const [source, file] of SOURCES) {
  const rows = readFileSync(join(dir, file), 'utf8').split(/\r?\n/).filter(Boolean).map((line) => {
    const [id, mean, ...text] = line.split('\t');
    return { id: `${source}:${id}`, mean: Number(mean), text: text.join('\t').trim() };
  });
  for (const label of ['positive', 'neutral', 'negative'] as const) {
    const pool = rows.filter((r) =>
      label === 'positive' ? r.mean >= 1 : label === 'negative' ? r.mean <= -1 : Math.abs(r.mean) <= 0.4);
    // Fisher–Yates with the seeded generator: the same sample on every machine.
    for (let i = pool.length - 1; i > 0; i--) {
      const j = Math.floor(random() * (i + 1));
      [pool[i], pool[j]] = [pool[j], pool[i]];
    }
    pool.slice(0, PER_CLASS).forEach((r, k) => {
      const split = k % 2 === 0 ? 'dev' : 'heldout';
      out.push(JSON.stringify({ text: r.text, label, source, split, id: r.id, mean: r.mean }));
    });
  }
}
const target = join(dirname(fileURLToPath(import.meta.url)), 'reviews.jsonl');
writeFileSync(target, `${out.join('\n')}\n`);
console.log(`wrote ${out.length} snippets to ${target}`);

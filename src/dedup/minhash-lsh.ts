/**
 * Near-duplicate detection: MinHash signatures over character shingles, banded LSH to find
 * candidates, then the exact Jaccard similarity of the shingle sets to confirm. Verifying
 * exactly (rather than trusting the signature estimate) is what keeps recall high right at
 * the threshold, where an estimate from 128 hashes is off by ±0.03 half of the time.
 */

const NUM_HASHES = 128;

/**
 * Members of one bucket a lookup compares with at most: the latest ones. Texts alike but not
 * alike enough to be duplicates (a template filled in: notifications, listings, forms) share
 * their buckets, so every new one was compared with every one kept before it: 3,000 such texts
 * took 9–11 s, and 30,000 would take ~20 minutes. Capped, a lookup costs at most bands × this many
 * comparisons. A duplicate of a text that has fallen out of every crowded bucket it shares
 * with it can be missed (counted in `crowded`); a duplicate reported is always confirmed exactly.
 */
const BUCKET_SCAN = 64;

export type NearOptions = { threshold: number; shingle?: number; numHashes?: number; bands?: number; bucketScan?: number };

/** Lowercased, whitespace collapsed: formatting differences are not differences. */
function normalizeText(text: string): string {
  return text.toLowerCase().normalize('NFKC').replace(/\s+/g, ' ').trim();
}

/** FNV-1a over a substring, 32 bits. */
function fnv1a(s: string, start: number, end: number): number {
  let h = 0x811c9dc5;
  for (let i = start; i < end; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** Sorted unique 32-bit hashes of the text's k-character shingles. */
export function shingles(text: string, k = 5): Uint32Array {
  const t = normalizeText(text);
  if (t.length <= k) return Uint32Array.of(fnv1a(t, 0, t.length));
  const set = new Set<number>();
  for (let i = 0; i + k <= t.length; i++) set.add(fnv1a(t, i, i + k));
  return Uint32Array.from(set).sort();
}

export function jaccard(a: Uint32Array, b: Uint32Array): number {
  let i = 0, j = 0, inter = 0;
  while (i < a.length && j < b.length) {
    if (a[i]! === b[j]!) {
      inter++;
      i++;
      j++;
    } else if (a[i]! < b[j]!) i++;
    else j++;
  }
  const union = a.length + b.length - inter;
  return union === 0 ? 1 : inter / union;
}

/**
 * Bands × rows ≤ hashes: the most rows per band (fewest false candidates, which each cost an
 * exact comparison) that still makes a pair at the threshold a candidate with p ≥ 0.995.
 * 128 hashes at 0.85 → 18 bands × 7 rows: p(0.85) = 0.999, p(0.5) = 0.14, p(0.3) = 0.004.
 */
function chooseBands(threshold: number, numHashes = NUM_HASHES): { bands: number; rows: number } {
  let best = { bands: numHashes, rows: 1 };
  for (let rows = 1; rows <= numHashes; rows++) {
    const bands = Math.floor(numHashes / rows);
    const p = 1 - Math.pow(1 - Math.pow(threshold, rows), bands);
    if (p >= 0.995) best = { bands, rows };
  }
  return best;
}

// One hash function per signature slot: xor with a random 32-bit key, multiply by a random odd
// constant, mix the high bits down (multiply-shift family; fast in 32-bit integer arithmetic).
function makeHashParams(n: number, seed = 42): { a: Int32Array; b: Int32Array } {
  let s = seed >>> 0;
  const next = () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s;
  };
  const a = new Int32Array(n), b = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    a[i] = next() | 1;
    b[i] = next();
  }
  return { a, b };
}

/** A text's shingles and band keys. */
type Prepared = { set: Uint32Array; keys: string[] };

export class MinHashLsh<Id = string> {
  readonly threshold: number;
  readonly k: number;
  readonly n: number;
  readonly bands: number;
  readonly rows: number;
  readonly bucketScan: number;
  /** Lookups that compared with only the latest `bucketScan` members of a crowded bucket. */
  crowded = 0;
  private readonly params: { a: Int32Array; b: Int32Array };
  private readonly buckets: Map<string, number[]>[] = [];
  private readonly ids: Id[] = [];
  private readonly sets: Uint32Array[] = [];
  /** Exact comparisons made (each a Jaccard of two shingle sets). */
  compared = 0;

  constructor(opts: NearOptions) {
    this.threshold = opts.threshold;
    this.k = opts.shingle ?? 5;
    this.n = opts.numHashes ?? NUM_HASHES;
    const br = opts.bands ? { bands: opts.bands, rows: this.n / opts.bands } : chooseBands(opts.threshold, this.n);
    this.bands = br.bands;
    this.rows = br.rows;
    this.bucketScan = opts.bucketScan ?? BUCKET_SCAN;
    this.params = makeHashParams(this.n);
    for (let i = 0; i < this.bands; i++) this.buckets.push(new Map());
  }

  signature(set: Uint32Array): Uint32Array {
    const sig = new Uint32Array(this.n).fill(0xffffffff);
    const { a, b } = this.params;
    for (let s = 0; s < set.length; s++) {
      const x = set[s]! | 0;
      for (let i = 0; i < this.n; i++) {
        let h = Math.imul(x ^ b[i]!, a[i]!);
        h = (h ^ (h >>> 15)) >>> 0;
        if (h < sig[i]!) sig[i] = h;
      }
    }
    return sig;
  }

  private bandKeys(sig: Uint32Array): string[] {
    const keys: string[] = [];
    for (let band = 0; band < this.bands; band++) {
      let h = 0x811c9dc5 ^ band;
      for (let r = 0; r < this.rows; r++) {
        h ^= sig[band * this.rows + r]!;
        h = Math.imul(h, 0x01000193);
      }
      keys.push((h >>> 0).toString(36) + ':' + sig[band * this.rows]!.toString(36));
    }
    return keys;
  }

  /** The best match among indexed texts at or above the threshold (exact Jaccard), if any. */
  query(text: string): { id: Id; similarity: number } | undefined {
    return this.queryPrepared(this.prepare(text));
  }

  prepare(text: string): Prepared {
    const set = shingles(text, this.k);
    return { set, keys: this.bandKeys(this.signature(set)) };
  }

  queryPrepared(p: Prepared): { id: Id; similarity: number } | undefined {
    return this.candidates(p).find(() => true);
  }

  /** Every indexed match ≥ threshold (among the latest `bucketScan` of each bucket), best first. */
  candidates(p: Prepared): { id: Id; similarity: number }[] {
    const seen = new Set<number>();
    const out: { id: Id; similarity: number }[] = [];
    let crowded = false;
    for (let band = 0; band < this.bands; band++) {
      const hits = this.buckets[band]!.get(p.keys[band]!);
      if (!hits) continue;
      const from = Math.max(0, hits.length - this.bucketScan);
      if (from > 0) crowded = true;
      for (let h = from; h < hits.length; h++) {
        const idx = hits[h]!;
        if (seen.has(idx)) continue;
        seen.add(idx);
        this.compared++;
        const sim = jaccard(p.set, this.sets[idx]!);
        if (sim >= this.threshold) out.push({ id: this.ids[idx]!, similarity: sim });
      }
    }
    if (crowded) this.crowded++;
    return out.sort((x, y) => y.similarity - x.similarity);
  }

  add(id: Id, p: Prepared): void {
    const idx = this.ids.length;
    this.ids.push(id);
    this.sets.push(p.set);
    for (let band = 0; band < this.bands; band++) {
      const m = this.buckets[band]!;
      const key = p.keys[band]!;
      const list = m.get(key);
      if (list) list.push(idx);
      else m.set(key, [idx]);
    }
  }

  get size(): number {
    return this.ids.length;
  }
}

export type Cluster<Id = string> = { kept: Id; dropped: { id: Id; similarity: number }[] };

/**
 * Greedy streaming dedup: each text is compared with the texts kept so far; a match drops it
 * into the kept text's cluster, otherwise it is kept and indexed.
 */
export class NearDuplicateFilter<Id = string> {
  readonly index: MinHashLsh<Id>;
  readonly clusters = new Map<Id, Cluster<Id>>();
  constructor(opts: NearOptions) {
    this.index = new MinHashLsh<Id>(opts);
  }
  /** Lookups that met a crowded bucket (MinHashLsh.crowded): a duplicate further back may have been missed. */
  get crowded(): number {
    return this.index.crowded;
  }
  /** Returns the kept text this one duplicates, or undefined when it is new (and now kept). */
  offer(id: Id, text: string): { id: Id; similarity: number } | undefined {
    const p = this.index.prepare(text);
    const match = this.index.queryPrepared(p);
    if (match) {
      let c = this.clusters.get(match.id);
      if (!c) this.clusters.set(match.id, (c = { kept: match.id, dropped: [] }));
      c.dropped.push({ id, similarity: Number(match.similarity.toFixed(4)) });
      return match;
    }
    this.index.add(id, p);
    return undefined;
  }
}

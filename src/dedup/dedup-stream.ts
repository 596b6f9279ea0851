import { InputError, UsageError } from '../core/errors.js';
import { sha256Hex } from '../core/ids.js';
import { readJsonRecords } from '../core/json-records.js';
import type { NdjsonWriter } from '../core/ndjson-writer.js';
import { asText, getPath } from '../core/dot-path.js';
import type { MonitorDb } from '../ledger/ledger-tables.js';
import { insertSeen } from '../ledger/ledger-repo.js';
import { NearDuplicateFilter, type Cluster } from './minhash-lsh.js';

export type DedupStreamOptions = {
  input: string;
  out: NdjsonWriter;
  key?: string[];
  field?: string;
  idField: string;
  near: boolean;
  threshold: number;
  /** `dedup:<name>` in the ledger: keys seen by earlier runs count as seen. */
  ledger?: { db: MonitorDb; namespace: string };
  onCluster?: (c: Cluster<string>) => void;
};

export type DedupStreamResult = { read: number; passed: number; dropped: number; clusters: number; invalid: number };

/** The key of one record: the listed dot paths' values (as JSON), or the sha256 of `--field`. */
export function recordKey(rec: unknown, key: string[] | undefined, field: string | undefined): string | undefined {
  if (key) {
    const vals = key.map((k) => getPath(rec, k));
    if (vals.every((v) => v === undefined)) return undefined;
    return sha256Hex(JSON.stringify(vals));
  }
  const t = asText(getPath(rec, field!));
  return t === undefined ? undefined : sha256Hex(t);
}

/**
 * Passes each record whose key is new. Exact keys go to the ledger in batches (in input order:
 * the ledger answers which of a batch are new, atomically, so two concurrent runs with one
 * ledger never both pass the same key). Near mode keeps an in-memory MinHash index.
 */
export async function dedupStream(o: DedupStreamOptions): Promise<DedupStreamResult> {
  const r: DedupStreamResult = { read: 0, passed: 0, dropped: 0, clusters: 0, invalid: 0 };
  const problems: string[] = [];
  const noKey = new LinesWithout(o.key ? `key field (${o.key.join(', ')})` : `field "${o.field}"`);
  const seen = new Set<string>();
  const near = o.near ? new NearDuplicateFilter<string>({ threshold: o.threshold }) : undefined;
  let pending: { rec: unknown; key: string }[] = [];
  const flush = async () => {
    if (pending.length === 0) return;
    const fresh = o.ledger ? await insertSeen(o.ledger.db, o.ledger.namespace, pending.map((p) => p.key)) : undefined;
    for (const p of pending) {
      const isNew = fresh ? fresh.delete(p.key) : true;
      if (isNew) {
        r.passed++;
        await o.out.write(p.rec);
      } else r.dropped++;
    }
    pending = [];
  };
  for await (const rec of readJsonRecords(o.input)) {
    if (!rec.ok) {
      problems.push(`${rec.file}:${rec.line}: ${rec.reason}`);
      continue;
    }
    r.read++;
    if (near) {
      const text = asText(getPath(rec.value, o.field!));
      if (text === undefined) {
        noKey.add(rec.file, rec.line);
        continue;
      }
      const id = asText(getPath(rec.value, o.idField)) ?? `${rec.file}:${rec.line}`;
      if (near.offer(id, text)) r.dropped++;
      else {
        r.passed++;
        await o.out.write(rec.value);
      }
      continue;
    }
    const key = recordKey(rec.value, o.key, o.field);
    if (key === undefined) {
      noKey.add(rec.file, rec.line);
      continue;
    }
    if (seen.has(key)) {
      r.dropped++;
      continue;
    }
    seen.add(key);
    pending.push({ rec: rec.value, key });
    if (pending.length >= 500) await flush();
    if (o.out.closedByReader) break;
  }
  await flush();
  if (near) {
    for (const c of near.clusters.values()) o.onCluster?.(c);
    r.clusters = near.clusters.size;
  }
  r.invalid = problems.length + noKey.count;
  const missing = noKey.summary();
  if (problems.length === 0 && missing.length === 1) throw new InputError(`dedup: ${missing[0]}`);
  if (r.invalid > 0) throw new InputError(`dedup: ${r.invalid} bad record(s)`, [...problems, ...missing]);
  return r;
}

/** Records without the key: one line per file with the count and the first line numbers, not one per record. */
class LinesWithout {
  private readonly byFile = new Map<string, { n: number; lines: number[] }>();
  count = 0;
  constructor(private readonly what: string) {}
  add(file: string, line: number): void {
    this.count++;
    const f = this.byFile.get(file) ?? { n: 0, lines: [] };
    f.n++;
    if (f.lines.length < 5) f.lines.push(line);
    this.byFile.set(file, f);
  }
  summary(): string[] {
    return [...this.byFile].map(([file, { n, lines }]) =>
      `${file}: ${n} record${n === 1 ? '' : 's'} without ${this.what}: line${n === 1 ? '' : 's'} ${lines.join(', ')}${n > lines.length ? ', …' : ''}`,
    );
  }
}

export function parseKeyFlag(key: string | undefined, field: string | undefined, near: boolean): { key?: string[]; field?: string } {
  if (near) {
    if (!field) throw new UsageError('dedup --near: name the text with --field (e.g. --field text)');
    if (key) throw new UsageError('dedup --near: --key does not apply (similarity is over --field)');
    return { field };
  }
  if (key && field) throw new UsageError('dedup: --key and --field do not go together');
  if (!key && !field) throw new UsageError('dedup: say what makes a record the same: --key a,b (dot paths) or --field text (its hash)');
  return key ? { key: key.split(',').map((s) => s.trim()).filter(Boolean) } : { field };
}

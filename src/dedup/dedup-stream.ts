import { InputError, UsageError } from '../core/errors.js';
import { sha256Hex } from '../core/ids.js';
import { readJsonRecords, type JsonRecord } from '../core/json-records.js';
import type { NdjsonWriter } from '../core/ndjson-writer.js';
import { asText, getPath } from '../core/dot-path.js';
import type { Kysely } from 'kysely';
import type { Database } from '../store/types.js';
import { openDedupLedger, type DedupLedger } from './dedup-ledger.js';
import { clusterRecord, type ClusterRecord } from './cluster-record.js';
import { NearDuplicateFilter } from './minhash-lsh.js';

export type DedupStreamOptions = {
  input: string;
  out: NdjsonWriter;
  key?: string[];
  field?: string;
  idField: string;
  /** Near mode: the records' titles, which the clusters name beside their ids (when a record has one). */
  titleField?: string;
  near: boolean;
  threshold: number;
  /** `dedup:<name>` in the ledger: keys seen by earlier runs count as seen. */
  ledger?: { db: Kysely<Database>; namespace: string };
  onCluster?: (c: ClusterRecord) => Promise<void> | void;
  /** Aborted (Ctrl-C): stop reading, commit what was written. */
  signal?: AbortSignal;
};

export type DedupStreamResult = { read: number; passed: number; dropped: number; clusters: number; invalid: number; interrupted?: boolean; /** Near mode: lookups that met a crowded bucket (minhash-lsh.ts). */ crowded?: number };

/** The key of one record: the listed dot paths' values (as JSON), or the sha256 of `--field`. */
function recordKey(rec: unknown, key: string[] | undefined, field: string | undefined): string | undefined {
  if (key) {
    const vals = key.map((k) => getPath(rec, k));
    if (vals.every((v) => v === undefined)) return undefined;
    return sha256Hex(JSON.stringify(vals));
  }
  const t = asText(getPath(rec, field!));
  return t === undefined ? undefined : sha256Hex(t);
}

/**
 * Passes each record whose key is new. With a ledger, keys are claimed in batches (in input
 * order: the ledger answers which of a batch are new, atomically, so two concurrent runs with
 * one ledger never both pass the same key) and committed only once their records reached the
 * output: after each batch is flushed for stdout or a pipe, after the rename for a file. So the
 * ledger is never ahead of the output, whatever kills the run. Near mode keeps an in-memory
 * MinHash index.
 *
 * The output is closed here (its commit must come before the ledger's); on an error the caller
 * aborts it. After the first bad record nothing more is written: the rest of the input is read
 * only to report every problem, and the run then deletes every key it recorded (exit 2 records
 * no key). Records go out as read (their JSON text, on one line), so a filter changes nothing
 * in them: not the digits of an integer beyond 2^53, not an escape, not the order of keys.
 */
export async function dedupStream(o: DedupStreamOptions): Promise<DedupStreamResult> {
  const r: DedupStreamResult = { read: 0, passed: 0, dropped: 0, clusters: 0, invalid: 0 };
  const problems: string[] = [];
  const noKey = new LinesWithout(o.key ? `key field (${o.key.join(', ')})` : `field "${o.field}"`);
  const seen = new Set<string>();
  const near = o.near ? new NearDuplicateFilter<string>({ threshold: o.threshold }) : undefined;
  const titles = new Map<string, string>();
  const ledger = o.ledger ? await openDedupLedger(o.ledger.db, o.ledger.namespace) : undefined;
  const batches = new ClaimedBatches(o.out, ledger, r);
  let badInput = false;
  const stopped = () => o.out.closedByReader || problems.length > 0 || noKey.count > 0;
  try {
    // Keys see integers beyond 2^53 as strings of their exact digits: 9007199254740993 is not
    // 9007199254740992.
    for await (const rec of readJsonRecords(o.input, { keepText: true, signal: o.signal })) {
      if (!rec.ok) {
        // Records before the first bad one still go out (in order); none after it.
        if (!stopped() && !near) await batches.flush();
        problems.push(`${rec.file}:${rec.line}: ${rec.reason}`);
        continue;
      }
      r.read++;
      if (near) {
        const text = asText(getPath(rec.value, o.field!));
        if (text === undefined) noKey.add(rec.file, rec.line);
        else if (!stopped()) await offerNear(near, o, r, rec, text, titles);
        continue;
      }
      const key = recordKey(rec.value, o.key, o.field);
      if (key === undefined) {
        if (!stopped()) await batches.flush();
        noKey.add(rec.file, rec.line);
        continue;
      }
      if (stopped()) continue;
      if (seen.has(key)) {
        r.dropped++;
        continue;
      }
      seen.add(key);
      await batches.add(rec.text!, key);
      if (o.out.closedByReader || o.signal?.aborted) break;
    }
    if (!stopped()) await batches.flush();
    if (near) {
      for (const c of near.clusters.values()) await o.onCluster?.(clusterRecord(c, (id) => titles.get(id)));
      r.clusters = near.clusters.size;
      r.crowded = near.crowded;
    }
    r.invalid = problems.length + noKey.count;
    const missing = noKey.summary();
    if (problems.length === 0 && missing.length === 1) throw new InputError(`dedup: ${missing[0]}`);
    if (r.invalid > 0) throw new InputError(`dedup: ${r.invalid} bad record(s)`, [...problems, ...missing]);
    await batches.close();
    r.interrupted = o.signal?.aborted || undefined;
    return r;
  } catch (err) {
    // Bad input (exit 2) records no key: what this run already sent out passes again on the
    // fixed rerun (a duplicate downstream rather than a record lost to `> out.jsonl`).
    if (ledger && err instanceof InputError) {
      badInput = true;
      await ledger.forgetRun();
    }
    throw err;
  } finally {
    if (ledger) {
      // What got out is kept (stdout, a pipe); everything else held goes back to the ledger.
      if (!badInput) await batches.commitFlushed().catch(() => {});
      await ledger.releaseAll();
      ledger.close();
    }
  }
}

/** Near mode: passes the record unless its text is close to one passed before. */
async function offerNear(near: NearDuplicateFilter<string>, o: DedupStreamOptions, r: DedupStreamResult, rec: JsonRecord & { ok: true }, text: string, titles: Map<string, string>): Promise<void> {
  const id = asText(getPath(rec.value, o.idField)) ?? `${rec.file}:${rec.line}`;
  const title = o.titleField === undefined ? undefined : asText(getPath(rec.value, o.titleField));
  if (title) titles.set(id, title);
  if (near.offer(id, text)) r.dropped++;
  else {
    r.passed++;
    await o.out.writeJson(rec.text!);
  }
}

const BATCH = 500;

/**
 * Records with a new key, written in batches whose keys the ledger claims first (without a
 * ledger a batch is just written). A written record's key is held, and committed only once
 * the record is out: flushed for stdout or a pipe, renamed into place for a file.
 */
class ClaimedBatches {
  /** Keys held and written but not yet committed, with the position of their record in the output. */
  private unconfirmed: { key: string; seq: number }[] = [];
  /** Records (their JSON text) waiting for their keys to be claimed. */
  private pending: { rec: string; key: string }[] = [];

  constructor(
    private readonly out: NdjsonWriter,
    private readonly ledger: DedupLedger | undefined,
    private readonly r: DedupStreamResult,
  ) {}

  async add(rec: string, key: string): Promise<void> {
    this.pending.push({ rec, key });
    if (this.pending.length >= BATCH) await this.flush();
  }

  async flush(): Promise<void> {
    const batch = this.pending;
    this.pending = [];
    const { out, ledger, r } = this;
    if (batch.length === 0 || out.closedByReader) return;
    const won = ledger ? await ledger.claim(batch.map((p) => p.key)) : undefined;
    for (const p of batch) {
      if (won && !won.has(p.key)) {
        r.dropped++;
        continue;
      }
      if (out.closedByReader) break;
      const seq = out.written;
      await out.writeJson(p.rec);
      r.passed++;
      if (won) this.unconfirmed.push({ key: p.key, seq });
    }
    if (ledger && !out.commitsOnClose) {
      await out.flush();
      await this.commitFlushed();
    }
  }

  /** Commits the held keys whose records the OS has taken (stdout, pipes, devices). */
  async commitFlushed(): Promise<void> {
    if (!this.ledger || this.out.commitsOnClose || this.unconfirmed.length === 0) return;
    const n = this.out.flushed;
    let i = 0;
    while (i < this.unconfirmed.length && this.unconfirmed[i]!.seq < n) i++;
    await this.ledger.commit(this.unconfirmed.slice(0, i).map((u) => u.key));
    this.unconfirmed = this.unconfirmed.slice(i);
  }

  /** Closes the output (its commit comes first), then commits the keys of what it holds. */
  async close(): Promise<void> {
    await this.out.close();
    if (this.out.commitsOnClose) await this.ledger?.commitAll();
    else await this.commitFlushed();
  }
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

import type { Command } from 'commander';
import { InvalidArgumentError } from 'commander';
import { createContext } from '../../app/context.js';
import type { DedupFlags } from '../../app/dedup.js';

function toThreshold(v: string): number {
  const n = Number(v);
  if (!Number.isFinite(n) || n <= 0 || n > 1) throw new InvalidArgumentError('expected a number in (0, 1]');
  return n;
}

export function register(program: Command): void {
  const dedup = program
    .command('dedup')
    .description('Drop exact and near duplicates from an NDJSON stream or the document store')
    .option('--in <file|->', 'read NDJSON records (- for stdin); without it, --near works on stored documents')
    .option('--out <file|->', 'write the records that pass (default: stdout)')
    .option('--key <paths>', 'comma-separated dot paths that make a record the same, e.g. user.id,question')
    .option('--field <path>', 'exact: the hash of this field is the key; --near: the text to compare')
    .option('--id-field <path>', 'record id for near-duplicate clusters', 'id')
    .option('--title-field <path>', 'near, stream mode: record title, named in the clusters beside the id when present', 'title')
    .option('--ledger <name>', 'remember seen keys in the --db database across runs (exact mode); a key is recorded once its record is out (flushed, or the file renamed into place)')
    .option('--near', 'near duplicates: MinHash + LSH over character shingles, confirmed by exact Jaccard')
    .option('--threshold <x>', 'near: Jaccard similarity at or above which two texts are duplicates', toThreshold, 0.85)
    .option('--category <name>', 'store mode: only documents of this category')
    .option('--apply', 'store mode: delete the dropped documents (default: only report the clusters)')
    .option('--report <file|->', 'near: write the clusters as NDJSON {kept, kept_title, dropped:[{id, title, similarity}]} (titles where known); store mode default: a table on a terminal, NDJSON on stdout otherwise; stream mode default: stderr summary only')
    .addHelpText(
      'after',
      `
Examples:
  cat events.jsonl | llmops dedup --in - --out - --key user.id,question
  llmops dedup --in traces.jsonl --field output --ledger traces > new.jsonl   seen keys kept in --db
  cat docs.jsonl | llmops dedup --in - --near --field text --threshold 0.85 --report clusters.jsonl
  llmops dedup --near --field content --category articles            report clusters among stored documents
  llmops dedup --near --field content --apply                        …and delete the duplicates
  llmops dedup ledger list | count | prune --older-than 30d | export`,
    )
    .action(async (flags: DedupFlags, cmd: Command) => {
      const app = await import('../../app/dedup.js');
      await app.dedup(await createContext(cmd.optsWithGlobals()), flags);
    });
  const ledger = dedup
    .command('ledger')
    .description('The ledger of seen keys (dedup --ledger) and scored items (monitor)')
    .addHelpText('after', '\nExamples:\n  llmops dedup ledger list\n  llmops dedup ledger count --ledger traces\n  llmops dedup ledger prune --older-than 30d\n  llmops dedup ledger export --ledger traces > keys.jsonl');
  for (const [name, desc] of [
    ['list', 'each ledger (namespace) with its key counts, recorded and claimed'],
    ['count', 'how many keys are recorded (claims of runs in progress not counted)'],
    ['prune', 'forget keys older than --older-than'],
    ['export', 'every key as NDJSON'],
  ] as const) {
    const c = ledger
      .command(name)
      .description(desc)
      .option('--ledger <name>', 'only this dedup ledger (or a full namespace like monitor:jsonl:support-bot)');
    if (name === 'prune') c.requiredOption('--older-than <duration>', 'with its unit: 30d, 12h');
    c.action(async (_flags, sub: Command) => {
      // `dedup` itself takes --ledger too, so read it wherever commander put it.
      const all = sub.optsWithGlobals();
      const { dedupLedger } = await import('../../app/dedup-ledger.js');
      await dedupLedger(await createContext(all), name, { ledger: all.ledger, olderThan: all.olderThan });
    });
  }
}

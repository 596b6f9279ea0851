import { parseDuration } from '../core/duration.js';
import { runCommand } from './command-scope.js';
import type { LedgerSummary } from '../store/ledger-repo.js';
import type { Context } from './context.js';
import { ledgerNamespace } from './dedup.js';
import { formatTable } from './table.js';
import { terminalColumns } from './terminal-text.js';

export type LedgerAction = 'list' | 'count' | 'prune' | 'export';

/** `llmops dedup ledger list | count | prune | export`. */
export async function dedupLedger(ctx: Context, action: LedgerAction, flags: { ledger?: string; olderThan?: string }): Promise<void> {
  const ns = flags.ledger ? ledgerNamespace(flags.ledger) : undefined;
  const olderMs = action === 'prune' ? parseDuration(flags.olderThan!, '--older-than', { unitRequired: true, hint: '30d, 12h' }) : 0;
  await runCommand(ctx, async (scope) => {
    // Every ledger action reads an existing ledger: no database is an error, never a new file.
    const db = await scope.db({ mustExist: true });
    const repo = await import('../store/ledger-repo.js');
    const mdb = db.db;
    switch (action) {
      case 'list':
        return printLedgers(ctx, (await repo.listLedgers(mdb)).filter((r) => !ns || r.namespace === ns));
      case 'count': {
        const n = await repo.countKeys(mdb, ns);
        process.stdout.write(ctx.json ? `${JSON.stringify({ ledger: ns ?? 'all', keys: n })}\n` : `${n}\n`);
        return;
      }
      case 'prune': {
        const n = await repo.pruneKeys(mdb, new Date(Date.now() - olderMs), ns);
        return scope.summary('dedup ledger prune', { ledger: ns ?? 'all', pruned: n, older_than: flags.olderThan });
      }
      case 'export':
        for await (const r of repo.exportKeys(mdb, ns)) process.stdout.write(`${JSON.stringify(r)}\n`);
    }
  });
}

function printLedgers(ctx: Context, rows: LedgerSummary[]): void {
  if (ctx.json) for (const r of rows) process.stdout.write(`${JSON.stringify(r)}\n`);
  else if (rows.length === 0) process.stdout.write('no ledgers yet\n');
  else {
    const cells = rows.map((r) => [r.namespace, String(r.keys), String(r.claimed), String(r.last)]);
    const lines = formatTable(['namespace', 'keys', 'claimed', 'last'], cells, { width: terminalColumns(), align: ['left', 'right', 'right', 'left'] });
    process.stdout.write(`${lines.join('\n')}\n`);
  }
}

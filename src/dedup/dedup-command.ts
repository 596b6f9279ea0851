import { UsageError } from '../core/errors.js';
import type { Context } from '../cli/context.js';
import { printSummary } from '../cli/print.js';

type DedupFlags = { in?: string; out?: string; key?: string; field?: string; idField: string; ledger?: string; near?: boolean; threshold: number; category?: string; apply?: boolean; report?: string };

export const ledgerNamespace = (name: string) => (name.includes(':') ? name : `dedup:${name}`);

export async function dedupCommand(ctx: Context, flags: DedupFlags): Promise<void> {
  const { parseKeyFlag, dedupStream } = await import('./dedup-stream.js');
  const { createNdjsonWriter } = await import('../core/ndjson-writer.js');
  const near = Boolean(flags.near);
  if (near && flags.ledger) throw new UsageError('dedup --near: --ledger is for exact keys only');
  if (flags.apply && flags.in !== undefined) throw new UsageError('dedup --apply: works on stored documents (leave out --in)');
  if (flags.in === undefined) {
    if (!near) throw new UsageError('dedup: give --in <file|-> (exact dedup works on a stream; --near also on stored documents)');
    if (flags.field && flags.field !== 'content') throw new UsageError('dedup --near on stored documents compares their content (leave out --field, or --field content)');
    const db = await ctx.openDb({ mustExist: true });
    const store = await ctx.openWarehouse(db);
    const report = createNdjsonWriter(flags.report ?? '-', { label: 'dedup --report' });
    try {
      const { dedupStore } = await import('./dedup-store.js');
      const r = await dedupStore(store, { threshold: flags.threshold, category: flags.category, apply: Boolean(flags.apply), signal: ctx.signal, onCluster: (c) => report.write(c) });
      await report.close();
      printSummary(ctx, 'dedup', { documents: r.scanned, clusters: r.clusters, duplicates: r.duplicates, deleted: r.deleted, note: flags.apply ? undefined : r.duplicates ? 'report only: --apply deletes the duplicates' : undefined }, report.kind === 'stdout');
    } catch (err) {
      await report.abort();
      throw err;
    } finally {
      if (store.kind === 'mongodb') await store.close();
      await db.close();
    }
    return;
  }
  const k = parseKeyFlag(flags.key, flags.field, near);
  const db = flags.ledger ? await ctx.openDb() : undefined;
  // On stdout the run itself handles a reader going away (`| head`): it records in the ledger
  // only the keys of records that got out, then returns.
  const out = createNdjsonWriter(flags.out ?? '-', { label: 'dedup --out', readerGone: 'stop' });
  const report = flags.report ? createNdjsonWriter(flags.report, { label: 'dedup --report' }) : undefined;
  try {
    const r = await dedupStream({
      input: flags.in,
      out,
      ...k,
      idField: flags.idField,
      near,
      threshold: flags.threshold,
      ledger: db && flags.ledger ? { db: db.db, namespace: ledgerNamespace(flags.ledger) } : undefined,
      onCluster: report ? (c) => report.write(c) : undefined,
      signal: ctx.signal,
    });
    await report?.close();
    const note = out.closedByReader ? 'the reader went away: the ledger holds only the records written' : r.interrupted ? 'interrupted: the next run carries on' : undefined;
    printSummary(ctx, 'dedup', { read: r.read, passed: r.passed, dropped: r.dropped, clusters: near ? r.clusters : undefined, ledger: flags.ledger, note }, true);
  } catch (err) {
    await out.abort();
    await report?.abort();
    throw err;
  } finally {
    await db?.close();
  }
}

export async function ledgerCommand(ctx: Context, action: 'list' | 'count' | 'prune' | 'export', flags: { ledger?: string; olderThan?: string }): Promise<void> {
  const ns = flags.ledger ? ledgerNamespace(flags.ledger) : undefined;
  const { parseDuration } = await import('../core/duration.js');
  const olderMs = action === 'prune' ? parseDuration(flags.olderThan!, '--older-than') : 0;
  // Every ledger action reads an existing ledger: no database is an error, never a new file.
  const db = await ctx.openDb({ mustExist: true });
  const repo = await import('../store/ledger-repo.js');
  try {
    switch (action) {
      case 'list': {
        const rows = (await repo.listLedgers(db.db)).filter((r) => !ns || r.namespace === ns);
        if (ctx.json) for (const r of rows) process.stdout.write(`${JSON.stringify(r)}\n`);
        else if (rows.length === 0) process.stdout.write('no ledgers yet\n');
        else {
          const w = Math.max(9, ...rows.map((r) => r.namespace.length));
          process.stdout.write(`${'namespace'.padEnd(w)}  ${'keys'.padStart(8)}  ${'claimed'.padStart(7)}  last\n`);
          for (const r of rows) process.stdout.write(`${r.namespace.padEnd(w)}  ${String(r.keys).padStart(8)}  ${String(r.claimed).padStart(7)}  ${r.last}\n`);
        }
        return;
      }
      case 'count': {
        const n = await repo.countKeys(db.db, ns);
        if (ctx.json) process.stdout.write(`${JSON.stringify({ ledger: ns ?? 'all', keys: n })}\n`);
        else process.stdout.write(`${n}\n`);
        return;
      }
      case 'prune': {
        const n = await repo.pruneKeys(db.db, new Date(Date.now() - olderMs), ns);
        printSummary(ctx, 'dedup ledger prune', { ledger: ns ?? 'all', pruned: n, older_than: flags.olderThan });
        return;
      }
      case 'export': {
        for await (const r of repo.exportKeys(db.db, ns)) process.stdout.write(`${JSON.stringify(r)}\n`);
        return;
      }
    }
  } finally {
    await db.close();
  }
}


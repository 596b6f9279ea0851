import { parseInstant } from '../core/duration.js';
import { UsageError } from '../core/errors.js';
import type { CallFilter, CallStatus } from '../store/call-log-queries.js';
import type { Context } from './context.js';
import { inspecting } from './inspect-scope.js';
import { printRows } from './print.js';

export type CallsFlags = { limit: number; task?: string; model?: string; since?: string; status?: CallStatus; totals?: boolean };

/** `inspect calls [id]`: the calls, newest first; or, given an id, a trace id or a prefix, the call(s) whole. */
export async function inspectCalls(ctx: Context, ref: string | undefined, f: CallsFlags): Promise<void> {
  if (ref !== undefined) return showCalls(ctx, ref);
  const filter: CallFilter = { task: f.task, model: f.model, status: f.status, since: f.since === undefined ? undefined : parseInstant(f.since, '--since') };
  await inspecting(ctx, async (scope, db) => {
    const { listCalls, callTotals } = await import('../store/call-log-queries.js');
    const rows = await listCalls(db.db, { ...filter, limit: f.limit });
    if (ctx.json) printRows(ctx, rows);
    else printRows(ctx, rows.map(tableRow));
    // Stdout carries rows only; the totals are a summary on stderr, unless asked for as data.
    const totals = await callTotals(db.db, filter);
    if (f.totals && ctx.json) process.stdout.write(`${JSON.stringify({ totals })}\n`);
    else scope.summary('totals', totals, !f.totals);
  });
}

type CallRow = Awaited<ReturnType<typeof import('../store/call-log-queries.js').listCalls>>[number];

/** One line a call on a terminal; the id is cut to a prefix that `inspect calls <id>` takes back. */
function tableRow(r: CallRow): Record<string, unknown> {
  return {
    'time (UTC)': r.created_at.slice(0, 19).replace('T', ' '),
    id: r.id.slice(0, 8),
    task: r.task,
    model: `${r.provider}/${r.model}`,
    'tokens in/out': `${r.input_tokens}/${r.output_tokens}`,
    cost: `$${r.cost_usd.toFixed(4)}`,
    latency: `${r.latency_ms} ms`,
    status: r.status,
  };
}

async function showCalls(ctx: Context, ref: string): Promise<void> {
  await inspecting(ctx, async (_scope, db) => {
    const { findCalls, callDetails } = await import('../store/call-log-queries.js');
    const found = await findCalls(db.db, ref);
    if ('ambiguous' in found) throw new UsageError(`inspect calls: ${ref} is ambiguous: ${found.ambiguous} call or trace ids begin with it (give more of the id)`);
    if (found.ids.length === 0) throw new UsageError(`inspect calls: no call with id or trace id ${ref} (llmops inspect calls lists them)`);
    const calls = await callDetails(db.db, found.ids);
    if (ctx.json) for (const c of calls) process.stdout.write(`${JSON.stringify(c)}\n`);
    else {
      const { callSections } = await import('./call-sections.js');
      process.stdout.write(calls.map(callSections).join('\n'));
    }
  });
}

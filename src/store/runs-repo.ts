import { hostname } from 'node:os';
import { randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Database } from './types.js';
import { redactArgs, redactDeep, redactText } from '../core/redact.js';
import { readJson, writeJson } from './json-column.js';

/** `died`: recorded as running by a process of this host that is gone (kill -9, a second Ctrl-C), seen when read. */
export type RunStatus = 'running' | 'ok' | 'partial' | 'input_error' | 'failed' | 'interrupted' | 'died';

/**
 * Every command run is recorded: what was asked (secrets already masked), when, and how it
 * went. `details` is what a command records beyond its counts (monitor: which monitor it ran).
 */
export async function startRun(db: Kysely<Database>, command: string, args: string[], details?: Record<string, unknown>): Promise<string> {
  const id = randomUUID();
  await db
    .insertInto('runs')
    .values({
      id,
      command,
      args: writeJson(redactDeep(args)),
      started_at: new Date().toISOString(),
      finished_at: null,
      status: 'running',
      counts: '{}',
      error: null,
      pid: process.pid,
      host: hostname(),
      details: details === undefined ? null : writeJson(details),
    })
    .execute();
  return id;
}

export async function finishRun(
  db: Kysely<Database>,
  id: string,
  outcome: { status: RunStatus; counts: Record<string, unknown>; error?: string | null },
): Promise<void> {
  await db
    .updateTable('runs')
    .set({
      finished_at: new Date().toISOString(),
      status: outcome.status,
      // Errors and counts (which hold per-item reasons) quote what servers answered: masked here,
      // whatever the command, so no stored run keeps a key a server echoed.
      counts: writeJson(redactDeep(outcome.counts)),
      error: outcome.error == null ? null : redactText(outcome.error),
    })
    .where('id', '=', id)
    .execute();
}

export type RunRecord = {
  id: string;
  command: string;
  args: string[];
  started_at: string;
  finished_at: string | null;
  status: RunStatus;
  counts: Record<string, unknown>;
  error: string | null;
  /** Only on runs that recorded some. */
  details?: Record<string, unknown>;
};

export async function listRuns(db: Kysely<Database>, opts: { limit: number; command?: string }): Promise<RunRecord[]> {
  let q = db.selectFrom('runs').selectAll().orderBy('started_at', 'desc').limit(opts.limit);
  if (opts.command) q = q.where('command', '=', opts.command);
  return (await q.execute()).map((r) => ({
    id: r.id,
    command: r.command,
    // As the error: a row written before a mask existed (a URL password holding a space) is masked now.
    args: redactArgs(readJson<string[]>(r.args)),
    started_at: r.started_at,
    finished_at: r.finished_at,
    status: r.status === 'running' && r.host === hostname() && !alive(r.pid) ? 'died' : (r.status as RunStatus),
    counts: readJson(r.counts),
    // Rows written before redaction was applied here are masked on the way out too.
    error: r.error == null ? null : redactText(r.error),
    ...(r.details == null ? {} : { details: readJson<Record<string, unknown>>(r.details) }),
  }));
}

/** Whether a process of this host is still there (one of another user's still counts). */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Forgets a run that wrote nothing (ingest's exit-2 runs leave no trace). */
export async function deleteRun(db: Kysely<Database>, id: string): Promise<void> {
  await db.deleteFrom('runs').where('id', '=', id).execute();
}

import { hostname } from 'node:os';
import { randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Database } from './types.js';
import { readJson, writeJson } from './json-column.js';

export type RunStatus = 'running' | 'ok' | 'partial' | 'input_error' | 'failed' | 'interrupted';

/** Every command run is recorded: what was asked (secrets already masked), when, and how it went. */
export async function startRun(db: Kysely<Database>, command: string, args: string[]): Promise<string> {
  const id = randomUUID();
  await db
    .insertInto('runs')
    .values({
      id,
      command,
      args: writeJson(args),
      started_at: new Date().toISOString(),
      finished_at: null,
      status: 'running',
      counts: '{}',
      error: null,
      pid: process.pid,
      host: hostname(),
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
      counts: writeJson(outcome.counts),
      error: outcome.error ?? null,
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
};

export async function listRuns(db: Kysely<Database>, opts: { limit: number; command?: string }): Promise<RunRecord[]> {
  let q = db.selectFrom('runs').selectAll().orderBy('started_at', 'desc').limit(opts.limit);
  if (opts.command) q = q.where('command', '=', opts.command);
  return (await q.execute()).map((r) => ({
    id: r.id,
    command: r.command,
    args: readJson<string[]>(r.args),
    started_at: r.started_at,
    finished_at: r.finished_at,
    status: r.status as RunStatus,
    counts: readJson(r.counts),
    error: r.error,
  }));
}

/** Forgets a run that wrote nothing (ingest's exit-2 runs leave no trace). */
export async function deleteRun(db: Kysely<Database>, id: string): Promise<void> {
  await db.deleteFrom('runs').where('id', '=', id).execute();
}

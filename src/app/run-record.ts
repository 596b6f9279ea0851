import { UsageError, errorMessage } from '../core/errors.js';
import { redactArgs } from '../core/redact.js';
import type { Db } from '../store/database.js';
import { deleteRun, finishRun, startRun, type RunStatus } from '../store/runs-repo.js';

/**
 * A command's row in the runs table: started, finished, status, counts and the arguments with
 * secrets masked. Every command writes one.
 */
export class CommandRun {
  private constructor(
    private readonly db: Db,
    private readonly id: string,
  ) {}

  static async start(db: Db, command: string): Promise<CommandRun> {
    return new CommandRun(db, await startRun(db.db, command, redactArgs(process.argv.slice(2))));
  }

  finish(status: RunStatus, counts: Record<string, unknown>): Promise<void> {
    return finishRun(this.db.db, this.id, { status, counts });
  }

  /** Records why the run failed; never throws over the error being reported. */
  async fail(err: unknown): Promise<void> {
    const status: RunStatus = err instanceof UsageError ? 'input_error' : 'failed';
    await finishRun(this.db.db, this.id, { status, counts: {}, error: errorMessage(err).split('\n')[0] }).catch(() => {});
  }

  /** Removes the row: a run that stored nothing because its input was bad leaves no trace. */
  forget(): Promise<void> {
    return deleteRun(this.db.db, this.id);
  }
}

/** What a stage's summary says of its outcome: interrupted or not, how many items failed. */
export type Outcome = { interrupted?: boolean; failed?: number };

export type RunSpec = {
  command: string;
  /** Stored beside the stage's counts (analyse: the model asked). */
  details?: Record<string, unknown>;
};

/** interrupted; partial when items failed; else ok. */
export function outcomeStatus(r: Outcome): RunStatus {
  return r.interrupted ? 'interrupted' : (r.failed ?? 0) > 0 ? 'partial' : 'ok';
}

/** Records `fn` in the runs table, with the stage's summary as its counts. The stage's error still propagates to main. */
export async function withRun<T extends Outcome>(db: Db, spec: RunSpec, fn: () => Promise<T>): Promise<T> {
  const run = await CommandRun.start(db, spec.command);
  try {
    const result = await fn();
    await run.finish(outcomeStatus(result), { ...result, ...spec.details });
    return result;
  } catch (err) {
    await run.fail(err);
    throw err;
  }
}

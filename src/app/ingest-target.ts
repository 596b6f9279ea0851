import { existsSync, rmSync, rmdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { UsageError } from '../core/errors.js';
import type { DocumentStore } from '../store/document-store.js';
import { countDocuments } from '../store/documents-repo.js';
import { listRuns, type RunStatus } from '../store/runs-repo.js';
import type { CommandScope } from './command-scope.js';
import type { Context } from './context.js';
import { CommandRun } from './run-record.js';
import { databaseTarget } from './stores.js';

/**
 * Ingest's warehouse, opened only when the stage first has something to write, and the run's
 * `runs` row with it. An exit-2 run (bad input, nothing stored) leaves no row, and no database
 * file where there was none.
 */
export async function lazyIngestTarget(scope: CommandScope) {
  const created = await wouldCreate(scope.ctx);
  let run: CommandRun | undefined;
  let finished = false;
  let opening: Promise<DocumentStore> | undefined;
  const open = (): Promise<DocumentStore> =>
    (opening ??= (async () => {
      run = await CommandRun.start(await scope.db(), 'ingest');
      return scope.warehouse();
    })());
  return {
    open,
    async finish(status: RunStatus, counts: Record<string, unknown>) {
      if (!run) return;
      await run.finish(status, counts);
      finished = true;
    },
    async fail(err: unknown) {
      if (!run || finished) return;
      try {
        if (!(err instanceof UsageError)) return await run.fail(err);
        await run.forget();
        await removeIfCreatedAndEmpty(scope, created);
      } catch {
        // the error being reported matters more
      }
    },
  };
}

/** What opening the database would create: the SQLite file and the folders above it that do not exist yet. */
async function wouldCreate(ctx: Context): Promise<string[]> {
  const target = await databaseTarget(ctx);
  if (target.engine !== 'sqlite' || target.path === ':memory:' || existsSync(target.path)) return [];
  const created = [target.path];
  for (let d = dirname(target.path); !existsSync(d) && d !== dirname(d); d = dirname(d)) created.push(d);
  return created;
}

async function removeIfCreatedAndEmpty(scope: CommandScope, created: string[]): Promise<void> {
  if (created.length === 0) return;
  const db = await scope.db();
  if ((await listRuns(db.db, { limit: 1 })).length > 0 || (await countDocuments(db.db)) > 0) return; // someone else wrote to it meanwhile
  await scope.close();
  const [file, ...dirs] = created;
  for (const suffix of ['', '-wal', '-shm', '-journal']) rmSync(`${file}${suffix}`, { force: true });
  for (const d of dirs) {
    try {
      rmdirSync(d); // only if empty
    } catch {
      break;
    }
  }
}

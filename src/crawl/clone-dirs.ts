import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { processAlive } from '../core/process-alive.js';

// A clone's folder names the process that made it, so a later crawl can tell a folder whose
// maker was killed (kill -9 leaves it, up to max_repo_mb each) from one a live crawl is using.
const PREFIX = 'llmops-clone-';
const OWNED = /^llmops-clone-(\d+)-/;

let swept = false;

/** A new folder for one clone, after removing (once per process) those left by dead crawls. */
export async function makeCloneDir(): Promise<string> {
  if (!swept) {
    swept = true;
    await sweepStaleClones(tmpdir());
  }
  return mkdtemp(join(tmpdir(), `${PREFIX}${process.pid}-`));
}

/** Removes the clone folders in `dir` whose process is gone (another user's, or a live one's, are left). */
export async function sweepStaleClones(dir: string): Promise<string[]> {
  const names = await readdir(dir).catch(() => [] as string[]);
  const stale = names.filter((n) => {
    const pid = Number(OWNED.exec(n)?.[1]);
    return Number.isSafeInteger(pid) && pid > 0 && pid !== process.pid && !processAlive(pid);
  });
  // A folder that cannot be removed (another user's) stays: the sweep must never fail a crawl.
  for (const n of stale) await rm(join(dir, n), { recursive: true, force: true, maxRetries: 3 }).catch(() => {});
  return stale;
}

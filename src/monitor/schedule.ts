import { parseDuration } from '../core/duration.js';
import { UsageError, errorMessage } from '../core/errors.js';
import type { Logger } from '../core/logger.js';

export type ScheduledJob = { name: string; run: () => Promise<void> };

/** When a scheduled monitor runs: every so long, or on a cron expression; checked by `parseSchedule`. */
export type Schedule = { everyMs: number } | { cron: string };

/** --every's shortest interval: a run reads the ledger and the source each time (`--every 1` ran a thousand times a second). */
const MIN_EVERY_MS = 1000;

/** Node's timers hold a signed 32-bit delay; a longer one is replaced by 1 ms, every millisecond. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/**
 * Reads --every / --cron before anything is opened, so a schedule that is wrong, or would never
 * fire, is a usage error with no database created. undefined: a one-off run.
 */
export async function parseSchedule(flags: { every?: string; cron?: string }): Promise<Schedule | undefined> {
  if (flags.every !== undefined) return { everyMs: parseDuration(flags.every, '--every', { minMs: MIN_EVERY_MS, unitRequired: true, hint: '30s, 15m, 1h, 1d' }) };
  if (flags.cron === undefined) return undefined;
  const { Cron } = await import('croner');
  let next: Date | null;
  try {
    const probe = new Cron(flags.cron, { paused: true });
    next = probe.nextRun();
    probe.stop();
  } catch (err) {
    throw new UsageError(`--cron: "${flags.cron}" is not a cron expression: ${errorMessage(err)}`);
  }
  // "0 0 30 2 *" (30 February) parses, and the process would wait for ever.
  if (!next) throw new UsageError(`--cron: "${flags.cron}" never fires (no date matches it)`);
  return { cron: flags.cron };
}

/**
 * Runs each job now and then on schedule until the signal fires. A job whose previous run is
 * still going skips its turn (never two runs of one monitor at once); different monitors run
 * independently. On SIGINT the schedules stop and running jobs finish their batch.
 */
export async function runScheduled(jobs: ScheduledJob[], opts: { schedule: Schedule; signal: AbortSignal; logger: Logger }): Promise<void> {
  const running = new Map<string, Promise<void>>();
  const trigger = (job: ScheduledJob) => {
    if (opts.signal.aborted) return;
    if (running.has(job.name)) {
      opts.logger.warn(`monitor ${job.name}: previous run still going; skipping this turn`);
      return;
    }
    const p = job
      .run()
      .catch((err) => opts.logger.error(`monitor ${job.name}: ${errorMessage(err)}`))
      .finally(() => running.delete(job.name));
    running.set(job.name, p);
  };
  const stops: (() => void)[] = [];
  const { schedule } = opts;
  if ('everyMs' in schedule) {
    for (const job of jobs) {
      trigger(job);
      stops.push(repeatEvery(schedule.everyMs, () => trigger(job)));
    }
  } else {
    const { Cron } = await import('croner');
    for (const job of jobs) {
      const cron = new Cron(schedule.cron, () => trigger(job));
      opts.logger.info(`monitor ${job.name}: next run ${cron.nextRun()?.toISOString()}`);
      stops.push(() => cron.stop());
    }
  }
  await new Promise<void>((resolve) => {
    if (opts.signal.aborted) resolve();
    else opts.signal.addEventListener('abort', () => resolve(), { once: true });
  });
  for (const s of stops) s();
  await Promise.all(running.values());
}

/** Calls `fn` every `ms`, also past Node's timer limit (about 24.8 days), by chaining shorter waits. */
function repeatEvery(ms: number, fn: () => void): () => void {
  if (ms <= MAX_TIMER_MS) {
    const t = setInterval(fn, ms);
    return () => clearInterval(t);
  }
  let timer: NodeJS.Timeout;
  let left = ms;
  const wait = () => {
    const step = Math.min(left, MAX_TIMER_MS);
    timer = setTimeout(() => {
      left -= step;
      if (left <= 0) {
        left = ms;
        fn();
      }
      wait();
    }, step);
  };
  wait();
  return () => clearTimeout(timer);
}

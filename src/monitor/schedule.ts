import { parseDuration } from '../core/duration.js';
import { UsageError, errorMessage } from '../core/errors.js';
import type { Logger } from '../core/logger.js';

export type ScheduledJob = { name: string; run: () => Promise<void> };

/**
 * Runs each job now and then on schedule until the signal fires. A job whose previous run is
 * still going skips its turn (never two runs of one monitor at once); different monitors run
 * independently. On SIGINT the schedules stop and running jobs finish their batch.
 */
export async function runScheduled(jobs: ScheduledJob[], opts: { every?: string; cron?: string; signal: AbortSignal; logger: Logger }): Promise<void> {
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
  if (opts.every) {
    const ms = parseDuration(opts.every, '--every');
    for (const job of jobs) {
      trigger(job);
      const t = setInterval(() => trigger(job), ms);
      stops.push(() => clearInterval(t));
    }
  } else {
    const { Cron } = await import('croner');
    for (const job of jobs) {
      let cron;
      try {
        cron = new Cron(opts.cron!, () => trigger(job));
      } catch (err) {
        throw new UsageError(`--cron: "${opts.cron}" is not a cron expression: ${errorMessage(err)}`);
      }
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

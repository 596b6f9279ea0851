import type { Context } from './context.js';

export type Progress = { update(value: number, total?: number): void; stop(): void };

export type ProgressSpec = { label: string; total: number; unit: string };

const none: Progress = { update() {}, stop() {} };

/** A progress bar on stderr when a person is watching; nothing otherwise. */
async function createProgress(ctx: Context, spec: ProgressSpec): Promise<Progress> {
  if (!ctx.interactive || spec.total <= 0) return none;
  const { default: cliProgress } = await import('cli-progress');
  const bar = new cliProgress.SingleBar(
    {
      format: `${spec.label} [{bar}] {percentage}% | {value}/{total} ${spec.unit} | eta {eta_formatted}`,
      stream: process.stderr,
      hideCursor: true,
      clearOnComplete: true,
      etaBuffer: 50,
    },
    cliProgress.Presets.shades_classic,
  );
  bar.start(spec.total, 0);
  return {
    update(value, newTotal) {
      if (newTotal !== undefined) bar.setTotal(newTotal);
      bar.update(value);
    },
    stop: () => bar.stop(),
  };
}

/** `fn` with a progress bar, gone before anything else is printed, whatever happens. */
export async function withProgress<T>(ctx: Context, spec: ProgressSpec, fn: (progress: Progress) => Promise<T>): Promise<T> {
  const progress = await createProgress(ctx, spec);
  try {
    return await fn(progress);
  } finally {
    progress.stop();
  }
}

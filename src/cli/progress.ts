import type { Context } from './context.js';

export type Progress = { update(value: number, total?: number): void; stop(): void };

const none: Progress = { update() {}, stop() {} };

/** A progress bar on stderr when a person is watching; nothing otherwise. */
export async function createProgress(ctx: Context, label: string, total: number, unit: string): Promise<Progress> {
  if (!ctx.interactive || total <= 0) return none;
  const { default: cliProgress } = await import('cli-progress');
  const bar = new cliProgress.SingleBar(
    {
      format: `${label} [{bar}] {percentage}% | {value}/{total} ${unit} | eta {eta_formatted}`,
      stream: process.stderr,
      hideCursor: true,
      clearOnComplete: true,
      etaBuffer: 50,
    },
    cliProgress.Presets.shades_classic,
  );
  bar.start(total, 0);
  return {
    update(value, newTotal) {
      if (newTotal !== undefined) bar.setTotal(newTotal);
      bar.update(value);
    },
    stop: () => bar.stop(),
  };
}

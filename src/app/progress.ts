import type { Context } from './context.js';

export type Progress = { update(value: number, total?: number): void; stop(): void };

export type ProgressSpec = { label: string; total: number; unit: string };

const none: Progress = { update() {}, stop() {} };

// Redraws per second at most: the bar redraws on its own timer, never on an update, so a
// stage that reports thousands of batches a second costs the terminal nothing more.
const FPS = 10;

function formatRate(perSecond: number): string {
  if (!Number.isFinite(perSecond) || perSecond <= 0) return '–';
  return perSecond >= 100 ? Math.round(perSecond).toLocaleString('en-US') : perSecond.toFixed(1);
}

/** A progress bar on stderr when a person is watching, with its rate and ETA; nothing otherwise. */
async function createProgress(ctx: Context, spec: ProgressSpec): Promise<Progress> {
  if (!ctx.interactive || spec.total <= 0) return none;
  const { default: cliProgress } = await import('cli-progress');
  const bar = new cliProgress.SingleBar(
    {
      format: `${spec.label} [{bar}] {percentage}% | {value}/{total} ${spec.unit} | {rate} ${spec.unit}/s | eta {eta_formatted}`,
      stream: process.stderr,
      hideCursor: true,
      clearOnComplete: true,
      etaBuffer: 50,
      fps: FPS,
      synchronousUpdate: false,
    },
    cliProgress.Presets.shades_classic,
  );
  const started = performance.now();
  bar.start(spec.total, 0, { rate: formatRate(0) });
  return {
    update(value, newTotal) {
      if (newTotal !== undefined) bar.setTotal(newTotal);
      bar.update(value, { rate: formatRate(value / ((performance.now() - started) / 1000)) });
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

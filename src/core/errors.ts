/**
 * One error tree. `src/cli/main.ts` is the only place that turns these into a message and an
 * exit code; everything else throws.
 */
export class LlmopsError extends Error {
  readonly exitCode: number = 1;
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** Bad flag, bad config, bad input: exit 2, and nothing was written. */
export class UsageError extends LlmopsError {
  override readonly exitCode = 2;
}

/** Bad records in the input: exit 2 like a usage error, but carries every problem found. */
export class InputError extends UsageError {
  constructor(
    message: string,
    readonly problems: string[] = [],
  ) {
    super(message);
  }
}

/**
 * Our own output failed while being written (a full disk, `/dev/full`, EIO): exit 1. Every later
 * write would fail alike, so a command stops at the first rather than failing item by item.
 */
export class OutputError extends LlmopsError {}

/** Some items failed (and were reported), the rest were stored: exit 3. */
export class PartialFailure extends LlmopsError {
  override readonly exitCode = 3;
}

export function errorMessage(err: unknown): string {
  if (err instanceof Error) return err.message;
  return String(err);
}

/**
 * Stopped by Ctrl-C (SIGINT) or SIGTERM: exit 128 + the signal's number (130, 143), as a shell
 * reports a command the signal ended, so `set -e` and a CI step see that the work is not done.
 */
export class Interrupted extends LlmopsError {
  override readonly exitCode: number;
  constructor(message: string, signal?: unknown) {
    super(message);
    this.exitCode = interruptExitCode(signal);
  }
}

/** 143 for SIGTERM, else 130 (SIGINT, and an interrupt whose signal is not known). */
export function interruptExitCode(signal: unknown): number {
  return signal === 'SIGTERM' ? 143 : 130;
}

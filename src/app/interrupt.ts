import { interruptExitCode } from '../core/errors.js';
import type { Logger } from '../core/logger.js';

let controller: AbortController | undefined;

/**
 * Aborted on the first SIGINT/SIGTERM, so a stage finishes the batch at hand and stops; a
 * second one stops the process at once. One per process, however many contexts are built.
 * The signal's reason is the signal's name (`SIGINT`, `SIGTERM`): it picks the exit code.
 */
export function interruptSignal(logger: Logger): AbortSignal {
  if (controller) return controller.signal;
  const ctrl = new AbortController();
  controller = ctrl;
  const onSignal = (sig: NodeJS.Signals) => {
    if (ctrl.signal.aborted) process.exit(interruptExitCode(sig)); // a second Ctrl-C: stop now
    logger.warn(`\n${sig}: stopping after the batch at hand (model calls in flight are cancelled; the next run redoes them); again to stop now`);
    ctrl.abort(sig);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  return ctrl.signal;
}

import type { Logger } from '../../core/logger.js';
import type { Hook } from '../types.js';

const PREVIEW = 80;

function preview(text: string): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > PREVIEW ? `${flat.slice(0, PREVIEW - 1)}…` : flat;
}

/** A streamed call's time to first token, when it says more than the latency. */
function firstToken(r: { latencyMs: number; timeToFirstTokenMs?: number }): string {
  const t = r.timeToFirstTokenMs;
  return t === undefined || Math.round(t) >= Math.round(r.latencyMs) ? '' : ` (first token ${Math.round(t)} ms)`;
}

/**
 * Prompt preview, tokens and latency on stderr. With -v every call; otherwise only failed
 * calls (progress bars and summaries already tell the rest); nothing with -q.
 */
export function createLogHook(logger: Logger): Hook {
  return {
    name: 'log',
    before(call) {
      if (logger.verbosity !== 'verbose') return; // build nothing that would not be printed
      const last = call.request.messages.at(-1)?.content ?? '';
      logger.debug(`→ ${call.provider}/${call.model} trace=${call.traceId} "${call.redact(preview(last))}"`);
    },
    after(call) {
      // Ctrl-C in a chat, a client that left: the caller's choice, not a failure to warn about.
      if (call.error?.cancelled) {
        logger.debug(`⊘ ${call.provider}/${call.model} trace=${call.traceId}: ${call.error.message} (${call.partial?.text.length ?? 0} characters received)`);
        return;
      }
      if (call.error) {
        logger.warn(`✗ ${call.provider}/${call.model} trace=${call.traceId}: ${call.redact(call.error.message)}`);
        return;
      }
      if (logger.verbosity !== 'verbose') return;
      const r = call.result!;
      const repaired = call.repairedFrom !== undefined ? ' (repaired)' : '';
      logger.debug(
        `← ${call.provider}/${call.model} trace=${call.traceId} ${r.usage.inputTokens}+${r.usage.outputTokens} tokens ${Math.round(r.latencyMs)} ms${firstToken(r)} $${r.costUsd.toFixed(6)}${repaired} "${call.redact(preview(r.text))}"`,
      );
    },
  };
}

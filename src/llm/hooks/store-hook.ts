import type { CallLogRow, CallLogSink } from '../../store/call-log-types.js';
import type { Hook, LlmCall } from '../types.js';

function callLogRow(call: LlmCall): CallLogRow {
  const r = call.result;
  // A streamed call that failed or was cancelled keeps what it had received.
  const got = r ?? call.partial;
  const redact = call.redact;
  return {
    id: call.id,
    trace_id: call.traceId,
    provider: call.provider,
    model: call.model,
    task: call.request.tags?.task ?? null,
    system: call.request.system ? redact(call.request.system) : null,
    messages: call.request.messages.map((m) => ({ role: m.role, content: redact(m.content) })),
    parameters: call.parameters,
    response: got ? redact(got.text) : null,
    raw: r?.raw === undefined ? null : JSON.parse(redact(JSON.stringify(r.raw))),
    input_tokens: got?.usage.inputTokens ?? 0,
    output_tokens: got?.usage.outputTokens ?? 0,
    cost_usd: got?.costUsd ?? 0,
    latency_ms: got?.latencyMs ?? 0,
    time_to_first_token_ms: got?.timeToFirstTokenMs ?? null,
    finish_reason: r?.finishReason ?? null,
    status: call.error?.cancelled ? 'cancelled' : call.error ? 'error' : 'ok',
    error: call.error ? redact(call.error.message) : null,
    repaired_from: call.repairedFrom !== undefined ? redact(call.repairedFrom) : null,
    created_at: call.startedAt,
  };
}

/** Every call, successful or not, into the call log; results link to it by id. */
export function createStoreHook(sink: CallLogSink): Hook {
  return {
    name: 'store',
    async after(call) {
      await sink.write(callLogRow(call));
      call.stored = true;
    },
    async flush() {
      await sink.flush?.();
    },
    async shutdown() {
      await sink.flush?.();
      await sink.close?.();
    },
  };
}

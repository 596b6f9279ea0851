import type { z } from 'zod';

/**
 * The LLM layer's one request shape and one normalized result. Adapters translate these to and
 * from a provider SDK and know nothing of hooks, tasks or the CLI.
 */
export type ChatMessage = { role: 'user' | 'assistant'; content: string };

export type ChatRequest = {
  messages: ChatMessage[];
  system?: string;
  temperature?: number;
  maxTokens?: number;
  /** The schema the answer must satisfy (used by the guard hook and adapters that support JSON mode). */
  outputSchema?: z.ZodType;
  /** Name of the schema, for providers' structured-output options and the call log. */
  outputName?: string;
  /** One id from the command that made the call through hooks, stores and Langfuse. */
  traceId: string;
  /** Free-form labels carried to the call log and traces (task name, version, ...). */
  tags?: Record<string, string>;
  /** The task's structured input (e.g. {text}); lets a local model answer without parsing the prompt. */
  input?: Record<string, unknown>;
};

export type FinishReason = 'stop' | 'length' | 'error' | 'other';

export type Usage = { inputTokens: number; outputTokens: number };

export type ChatResult = {
  text: string;
  usage: Usage;
  finishReason: FinishReason;
  latencyMs: number;
  /**
   * Milliseconds from sending the request to the first text, measured like `latencyMs`. Set by
   * the client on every call: for a call that was not streamed it equals the latency (the text
   * arrives all at once); for a cache hit it is 0.
   */
  timeToFirstTokenMs?: number;
  /** USD, from the profile's prices; 0 for local models. */
  costUsd: number;
  /** The provider's own response, kept for the call log. */
  raw?: unknown;
};

/** What a streamed call had received when it failed or was cancelled. */
export type PartialResult = Pick<ChatResult, 'text' | 'usage' | 'latencyMs' | 'costUsd' | 'timeToFirstTokenMs'>;

/**
 * What a streaming adapter yields, normalized across providers: text deltas as they arrive,
 * then usage and the finish reason (each at most once, in any order, after the last delta).
 */
export type ModelStreamEvent =
  | { type: 'text'; text: string }
  | { type: 'usage'; usage: Usage }
  | { type: 'finish'; reason: FinishReason; raw?: unknown };

export interface ChatModel {
  readonly provider: string;
  readonly model: string;
  generate(req: ChatRequest, signal?: AbortSignal): Promise<Omit<ChatResult, 'costUsd'>>;
  /** Token by token; adapters without it are streamed as one delta once generate() answers. Aborting `signal` aborts the provider request. */
  stream?(req: ChatRequest, signal?: AbortSignal): AsyncIterable<ModelStreamEvent>;
}

/**
 * One call as the hooks see it. `result` is set for after-hooks when the call succeeded;
 * otherwise `error` is, and `partial` holds what a streamed call had received by then. A call
 * the caller cancelled (aborted, or stopped reading the stream) is an error with `cancelled`.
 */
export type LlmCall = {
  id: string;
  traceId: string;
  provider: string;
  model: string;
  request: ChatRequest;
  parameters: Record<string, unknown>;
  startedAt: string;
  result?: ChatResult;
  error?: { message: string; status?: number; retryable?: boolean; cancelled?: boolean };
  partial?: PartialResult;
  /** Set by hooks that change the answer (guard): what it was before. */
  repairedFrom?: string;
  /** Set by the store hook once the call is in the call log, so results can link to it. */
  stored?: boolean;
  /** Masks secrets in text that leaves the process (logs, records, traces). */
  redact: (text: string) => string;
};

export type Hook = {
  name: string;
  before?(call: LlmCall): Promise<void> | void;
  after?(call: LlmCall): Promise<void> | void;
  /** Write out what the hook buffers (the call log), so records that point at it can follow. */
  flush?(): Promise<void> | void;
  /** Flush buffered work before the process exits (Langfuse). */
  shutdown?(): Promise<void> | void;
};

import {
  contentText,
  estimateTokens,
  fakeId,
  splitTokens,
  startFakeServer,
  type FakeLlmServer,
  type FakeRequest,
  type JsonReply,
  type Reply,
  type SseEvent,
} from './fake-llm-server.js';

/**
 * A fake of the Anthropic Messages API (`POST /v1/messages`) strict enough that the official
 * SDK, given `baseURL: server.url`, behaves as against api.anthropic.com: the same auth,
 * version header, validation errors, error bodies, status codes and retry hints.
 *
 * `stream: true` answers with the API's named events: `message_start` (the message with empty
 * content and the input usage), `content_block_start`, a `ping`, one `content_block_delta`
 * (`text_delta`) per token, `content_block_stop`, `message_delta` (stop reason, usage) and
 * `message_stop`. Timing and faults: fake-llm-server.ts.
 *
 * API versions matter. @anthropic-ai/sdk 1.x sends `anthropic-version: 2026-10-21` and the key
 * as `Authorization: Bearer` (the API also takes `x-api-key`, and prefers it when both are
 * sent). Under 2026-10-21 `temperature`, `top_p` and `top_k` are rejected with a 400 even at
 * their defaults, as are document blocks in assistant turns and citations on user text
 * blocks; under 2023-06-01 the sampling parameters are accepted within their ranges.
 *
 * Consecutive turns with the same role are accepted, as the real API does (it merges them).
 */
export async function startFakeAnthropic(
  opts: { apiKey?: string; latencyMs?: number; record?: boolean; tokenDelayMs?: number; firstTokenDelayMs?: number } = {},
): Promise<FakeLlmServer> {
  const { apiKey = 'sk-ant-test-key', ...timing } = opts;
  return startFakeServer({ handle: (req) => handle(req, apiKey), errorReply }, timing);
}

const VERSIONS = new Set(['2023-01-01', '2023-06-01', '2026-10-21']);
const SAMPLING = ['temperature', 'top_p', 'top_k'];

// Top-level fields the Messages API knows; anything else is "Extra inputs are not permitted".
const KNOWN_FIELDS = new Set([
  'model', 'messages', 'max_tokens', 'system', 'stop_sequences', 'stream', 'metadata', 'tools', 'tool_choice',
  'thinking', 'service_tier', 'container', 'cache_control', 'diagnostics', 'inference_geo', 'output_config', 'speed',
  'output_format', 'mcp_servers', 'context_management',
]);

const ERROR_TYPES: Record<number, string> = {
  400: 'invalid_request_error',
  401: 'authentication_error',
  402: 'billing_error',
  403: 'permission_error',
  404: 'not_found_error',
  409: 'conflict_error',
  429: 'rate_limit_error',
  500: 'api_error',
  504: 'timeout_error',
  529: 'overloaded_error',
};

const ERROR_MESSAGES: Record<string, string> = {
  rate_limit_error: 'Number of request tokens has exceeded your per-minute rate limit',
  api_error: 'Internal server error',
  overloaded_error: 'Overloaded',
  timeout_error: 'Request timed out',
};

const errorType = (status: number) => ERROR_TYPES[status] ?? (status >= 500 ? 'api_error' : 'invalid_request_error');

function error(status: number, message: string, extraHeaders: Record<string, string> = {}): JsonReply {
  const requestId = fakeId('req_');
  return {
    status,
    headers: { 'request-id': requestId, ...extraHeaders },
    body: { type: 'error', error: { type: errorType(status), message }, request_id: requestId },
  };
}

function errorReply(status: number, retryAfterSeconds?: number): JsonReply {
  const type = errorType(status);
  const headers: Record<string, string> = retryAfterSeconds !== undefined ? { 'retry-after': String(retryAfterSeconds) } : {};
  return error(status, ERROR_MESSAGES[type] ?? type.replace(/_/g, ' '), headers);
}

async function handle(req: FakeRequest, apiKey: string): Promise<Reply> {
  if (req.path !== '/v1/messages') return error(404, `Not Found`);
  if (req.method !== 'POST') return error(405, `Method Not Allowed`);

  // x-api-key wins when both are sent, as on the real API.
  const bearer = /^Bearer (.+)$/.exec(String(req.headers.authorization ?? ''))?.[1];
  const key = req.headers['x-api-key'] ?? bearer;
  if (!key) return error(401, 'x-api-key header is required');
  if (key !== apiKey) return error(401, 'invalid x-api-key');

  const version = req.headers['anthropic-version'];
  if (!version) return error(400, 'anthropic-version: header is required');
  if (typeof version !== 'string' || !VERSIONS.has(version)) return error(400, `anthropic-version: invalid version ${version}`);

  if (req.jsonError || typeof req.json !== 'object' || req.json === null || Array.isArray(req.json)) {
    return error(400, 'There was an error parsing the body of your request. Ensure the body is valid JSON.');
  }
  const body = req.json as Record<string, any>;
  const problem = validate(body, version);
  if (problem) return error(400, problem);
  if (body.stream !== undefined && typeof body.stream !== 'boolean') return error(400, 'stream: Input should be a valid boolean');

  const system = typeof body.system === 'string' ? body.system : Array.isArray(body.system) ? contentText(body.system) : undefined;
  const messages = (body.messages as any[]).map((m) => ({ role: m.role as string, content: contentText(m.content) }));
  let text = await req.answer({ system, messages, model: body.model });

  // Output is cut at max_tokens, as the real model stops there and says so. max_tokens 0 only
  // warms the prompt cache: no content at all.
  let stopReason = 'end_turn';
  let stopSequence: string | null = null;
  for (const seq of (body.stop_sequences ?? []) as string[]) {
    const at = seq ? text.indexOf(seq) : -1;
    if (at >= 0 && (stopSequence === null || at < text.indexOf(stopSequence))) stopSequence = seq;
  }
  if (stopSequence !== null) {
    text = text.slice(0, text.indexOf(stopSequence));
    stopReason = 'stop_sequence';
  }
  if (body.max_tokens === 0) {
    text = '';
    stopReason = 'max_tokens';
  } else if (estimateTokens(text) > body.max_tokens) {
    text = text.slice(0, body.max_tokens * 4);
    stopReason = 'max_tokens';
  }
  const inputText = (system ?? '') + messages.map((m) => m.content).join('');
  const usage = {
    input_tokens: estimateTokens(inputText) + 3 * messages.length,
    output_tokens: body.max_tokens === 0 ? 0 : estimateTokens(text),
    cache_creation: null,
    cache_creation_input_tokens: 0,
    cache_read_input_tokens: 0,
    inference_geo: null,
    output_tokens_details: null,
    server_tool_use: null,
    service_tier: 'standard',
    speed: null,
  };
  const headers = { 'request-id': fakeId('req_'), 'anthropic-organization-id': '00000000-0000-0000-0000-000000000000' };
  const message = {
    id: fakeId('msg_'),
    type: 'message',
    role: 'assistant',
    model: body.model,
    content: body.max_tokens === 0 ? [] : [{ type: 'text', text, citations: null }],
    stop_reason: stopReason,
    stop_sequence: stopReason === 'stop_sequence' ? stopSequence : null,
    stop_details: null,
    container: null,
    diagnostics: null,
    usage,
  };
  if (body.stream === true) return { status: 200, headers, events: messageEvents(message, text) };
  return { status: 200, headers, body: message };
}

type Message = { content: unknown[]; stop_reason: string; stop_sequence: string | null; usage: { input_tokens: number; output_tokens: number } };

/** A message as the API streams it: named events, the text one token a delta. */
function messageEvents(message: Message, text: string): SseEvent[] {
  const ev = (event: string, data: Record<string, unknown>, token = false): SseEvent => ({ event, data: JSON.stringify({ type: event, ...data }), token });
  // message_start carries the message with no content yet, no stop reason and one output token.
  const start = { ...message, content: [], stop_reason: null, stop_sequence: null, usage: { ...message.usage, output_tokens: 1 } };
  const events = [ev('message_start', { message: start })];
  if (message.content.length > 0) {
    events.push(ev('content_block_start', { index: 0, content_block: { type: 'text', text: '' } }), ev('ping', {}));
    for (const token of splitTokens(text)) events.push(ev('content_block_delta', { index: 0, delta: { type: 'text_delta', text: token } }, true));
    events.push(ev('content_block_stop', { index: 0 }));
  } else events.push(ev('ping', {}));
  const { input_tokens, output_tokens } = message.usage;
  events.push(
    ev('message_delta', {
      delta: { stop_reason: message.stop_reason, stop_sequence: message.stop_sequence, stop_details: null, container: null },
      usage: { input_tokens, cache_creation_input_tokens: 0, cache_read_input_tokens: 0, output_tokens, output_tokens_details: null, server_tool_use: null },
    }),
    ev('message_stop', {}),
  );
  return events;
}

/** The first problem with a request body, in the API's own words, or undefined. */
function validate(body: Record<string, any>, version: string): string | undefined {
  const samplingAllowed = version !== '2026-10-21';
  for (const field of Object.keys(body)) {
    if (!KNOWN_FIELDS.has(field) && !(samplingAllowed && SAMPLING.includes(field))) return `${field}: Extra inputs are not permitted`;
  }

  if (body.model === undefined) return 'model: Field required';
  if (typeof body.model !== 'string' || body.model === '') return 'model: Input should be a valid string';

  if (body.max_tokens === undefined) return 'max_tokens: Field required';
  if (!Number.isInteger(body.max_tokens)) return 'max_tokens: Input should be a valid integer';
  if (body.max_tokens < 0) return 'max_tokens: Input should be greater than or equal to 0';

  if (body.temperature !== undefined) {
    if (typeof body.temperature !== 'number') return 'temperature: Input should be a valid number';
    if (body.temperature < 0 || body.temperature > 1) return 'temperature: range: 0..1';
  }
  if (body.top_p !== undefined && (typeof body.top_p !== 'number' || body.top_p < 0 || body.top_p > 1)) return 'top_p: range: 0..1';
  if (body.top_k !== undefined && (!Number.isInteger(body.top_k) || body.top_k < 0)) return 'top_k: Input should be greater than or equal to 0';
  if (body.stop_sequences !== undefined && !(Array.isArray(body.stop_sequences) && body.stop_sequences.every((s: unknown) => typeof s === 'string'))) {
    return 'stop_sequences: Input should be a valid list of strings';
  }

  if (body.system !== undefined) {
    if (Array.isArray(body.system)) {
      const bad = body.system.findIndex((b: any) => !b || b.type !== 'text' || typeof b.text !== 'string');
      if (bad >= 0) return `system.${bad}: Input should be a valid text block`;
    } else if (typeof body.system !== 'string') return 'system: Input should be a valid string or list of text blocks';
  }

  if (body.messages === undefined) return 'messages: Field required';
  if (!Array.isArray(body.messages)) return 'messages: Input should be a valid list';
  if (body.messages.length === 0) return 'messages: at least one message is required';
  for (let i = 0; i < body.messages.length; i++) {
    const m = body.messages[i];
    if (!m || typeof m !== 'object') return `messages.${i}: Input should be a valid dictionary`;
    if (m.role === 'system') {
      return 'messages: Unexpected role "system". The Messages API accepts a top-level `system` parameter, not "system" as an input message role.';
    }
    if (m.role !== 'user' && m.role !== 'assistant') return `messages.${i}.role: Input should be 'user' or 'assistant'`;
    if (m.content === undefined) return `messages.${i}.content: Field required`;
    if (Array.isArray(m.content)) {
      const bad = m.content.findIndex((b: any) => !b || typeof b.type !== 'string');
      if (bad >= 0) return `messages.${i}.content.${bad}: Input should be a valid content block`;
      const badText = m.content.findIndex((b: any) => b.type === 'text' && typeof b.text !== 'string');
      if (badText >= 0) return `messages.${i}.content.${badText}.text: Field required`;
      if (version === '2026-10-21') {
        const doc = m.content.findIndex((b: any) => b.type === 'document');
        if (m.role === 'assistant' && doc >= 0) return `messages.${i}.content.${doc}: document blocks are not accepted in assistant messages; send documents in a user message`;
        const cited = m.content.findIndex((b: any) => b.type === 'text' && Array.isArray(b.citations) && b.citations.length > 0);
        if (m.role === 'user' && cited >= 0) return `messages.${i}.content.${cited}.citations: citations are not accepted on text blocks in user messages`;
      }
    } else if (typeof m.content !== 'string') {
      return `messages.${i}.content: Input should be a valid string or list of content blocks`;
    }
    const isFinalAssistant = i === body.messages.length - 1 && m.role === 'assistant';
    const empty = typeof m.content === 'string' ? m.content === '' : m.content.length === 0;
    if (empty && !isFinalAssistant) return 'messages: all messages must have non-empty content except for the optional final assistant message';
  }
  return undefined;
}

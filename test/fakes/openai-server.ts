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
 * A fake of the OpenAI Chat Completions API (`POST /v1/chat/completions` and `GET /v1/models`):
 * Bearer auth, validation errors in OpenAI's own body format, rate limits with `retry-after`,
 * 5xx. `url` includes `/v1`, as the openai SDK's baseURL must.
 *
 * `stream: true` answers as the API does: `data: {chat.completion.chunk}` events (a first one
 * with the role, one per token, one with the finish reason), with `stream_options:
 * {include_usage: true}` `usage: null` on each and a last chunk with empty `choices` and the
 * usage, then `data: [DONE]`. Timing and faults: fake-llm-server.ts.
 *
 * `requireKey: false` makes it behave like Ollama's OpenAI-compatible endpoint: any or no key
 * is accepted, unknown request fields are ignored, JSON mode does not require the word "json"
 * in the prompt (OpenAI's rule, which Ollama does not have), and streamed chunks carry the role
 * in every delta, with no role-only first chunk.
 */
export async function startFakeOpenAI(
  opts: { apiKey?: string; latencyMs?: number; requireKey?: boolean; record?: boolean; tokenDelayMs?: number; firstTokenDelayMs?: number } = {},
): Promise<FakeLlmServer> {
  const apiKey = opts.apiKey ?? 'sk-test-openai-key';
  const strict = opts.requireKey !== false;
  const { latencyMs, record, tokenDelayMs, firstTokenDelayMs } = opts;
  return startFakeServer({ handle: (req) => handle(req, apiKey, strict), errorReply }, { latencyMs, record, tokenDelayMs, firstTokenDelayMs, urlSuffix: '/v1' });
}

const KNOWN_FIELDS = new Set([
  'model', 'messages', 'frequency_penalty', 'logit_bias', 'logprobs', 'top_logprobs', 'max_tokens', 'max_completion_tokens',
  'n', 'presence_penalty', 'response_format', 'seed', 'service_tier', 'stop', 'stream', 'stream_options', 'temperature',
  'top_p', 'tools', 'tool_choice', 'parallel_tool_calls', 'user', 'function_call', 'functions', 'store', 'metadata',
  'modalities', 'audio', 'prediction', 'reasoning_effort', 'web_search_options', 'verbosity', 'prompt_cache_key',
  'safety_identifier', 'prompt_cache_retention',
]);
const ROLES = new Set(['system', 'developer', 'user', 'assistant']);
const MODELS = ['gpt-4o-mini', 'gpt-4o', 'gpt-4.1-mini', 'text-embedding-3-small'];

function error(status: number, message: string, type: string, param: string | null = null, code: string | null = null, headers: Record<string, string> = {}): JsonReply {
  return { status, headers: { 'x-request-id': fakeId('req_'), ...headers }, body: { error: { message, type, param, code } } };
}

const invalid = (message: string, param: string | null = null, code: string | null = null) =>
  error(400, message, 'invalid_request_error', param, code);

function errorReply(status: number, retryAfterSeconds?: number): JsonReply {
  const headers: Record<string, string> = retryAfterSeconds !== undefined ? { 'retry-after': String(retryAfterSeconds) } : {};
  if (status === 429) {
    return error(429, 'Rate limit reached for requests per min (RPM): Limit 3, Used 3, Requested 1.', 'requests', null, 'rate_limit_exceeded', headers);
  }
  if (status === 503) return error(503, 'The server is overloaded or not ready yet.', 'server_error', null, null, headers);
  if (status >= 500) return error(status, 'The server had an error while processing your request. Sorry about that!', 'server_error', null, null, headers);
  return error(status, `Request failed with status ${status}`, 'invalid_request_error', null, null, headers);
}

async function handle(req: FakeRequest, apiKey: string, strict: boolean): Promise<Reply> {
  const route = `${req.method} ${req.path}`;
  if (route !== 'POST /v1/chat/completions' && route !== 'GET /v1/models') return invalidUrl(req, 404);

  if (strict) {
    const auth = req.headers.authorization;
    if (!auth) {
      return error(401, "You didn't provide an API key. You need to provide your API key in an Authorization header using Bearer auth (i.e. Authorization: Bearer YOUR_KEY).", 'invalid_request_error');
    }
    // The real message quotes a masked key; a fake has no reason to echo a secret at all.
    if (auth !== `Bearer ${apiKey}`) return error(401, 'Incorrect API key provided. You can find your API key at https://platform.openai.com/account/api-keys.', 'invalid_request_error', null, 'invalid_api_key');
  }

  if (route === 'GET /v1/models') {
    return { status: 200, headers: { 'x-request-id': fakeId('req_') }, body: { object: 'list', data: MODELS.map((id) => ({ id, object: 'model', created: 1_700_000_000, owned_by: 'system' })) } };
  }

  if (req.jsonError || typeof req.json !== 'object' || req.json === null || Array.isArray(req.json)) {
    return invalid("We could not parse the JSON body of your request. (HINT: This likely means you aren't using your HTTP library correctly. The OpenAI API expects a JSON payload, but what was sent was not valid JSON.)");
  }
  const body = req.json as Record<string, any>;
  const problem = validate(body, strict);
  if (problem) return problem;

  const messages = (body.messages as any[]).map((m) => ({ role: m.role as string, content: contentText(m.content) }));
  const system = messages.filter((m) => m.role === 'system' || m.role === 'developer').map((m) => m.content).join('\n') || undefined;
  const chat = messages.filter((m) => m.role === 'user' || m.role === 'assistant');
  let text = await req.answer({ system, messages: chat, model: body.model });

  const limit: number | undefined = body.max_completion_tokens ?? body.max_tokens;
  let finishReason = 'stop';
  if (limit !== undefined && estimateTokens(text) > limit) {
    text = text.slice(0, limit * 4);
    finishReason = 'length';
  }
  const n: number = body.n ?? 1;
  const promptTokens = estimateTokens(messages.map((m) => m.content).join('')) + 4 * messages.length;
  const completionTokens = estimateTokens(text) * n;
  const usage = {
    prompt_tokens: promptTokens,
    completion_tokens: completionTokens,
    total_tokens: promptTokens + completionTokens,
    prompt_tokens_details: { cached_tokens: 0, audio_tokens: 0 },
    completion_tokens_details: { reasoning_tokens: 0, audio_tokens: 0, accepted_prediction_tokens: 0, rejected_prediction_tokens: 0 },
  };
  const headers = { 'x-request-id': fakeId('req_'), 'openai-processing-ms': '1', 'openai-version': '2020-10-01' };
  const head = { id: fakeId('chatcmpl-'), created: Math.floor(Date.now() / 1000), model: body.model as string, service_tier: 'default', system_fingerprint: strict ? 'fp_fake' : 'fp_ollama' };
  if (body.stream === true) {
    const events = chunkEvents({ head, n, text, finishReason, usage: body.stream_options?.include_usage === true ? usage : undefined, ollama: !strict });
    return { status: 200, headers, events };
  }
  return {
    status: 200,
    headers,
    body: {
      ...head,
      object: 'chat.completion',
      choices: Array.from({ length: n }, (_, index) => ({
        index,
        message: { role: 'assistant', content: text, refusal: null, annotations: [] },
        logprobs: null,
        finish_reason: finishReason,
      })),
      usage,
    },
  };
}

type ChunkPlan = { head: Record<string, unknown>; n: number; text: string; finishReason: string; usage?: Record<string, unknown>; ollama: boolean };

/** A streamed answer as `chat.completion.chunk` events, each choice's deltas in turn per token. */
function chunkEvents(p: ChunkPlan): SseEvent[] {
  // With include_usage every chunk says `usage: null` until the last one carries it.
  const tail = p.usage ? { usage: null } : {};
  const chunk = (index: number, delta: Record<string, unknown>, finish: string | null, token = false): SseEvent => ({
    data: JSON.stringify({ ...p.head, object: 'chat.completion.chunk', choices: [{ index, delta, logprobs: null, finish_reason: finish }], ...tail }),
    token,
  });
  const choices = Array.from({ length: p.n }, (_, i) => i);
  const role = p.ollama ? { role: 'assistant' } : {};
  const events: SseEvent[] = [];
  if (!p.ollama) for (const i of choices) events.push(chunk(i, { role: 'assistant', content: '', refusal: null }, null));
  for (const token of splitTokens(p.text)) for (const i of choices) events.push(chunk(i, { ...role, content: token }, null, true));
  for (const i of choices) events.push(chunk(i, p.ollama ? { role: 'assistant', content: '' } : {}, p.finishReason));
  if (p.usage) events.push({ data: JSON.stringify({ ...p.head, object: 'chat.completion.chunk', choices: [], usage: p.usage }) });
  events.push({ data: '[DONE]' });
  return events;
}

function invalidUrl(req: FakeRequest, status: number): JsonReply {
  return error(status, `Invalid URL (${req.method} ${req.path})`, 'invalid_request_error');
}

function numberInRange(body: Record<string, any>, name: string, min: number, max: number, integer = false): JsonReply | undefined {
  const v = body[name];
  if (v === undefined || v === null) return undefined;
  const kind = integer ? 'integer' : 'decimal';
  if (typeof v !== 'number' || (integer && !Number.isInteger(v))) {
    return invalid(`Invalid type for '${name}': expected ${integer ? 'an integer' : 'a decimal'}, but got ${typeof v} instead.`, name, `invalid_type`);
  }
  if (v < min) return invalid(`Invalid '${name}': ${kind} below minimum value. Expected a value >= ${min}, but got ${v} instead.`, name, `${kind}_below_min_value`);
  if (v > max) return invalid(`Invalid '${name}': ${kind} above maximum value. Expected a value <= ${max}, but got ${v} instead.`, name, `${kind}_above_max_value`);
  return undefined;
}

/** The first problem with a request body as OpenAI reports it, or undefined. */
function validate(body: Record<string, any>, strict: boolean): JsonReply | undefined {
  if (strict) {
    const unknown = Object.keys(body).find((k) => !KNOWN_FIELDS.has(k));
    if (unknown) return invalid(`Unrecognized request argument supplied: ${unknown}`);
  }
  if (body.model === undefined) return invalid('you must provide a model parameter');
  if (typeof body.model !== 'string' || body.model === '') return invalid(`Invalid type for 'model': expected a string.`, 'model', 'invalid_type');
  if (body.messages === undefined) return invalid("Missing required parameter: 'messages'.", 'messages', 'missing_required_parameter');
  if (!Array.isArray(body.messages)) return invalid(`Invalid type for 'messages': expected an array of objects.`, 'messages', 'invalid_type');
  if (body.messages.length === 0) {
    return invalid("Invalid 'messages': empty array. Expected an array with minimum length 1, but got an empty array instead.", 'messages', 'empty_array');
  }
  for (let i = 0; i < body.messages.length; i++) {
    const m = body.messages[i];
    if (!m || typeof m !== 'object') return invalid(`Invalid type for 'messages[${i}]': expected an object.`, `messages[${i}]`, 'invalid_type');
    if (m.role === undefined) return invalid(`Missing required parameter: 'messages[${i}].role'.`, `messages[${i}].role`, 'missing_required_parameter');
    if (!ROLES.has(m.role)) {
      return invalid(`Invalid value: '${m.role}'. Supported values are: 'system', 'assistant', 'user', 'function', 'tool', and 'developer'.`, `messages[${i}].role`, 'invalid_value');
    }
    const assistantWithTools = m.role === 'assistant' && Array.isArray(m.tool_calls);
    if (m.content === undefined || (m.content === null && !assistantWithTools)) {
      return invalid(`Missing required parameter: 'messages[${i}].content'.`, `messages[${i}].content`, 'missing_required_parameter');
    }
    if (m.content !== null && typeof m.content !== 'string' && !Array.isArray(m.content)) {
      return invalid(`Invalid type for 'messages[${i}].content': expected one of a string or array of objects.`, `messages[${i}].content`, 'invalid_type');
    }
  }
  for (const [name, min, max, integer] of [
    ['temperature', 0, 2, false],
    ['top_p', 0, 1, false],
    ['presence_penalty', -2, 2, false],
    ['frequency_penalty', -2, 2, false],
    ['max_tokens', 1, 1_000_000, true],
    ['max_completion_tokens', 1, 1_000_000, true],
    ['n', 1, 128, true],
  ] as const) {
    const problem = numberInRange(body, name, min, max, integer);
    if (problem) return problem;
  }
  if (body.stream !== undefined && body.stream !== null && typeof body.stream !== 'boolean') {
    return invalid(`Invalid type for 'stream': expected a boolean, but got ${typeof body.stream} instead.`, 'stream', 'invalid_type');
  }
  if (body.stream_options !== undefined && body.stream_options !== null && body.stream !== true) {
    return invalid("The 'stream_options' parameter is only allowed when 'stream' is enabled.", 'stream_options');
  }

  const rf = body.response_format;
  if (rf !== undefined && rf !== null) {
    if (typeof rf !== 'object' || !['text', 'json_object', 'json_schema'].includes(rf.type)) {
      return invalid(`Invalid value: '${rf?.type}'. Supported values are: 'json_object', 'json_schema', and 'text'.`, 'response_format.type', 'invalid_value');
    }
    if (rf.type === 'json_schema') {
      if (!rf.json_schema || typeof rf.json_schema !== 'object') {
        return invalid("Missing required parameter: 'response_format.json_schema'.", 'response_format.json_schema', 'missing_required_parameter');
      }
      if (typeof rf.json_schema.name !== 'string' || !/^[a-zA-Z0-9_-]{1,64}$/.test(rf.json_schema.name)) {
        return invalid("Missing required parameter: 'response_format.json_schema.name'.", 'response_format.json_schema.name', 'missing_required_parameter');
      }
    }
    if (rf.type === 'json_object' && strict) {
      const all = body.messages.map((m: any) => contentText(m.content)).join(' ');
      if (!/json/i.test(all)) {
        return invalid("'messages' must contain the word 'json' in some form, to use 'response_format' of type 'json_object'.", 'messages');
      }
    }
  }
  return undefined;
}

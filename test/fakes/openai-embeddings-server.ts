import { fakeId, startFakeServer, type FakeLlmServer, type FakeRequest, type JsonReply } from './fake-llm-server.js';

/**
 * A fake of OpenAI's embeddings API (`POST /v1/embeddings`): Bearer auth, `input` as a string
 * or an array of strings (or token arrays), `encoding_format` float or base64 (the SDK's
 * default), `dimensions` only for text-embedding-3 models, the 8,192-token and 2,048-input
 * limits, and errors in OpenAI's own body format. Vectors are deterministic: each word adds a
 * fixed direction, so texts that share words are close (enough to test ranking).
 */
const MODELS: Record<string, { dim: number; shortenable: boolean }> = {
  'text-embedding-3-small': { dim: 1536, shortenable: true },
  'text-embedding-3-large': { dim: 3072, shortenable: true },
  'text-embedding-ada-002': { dim: 1536, shortenable: false },
};

function error(status: number, message: string, type: string, param: string | null = null, code: string | null = null, headers: Record<string, string> = {}): JsonReply {
  return { status, headers: { 'x-request-id': fakeId('req_'), ...headers }, body: { error: { message, type, param, code } } };
}

function errorReply(status: number, retryAfterSeconds?: number): JsonReply {
  const headers: Record<string, string> = retryAfterSeconds !== undefined ? { 'retry-after': String(retryAfterSeconds) } : {};
  if (status === 429) return error(429, 'Rate limit reached for text-embedding-3-small on requests per min (RPM): Limit 3, Used 3, Requested 1.', 'requests', null, 'rate_limit_exceeded', headers);
  return error(status, 'The server had an error while processing your request. Sorry about that!', 'server_error', null, null, headers);
}

function wordVector(text: string, dim: number): Float32Array {
  const v = new Float32Array(dim);
  for (const w of text.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? []) {
    let h = 2166136261;
    for (let i = 0; i < w.length; i++) h = Math.imul(h ^ w.charCodeAt(i), 16777619);
    for (let k = 0; k < 4; k++) {
      h = Math.imul(h ^ (h >>> 13), 0x5bd1e995);
      v[(h >>> 0) % dim]! += k % 2 === 0 ? 1 : -1;
    }
  }
  const n = Math.hypot(...v) || 1;
  return v.map((x) => x / n);
}

function handle(req: FakeRequest, apiKey: string): JsonReply {
  if (`${req.method} ${req.path}` !== 'POST /v1/embeddings') return error(404, `Invalid URL (${req.method} ${req.path})`, 'invalid_request_error');
  const auth = req.headers.authorization;
  if (!auth) return error(401, "You didn't provide an API key. You need to provide your API key in an Authorization header using Bearer auth (i.e. Authorization: Bearer YOUR_KEY).", 'invalid_request_error');
  if (auth !== `Bearer ${apiKey}`) return error(401, 'Incorrect API key provided. You can find your API key at https://platform.openai.com/account/api-keys.', 'invalid_request_error', null, 'invalid_api_key');
  const body = req.json as Record<string, any> | undefined;
  if (!body || typeof body !== 'object' || Array.isArray(body)) return error(400, 'We could not parse the JSON body of your request.', 'invalid_request_error');
  if (typeof body.model !== 'string') return error(400, "you must provide a model parameter", 'invalid_request_error');
  const model = MODELS[body.model];
  if (!model) return error(404, `The model \`${body.model}\` does not exist or you do not have access to it.`, 'invalid_request_error', null, 'model_not_found');
  const raw = body.input;
  const inputs: (string | number[])[] = typeof raw === 'string' ? [raw] : Array.isArray(raw) && raw.length > 0 && raw.every((x) => typeof x === 'number') ? [raw as number[]] : raw;
  if (!Array.isArray(inputs) || inputs.length === 0 || inputs.some((x) => (typeof x !== 'string' && !Array.isArray(x)) || x.length === 0)) {
    return error(400, "'$.input' is invalid. Please check the API reference: https://platform.openai.com/docs/api-reference.", 'invalid_request_error');
  }
  if (inputs.length > 2048) return error(400, `'$.input' is invalid: array too long (${inputs.length} > 2048).`, 'invalid_request_error', 'input');
  const format = body.encoding_format ?? 'float';
  if (format !== 'float' && format !== 'base64') return error(400, `'${format}' is not one of ['float', 'base64'] - 'encoding_format'`, 'invalid_request_error', 'encoding_format');
  let dim = model.dim;
  if (body.dimensions !== undefined) {
    if (!model.shortenable) return error(400, 'This model does not support specifying dimensions.', 'invalid_request_error', 'dimensions');
    if (!Number.isInteger(body.dimensions) || body.dimensions < 1 || body.dimensions > model.dim) return error(400, `Invalid 'dimensions': ${body.dimensions}`, 'invalid_request_error', 'dimensions');
    dim = body.dimensions;
  }
  let tokens = 0;
  const data = [];
  for (let i = 0; i < inputs.length; i++) {
    const x = inputs[i]!;
    const text = typeof x === 'string' ? x : x.join(' ');
    const n = typeof x === 'string' ? Math.max(1, Math.ceil(text.length / 4)) : x.length;
    if (n > 8192) {
      return error(400, `This model's maximum context length is 8192 tokens, however you requested ${n} tokens (${n} in your prompt; 0 for the completion). Please reduce your prompt; or completion length.`, 'invalid_request_error', null, null);
    }
    tokens += n;
    const v = wordVector(text, dim);
    data.push({ object: 'embedding', index: i, embedding: format === 'base64' ? Buffer.from(v.buffer).toString('base64') : Array.from(v) });
  }
  return { status: 200, headers: { 'x-request-id': fakeId('req_'), 'openai-processing-ms': '1' }, body: { object: 'list', data, model: body.model, usage: { prompt_tokens: tokens, total_tokens: tokens } } };
}

export async function startFakeOpenAIEmbeddings(opts: { apiKey?: string } = {}): Promise<FakeLlmServer> {
  const apiKey = opts.apiKey ?? 'sk-test-openai-key';
  return startFakeServer({ handle: (req) => handle(req, apiKey), errorReply }, { urlSuffix: '/v1' });
}

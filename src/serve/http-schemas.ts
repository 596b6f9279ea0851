/**
 * JSON schemas of the API (/work/briefs/api.md): Fastify validates requests and serializes
 * responses with them, and @fastify/swagger turns them into /openapi.json, so the document
 * cannot drift from what the server does. Responses allow extra fields: a field added to an
 * answer or a search hit reaches clients without a change here.
 */

const str = { type: 'string' } as const;
const nullableStr = { type: ['string', 'null'] } as const;
const int = { type: 'integer' } as const;

const errorSchema = {
  $id: 'Error',
  type: 'object',
  description: 'Every failure: one line saying what went wrong',
  properties: { error: str },
  required: ['error'],
} as const;

const sessionSchema = {
  $id: 'ChatSession',
  type: 'object',
  properties: { id: str, user: str, title: nullableStr, created_at: str, updated_at: str, message_count: int },
  required: ['id', 'user', 'title', 'created_at', 'updated_at', 'message_count'],
} as const;

const citationSchema = {
  $id: 'Citation',
  type: 'object',
  additionalProperties: true,
  properties: {
    n: int,
    title: nullableStr,
    link: nullableStr,
    document_id: str,
    chunk_id: str,
    chunk_index: int,
    collection: str,
    score: { type: 'number' },
    snippet: str,
  },
  required: ['n', 'document_id', 'chunk_id'],
} as const;

const messageSchema = {
  $id: 'ChatMessage',
  type: 'object',
  properties: {
    seq: int,
    role: { type: 'string', enum: ['user', 'assistant'] },
    content: str,
    citations: { type: 'array', items: { $ref: 'Citation#' } },
    trace_id: str,
    created_at: str,
  },
  required: ['seq', 'role', 'content', 'created_at'],
} as const;

const answerSchema = {
  $id: 'Answer',
  type: 'object',
  additionalProperties: true,
  properties: {
    question: str,
    answer: str,
    citations: { type: 'array', items: { $ref: 'Citation#' } },
    mode: { type: 'string', enum: ['generated', 'extractive'] },
    provider: str,
    model: str,
    usage: { type: 'object', properties: { input_tokens: int, output_tokens: int }, required: ['input_tokens', 'output_tokens'] },
    cost_usd: { type: 'number' },
    trace_id: str,
    call_id: nullableStr,
    finish_reason: str,
  },
  required: ['answer', 'citations', 'provider', 'model', 'usage', 'cost_usd'],
} as const;

const searchResultSchema = {
  $id: 'SearchResult',
  type: 'object',
  description: 'A hit as `llmops inspect search --json` prints it',
  additionalProperties: true,
  properties: {
    rank: int,
    score: { type: 'number' },
    title: nullableStr,
    link: nullableStr,
    document_id: str,
    id: str,
    chunk_index: int,
    snippet: str,
    text: str,
  },
  required: ['rank', 'score', 'document_id', 'id', 'text'],
} as const;

export const SHARED_SCHEMAS = [errorSchema, sessionSchema, citationSchema, messageSchema, answerSchema, searchResultSchema];

/** A reference to one of SHARED_SCHEMAS by its $id. */
export const ref = (id: string) => ({ $ref: `${id}#` });

/** The error answers a route may give, by status. */
export function errorResponses(...statuses: number[]): Record<number, unknown> {
  return Object.fromEntries(statuses.map((s) => [s, ref('Error')]));
}

export const sessionIdParams = {
  type: 'object',
  properties: { id: { type: 'string', minLength: 1, maxLength: 100 } },
  required: ['id'],
} as const;

export const tokenBody = {
  type: 'object',
  additionalProperties: false,
  properties: { username: { type: 'string', minLength: 1, maxLength: 200 }, password: { type: 'string', minLength: 1, maxLength: 1024 } },
  required: ['username', 'password'],
} as const;

export const newSessionBody = {
  type: 'object',
  additionalProperties: false,
  properties: { title: { type: 'string', maxLength: 200 } },
} as const;

export const chatBody = {
  type: 'object',
  additionalProperties: false,
  properties: {
    question: { type: 'string', minLength: 1, maxLength: 8000 },
    session_id: { type: 'string', minLength: 1, maxLength: 100 },
    collections: { type: 'array', items: { type: 'string', minLength: 1, maxLength: 200 }, minItems: 1, maxItems: 50 },
    k: { type: 'integer', minimum: 1, maximum: 50 },
  },
  required: ['question'],
} as const;

export const searchBody = {
  type: 'object',
  additionalProperties: false,
  properties: {
    query: { type: 'string', minLength: 1, maxLength: 2000 },
    collection: { type: 'string', minLength: 1, maxLength: 200 },
    k: { type: 'integer', minimum: 1, maximum: 100, default: 10 },
    mode: { type: 'string', enum: ['vector', 'lexical', 'hybrid'], default: 'hybrid' },
  },
  required: ['query'],
} as const;

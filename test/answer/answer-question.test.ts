import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { answerQuestion } from '../../src/answer/answer-question.js';
import { countTokens } from '../../src/answer/token-count.js';
import { Logger } from '../../src/core/logger.js';
import { createOpenAIModel } from '../../src/llm/adapters/openai-model.js';
import { createLlmClient, type LlmClient } from '../../src/llm/client.js';
import type { ChatMessage, Hook, LlmCall } from '../../src/llm/types.js';
import { startFakeOpenAI } from '../fakes/openai-server.js';
import type { FakeLlmServer } from '../fakes/fake-llm-server.js';
import { prose, source } from './sources.js';

const KEY = 'sk-answer-test-0123456789';
const sources = [
  source(1, 'The Eddystone lighthouse stands fourteen kilometres off Plymouth. It was first lit in 1698.', { title: 'The Eddystone Lighthouse' }),
  source(2, 'Harbour pilots board arriving ships outside the breakwater.', { title: 'Harbour Pilots' }),
];
const history: ChatMessage[] = [1, 2, 3, 4].flatMap((i) => [
  { role: 'user' as const, content: `Earlier question ${i}: ${prose(40, `q${i}`)}` },
  { role: 'assistant' as const, content: `Earlier answer ${i}: ${prose(80, `a${i}`)}` },
]);

describe('answerQuestion with a model (the fake OpenAI API, streamed through the openai SDK)', () => {
  let fake: FakeLlmServer;
  let client: LlmClient;
  const seen: LlmCall[] = [];
  beforeAll(async () => {
    fake = await startFakeOpenAI({ apiKey: KEY });
    // A hook of the user's kind: it sees each whole call, as the call log and Langfuse do.
    const recorder: Hook = { name: 'recorder', after: (call) => void seen.push(call) };
    const model = await createOpenAIModel({ provider: 'openai', model: 'gpt-4o-mini', apiKey: KEY, baseURL: fake.url, maxRetries: 0 });
    client = createLlmClient({ model, hooks: { before: [], after: [recorder] }, parameters: {}, logger: new Logger('quiet'), redact: (s) => s });
  });
  afterAll(async () => fake?.close());

  it('streams the answer in pieces, cites by number, and tags the call with task ask and the session', async () => {
    fake.setResponder(({ messages }) => {
      const n = /^\[(\d+)\] The Eddystone Lighthouse/m.exec(messages.at(-1)!.content)![1];
      return `It was first lit in 1698 [${n}]. Pilots are another matter [7].`;
    });
    const pieces: string[] = [];
    const budget = 700;
    const a = await answerQuestion({ question: 'When was it first lit?', sources, history, client, budgetTokens: budget, traceId: 'trace-1', sessionId: 'session-9', onText: (t) => pieces.push(t) });

    expect(pieces.length).toBeGreaterThan(1);
    expect(pieces.join('')).toBe(a.answer);
    expect(a).toMatchObject({ mode: 'generated', provider: 'openai', model: 'gpt-4o-mini', trace_id: 'trace-1', finish_reason: 'stop' });
    expect(a.citations).toEqual([expect.objectContaining({ n: 1, title: 'The Eddystone Lighthouse', document_id: 'doc-1', chunk_id: 'chunk-1' })]);

    const call = seen.at(-1)!;
    expect(call.traceId).toBe('trace-1');
    expect(call.request.tags).toEqual({ task: 'ask', session_id: 'session-9' });
    // The newest turns that fit, whole, then the question with both sources; within the budget.
    const sent = call.request.messages;
    expect(sent.length).toBeLessThan(history.length + 1);
    expect(sent.length).toBeGreaterThanOrEqual(3);
    expect(sent.length % 2).toBe(1);
    expect(sent.slice(0, -1)).toEqual(history.slice(history.length - (sent.length - 1)));
    expect(sent.at(-1)!.content).toMatch(/^Sources:\n\n\[1\] The Eddystone Lighthouse[\s\S]*\[2\] Harbour Pilots[\s\S]*Question: When was it first lit\?$/);
    const tokens = countTokens(call.request.system!) + 4 + sent.reduce((s, m) => s + countTokens(m.content) + 4, 0);
    expect(tokens).toBeLessThanOrEqual(budget);
    // What went over the wire: the system prompt first, asking for numbered citations.
    const body = fake.requests.at(-1)!.body;
    expect(body.stream).toBe(true);
    expect(body.messages[0]).toMatchObject({ role: 'system' });
    expect(body.messages[0].content).toContain('[1]');
  });

  it('without a session, the call carries the task only', async () => {
    fake.setResponder(() => "I don't know.");
    const a = await answerQuestion({ question: 'Who built it?', sources, client, budgetTokens: 2000, traceId: 'trace-2' });
    expect(a.citations).toEqual([]);
    expect(seen.at(-1)!.request.tags).toEqual({ task: 'ask' });
  });
});

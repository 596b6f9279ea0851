import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A hostile API server for redaction tests: it answers every request with `status` and an
 * error body, in OpenAI's and Anthropic's error shape, that quotes the credentials it received
 * (Authorization, x-api-key) in full — as a misconfigured gateway or a debug proxy might. With
 * status 200 it answers instead, in the wire format of the endpoint asked (chat completions or
 * messages), a sentiment whose text quotes them: a model told its own key, or a gateway that
 * leaks it into the answer; a chat completion asked with `stream: true` comes as OpenAI's
 * Server-Sent Events, the key split across two deltas.
 */
export type EchoKeyServer = { url: string; requests: number; close(): Promise<void> };

export async function startEchoKeyServer(status = 401): Promise<EchoKeyServer> {
  const state = { url: '', requests: 0, close: async () => {} };
  const server: Server = createServer((req, res) => {
    state.requests++;
    const body: Buffer[] = [];
    req.on('data', (c: Buffer) => body.push(c));
    req.on('end', () => {
      const auth = String(req.headers.authorization ?? '');
      const key = String(req.headers['x-api-key'] ?? auth.replace(/^Bearer /, ''));
      const message = `Incorrect API key provided: ${key}. You sent Authorization: ${auth}`;
      if (status === 200 && !(req.url ?? '').endsWith('/messages') && /"stream"\s*:\s*true/.test(Buffer.concat(body).toString())) {
        res.writeHead(200, { 'content-type': 'text/event-stream', 'x-request-id': 'req_echo' });
        const half = Math.floor(key.length / 2);
        for (const delta of ['The key you sent is ', key.slice(0, half), `${key.slice(half)} [1].`]) {
          res.write(`data: ${JSON.stringify({ id: 'chatcmpl-echo', object: 'chat.completion.chunk', created: 0, model: 'echo', choices: [{ index: 0, delta: { content: delta }, finish_reason: null }] })}\n\n`);
        }
        res.write(`data: ${JSON.stringify({ id: 'chatcmpl-echo', object: 'chat.completion.chunk', created: 0, model: 'echo', choices: [{ index: 0, delta: {}, finish_reason: 'stop' }], usage: { prompt_tokens: 10, completion_tokens: 20, total_tokens: 30 } })}\n\n`);
        res.end('data: [DONE]\n\n');
        return;
      }
      res.writeHead(status, { 'content-type': 'application/json', 'x-request-id': 'req_echo' });
      if (status === 200) {
        res.end(JSON.stringify(answerQuoting(req.url ?? '', `${auth} ${key}`)));
        return;
      }
      res.end(JSON.stringify({ type: 'error', error: { message, type: 'invalid_request_error', param: null, code: 'invalid_api_key' } }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  state.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  state.close = () =>
    new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
  return state;
}

/** A finished answer of OpenAI's chat completions or Anthropic's messages API whose text quotes `secret`. */
function answerQuoting(path: string, secret: string): object {
  const text = JSON.stringify({ label: 'positive', confidence: 0.9, rationale: `you sent ${secret}` });
  if (path.endsWith('/messages')) {
    return { id: 'msg_echo', type: 'message', role: 'assistant', model: 'echo', content: [{ type: 'text', text }], stop_reason: 'end_turn', stop_sequence: null, usage: { input_tokens: 10, output_tokens: 20 } };
  }
  return { id: 'chatcmpl-echo', object: 'chat.completion', created: 0, model: 'echo', choices: [{ index: 0, message: { role: 'assistant', content: text }, finish_reason: 'stop' }], usage: { prompt_tokens: 10, completion_tokens: 20, total_tokens: 30 } };
}

import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A hostile API server for redaction tests: it answers every request with `status` and an
 * error body, in OpenAI's and Anthropic's error shape, that quotes the credentials it received
 * (Authorization, x-api-key) in full — as a misconfigured gateway or a debug proxy might.
 */
export type EchoKeyServer = { url: string; requests: number; close(): Promise<void> };

export async function startEchoKeyServer(status = 401): Promise<EchoKeyServer> {
  const state = { url: '', requests: 0, close: async () => {} };
  const server: Server = createServer((req, res) => {
    state.requests++;
    req.resume();
    req.on('end', () => {
      const auth = String(req.headers.authorization ?? '');
      const key = String(req.headers['x-api-key'] ?? auth.replace(/^Bearer /, ''));
      const message = `Incorrect API key provided: ${key}. You sent Authorization: ${auth}`;
      res.writeHead(status, { 'content-type': 'application/json', 'x-request-id': 'req_echo' });
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

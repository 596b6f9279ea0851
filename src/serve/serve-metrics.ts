import { Counter, Gauge, Histogram, Registry } from 'prom-client';

/**
 * The service's Prometheus metrics, on a registry of its own (not prom-client's global one),
 * so two servers in one process (tests) never share or clash over counters.
 */
export type ServeMetrics = ReturnType<typeof createServeMetrics>;

// Latencies from a quick health check to a long streamed answer.
const LATENCY_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120];
const TTFT_BUCKETS = [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30];

export function createServeMetrics() {
  const registry = new Registry();
  registry.setDefaultLabels({ service: 'llmops-serve' });
  const requests = new Counter({
    name: 'llmops_http_requests_total',
    help: 'HTTP requests answered, by method, route and status',
    labelNames: ['method', 'route', 'status'] as const,
    registers: [registry],
  });
  const latency = new Histogram({
    name: 'llmops_http_request_duration_seconds',
    help: 'Time from request to the end of the response (a stream counts until its last event)',
    labelNames: ['method', 'route'] as const,
    buckets: LATENCY_BUCKETS,
    registers: [registry],
  });
  const firstToken = new Histogram({
    name: 'llmops_chat_time_to_first_token_seconds',
    help: 'Time from a /chat request to the first text of its answer',
    labelNames: ['mode'] as const,
    buckets: TTFT_BUCKETS,
    registers: [registry],
  });
  const tokens = new Counter({
    name: 'llmops_llm_tokens_total',
    help: 'Tokens of chat answers, by provider, model and kind (input, output)',
    labelNames: ['provider', 'model', 'kind'] as const,
    registers: [registry],
  });
  const cost = new Counter({
    name: 'llmops_llm_cost_usd_total',
    help: 'Cost of chat answers in USD (from the profile prices), by provider and model',
    labelNames: ['provider', 'model'] as const,
    registers: [registry],
  });
  const streams = new Gauge({ name: 'llmops_sse_streams_in_flight', help: 'Server-sent event streams open now', registers: [registry] });
  return {
    registry,
    request(method: string, route: string, status: number, seconds: number) {
      requests.inc({ method, route, status: String(status) });
      latency.observe({ method, route }, seconds);
    },
    firstToken(mode: 'stream' | 'json', seconds: number) {
      firstToken.observe({ mode }, seconds);
    },
    answer(a: { provider: string; model: string; usage: { input_tokens: number; output_tokens: number }; cost_usd: number }) {
      tokens.inc({ provider: a.provider, model: a.model, kind: 'input' }, a.usage.input_tokens);
      tokens.inc({ provider: a.provider, model: a.model, kind: 'output' }, a.usage.output_tokens);
      cost.inc({ provider: a.provider, model: a.model }, a.cost_usd);
    },
    streamOpened: () => streams.inc(),
    streamClosed: () => streams.dec(),
  };
}

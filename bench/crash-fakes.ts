// The fake services of bench/crash.mjs, each in its own process so it outlives the commands
// the harness kills:
//   anthropic <counts.json> [latencyMs]  answers like the test fake and counts requests per
//                                         first user message, written to counts.json on SIGTERM
//   qdrant                                the in-memory Qdrant fake
// Prints its URL on stdout once listening.
import { writeFileSync } from 'node:fs';
import { startFakeAnthropic } from '../test/fakes/anthropic-server.js';
import { defaultResponder } from '../test/fakes/fake-llm-server.js';
import { startFakeQdrant } from '../test/fakes/qdrant-server.js';

const [kind, countsFile, latency] = process.argv.slice(2);
if (kind === 'qdrant') {
  const server = await startFakeQdrant();
  process.stdout.write(`${server.url}\n`);
  process.on('SIGTERM', () => void server.close().then(() => process.exit(0)));
} else {
  const counts: Record<string, number> = {};
  const server = await startFakeAnthropic({ apiKey: 'sk-ant-crash-0000000000', latencyMs: Number(latency ?? 5), record: false });
  server.setResponder((input) => {
    const first = input.messages[0]?.content ?? '';
    counts[first] = (counts[first] ?? 0) + 1;
    return defaultResponder(input);
  });
  process.stdout.write(`${server.url}\n`);
  process.on('SIGTERM', () => {
    writeFileSync(countsFile!, JSON.stringify(counts));
    void server.close().then(() => process.exit(0));
  });
}

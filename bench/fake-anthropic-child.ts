// A fake Anthropic API in its own process, so the benchmark's CPU figures are llmops's alone.
import { startFakeAnthropic } from '../test/fakes/anthropic-server.js';

const latencyMs = Number(process.argv[2] ?? 100);
const server = await startFakeAnthropic({ apiKey: 'sk-ant-bench-0000000000', latencyMs, record: false });
process.stdout.write(`${server.url}\n`);
process.on('SIGTERM', () => void server.close().then(() => process.exit(0)));

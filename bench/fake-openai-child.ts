// A fake OpenAI Chat Completions API in its own process, so its CPU is not in the measured
// process's event loop. Streams `tokens` words, the first after first-token-ms + token-ms, then
// one every token-ms (sse-stream.ts keeps each token on a fixed schedule from the headers).
//
//   node --import tsx bench/fake-openai-child.ts <token-ms> <first-token-ms> <tokens>
// Prints its base URL (…/v1) on stdout; SIGTERM stops it.
import { startFakeOpenAI } from '../test/fakes/openai-server.js';

const [tokenDelayMs, firstTokenDelayMs, tokens] = process.argv.slice(2, 5).map(Number) as [number, number, number];
const server = await startFakeOpenAI({ apiKey: 'sk-bench-openai-0000000000', record: false, tokenDelayMs, firstTokenDelayMs });
// `tokens` words (the fake streams one word a token), citing the first source.
const words = Array.from({ length: tokens }, (_, i) => (i === tokens - 1 ? '[1].' : `word${i}`));
const answer = words.join(' ');
server.setResponder(() => answer);
process.stdout.write(`${server.url}\n`);
process.on('SIGTERM', () => void server.close().then(() => process.exit(0)));

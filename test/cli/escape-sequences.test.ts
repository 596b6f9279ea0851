import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startFakeOpenAI } from '../fakes/openai-server.js';
import { splitTokens, type FakeLlmServer } from '../fakes/fake-llm-server.js';
import { hasScript, ndjson, runCli, runOnTerminal } from '../helpers/cli.js';
import { tempDir } from '../helpers/databases.js';
import { TerminalSession } from '../helpers/terminal.js';

// A model's answer and a document's link carrying terminal escape sequences: on a terminal
// they must not change the window title, clear the screen, colour the text or write the
// clipboard (OSC 52); the words around them stay. Piped, the JSON keeps the text exact.

const KEY = 'sk-escape-test-1234567890';
const ESC = '\u001b';
const BEL = '\u0007';
// Spaces inside the title (OSC) and inside a cursor-style CSI (`ESC [2 q`) split them across
// two streamed deltas: the fake streams a token per word.
const HOSTILE = `It was first lit ${ESC}]0;PWNED TITLE${BEL}in 1698${ESC}[2J ${ESC}[31mRed${ESC}[0m text and a ${ESC}[2 qcursor${ESC}]52;c;cHduZWQ=${BEL} end [1].`;
const SHOWN = 'It was first lit in 1698 Red text and a cursor end [1].';
const LINK = `https://example.org/eddystone${ESC}[2J`;
const SOURCE_LINE = '[1] The Eddystone Lighthouse — https://example.org/eddystone (chunk 0)';
const QUESTION = 'When was the Eddystone lighthouse first lit?';

/** What must never reach the terminal: BEL, OSC (title, clipboard), clear screen, colour, cursor style, nor what they carried. */
function expectNoInjectedSequences(output: string): void {
  for (const bad of [BEL, `${ESC}]`, `${ESC}[2J`, `${ESC}[31m`, `${ESC}[2 q`, 'PWNED', 'TITLE', 'cHduZWQ=', '[2J']) expect(output).not.toContain(bad);
}

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

/** A database holding one document whose link ends in a clear-screen sequence, ingested and featurized by the CLI. */
async function knowledgeBase(): Promise<string> {
  const dir = tempDir();
  cleanups.push(dir.remove);
  const db = join(dir.path, 'kb.db');
  const docs = join(dir.path, 'docs.jsonl');
  const text = 'The Eddystone lighthouse stands fourteen kilometres off Plymouth. It was first lit in 1698.';
  writeFileSync(docs, `${JSON.stringify({ id: 'eddystone', category: 'articles', title: 'The Eddystone Lighthouse', link: LINK, text })}\n`);
  for (const args of [['ingest', docs], ['featurize', '--embedder', 'hashing']]) {
    const r = await runCli(['--db', db, '-q', ...args]);
    expect(r.code, r.stderr).toBe(0);
  }
  return db;
}

describe('model and document text with escape sequences', () => {
  let openai: FakeLlmServer;
  beforeAll(async () => {
    openai = await startFakeOpenAI({ apiKey: KEY });
    openai.setResponder(() => HOSTILE);
  });
  afterAll(async () => openai?.close());
  const env = () => ({ OPENAI_API_KEY: KEY, OPENAI_BASE_URL: openai.url, USER: 'ada', REDIS_URL: undefined });

  it('the fake streams the sequences split across deltas (what the terminal tests rely on)', () => {
    const tokens = splitTokens(HOSTILE);
    expect(tokens).toContain(` ${ESC}]0;PWNED`);
    expect(tokens).toContain(` ${ESC}[2`);
  });

  it('piped, ask keeps the exact text: JSON escapes the control characters', async () => {
    const db = await knowledgeBase();
    const r = await runCli(['--db', db, 'ask', QUESTION, '--env', 'openai'], { env: env() });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).not.toContain(ESC);
    const [a] = ndjson(r.stdout);
    expect(a.answer).toBe(HOSTILE);
    expect(a.citations[0].link).toBe(LINK);
  });

  it.skipIf(!hasScript)('ask on a terminal, streamed and --no-stream, and inspect calls <id>: the words without the sequences', async () => {
    const db = await knowledgeBase();
    for (const extra of [[], ['--no-stream']]) {
      const shown = await runOnTerminal(['--db', db, 'ask', QUESTION, '--env', 'openai', ...extra], { cwd: join(db, '..'), env: env() });
      expectNoInjectedSequences(shown);
      expect(shown).not.toContain(ESC); // ask writes no style of its own
      expect(shown).toContain(`${SHOWN}\n\nSources\n${SOURCE_LINE}\n`);
    }
    const callId = ndjson((await runCli(['--db', db, 'ask', QUESTION, '--env', 'openai'], { env: env() })).stdout)[0].call_id;
    const call = await runOnTerminal(['--db', db, 'inspect', 'calls', callId], { cwd: join(db, '..'), env: env() });
    expectNoInjectedSequences(call);
    expect(call).not.toContain(ESC);
    expect(call).toContain(`── response ──\n${SHOWN}\n`);
    expect(call).toContain('[1] The Eddystone Lighthouse (https://example.org/eddystone)\n');
  });

  it.skipIf(!hasScript)('chat on a terminal: the streamed answer, /sources and the history shown on resuming', async () => {
    const db = await knowledgeBase();
    const open = (args: string[]) => {
      const term = new TerminalSession(['--db', db, 'chat', '--env', 'openai', ...args], { env: env() });
      cleanups.push(() => term.kill());
      return term;
    };
    const term = open([]);
    await term.waitFor('\n> ');
    term.type(`${QUESTION}\r`);
    let at = await term.waitFor('(1 source: /sources)');
    term.type('/sources\r');
    at = await term.waitFor(SOURCE_LINE, at);
    term.type('/sessions\r');
    await term.waitFor(/\* [0-9a-f-]{36} /, at);
    const sessionId = /\* ([0-9a-f-]{36}) /.exec(term.screen)![1]!;
    term.type('\u0004');
    expect(await term.exit()).toMatchObject({ code: 0 });
    expectNoInjectedSequences(term.output);
    expect(term.screen).toContain(`${QUESTION}\n${SHOWN}\n`);

    const again = open(['--session', sessionId]);
    await again.waitFor('\n> ');
    again.type('\u0004');
    expect(await again.exit()).toMatchObject({ code: 0 });
    expectNoInjectedSequences(again.output);
    expect(again.screen).toContain(`you: ${QUESTION}\nanswer: ${SHOWN}\n`);
  });
});

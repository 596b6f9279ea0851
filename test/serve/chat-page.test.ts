import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FakeLlmServer } from '../fakes/fake-llm-server.js';
import { startFakeOpenAI } from '../fakes/openai-server.js';
import { CHROMIUM, CHROMIUM_ARGS, chromiumMissing } from '../helpers/chromium.js';
import { addUsers, featurizedTemplate, withServer } from './serve-harness.js';

/**
 * The chat page at `/`, used in Debian's Chromium as a person would: the login form, asking,
 * the answer arriving in pieces, the citations, the list of conversations, and what a second
 * account cannot see. The server is the real service (app layer, SQLite, sessions, accounts)
 * answering through the fake OpenAI in its real streaming wire format.
 */

const USERS = { ann: 'ann-password-1', bob: 'bob-password-2' };
const QUESTION = 'How tall is the Eiffel Tower?';
const ANSWER = 'The Eiffel Tower is 330 metres tall [1].';
/** Generous: a loaded 2-core machine can starve the browser for a while; nothing waits this long to pass. */
const WAIT = 30_000;

let template: Awaited<ReturnType<typeof featurizedTemplate>>;
let openai: FakeLlmServer;
let browser: Browser;
beforeAll(async () => {
  if (chromiumMissing) return;
  template = await featurizedTemplate();
  openai = await startFakeOpenAI();
  const { chromium } = await import('playwright-core');
  browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS, timeout: WAIT });
});
afterAll(async () => {
  await browser?.close();
  await openai?.close();
  template?.remove();
});

/** A page of its own (a fresh browser context: no storage shared with any other page). */
type ChatTab = { page: Page; context: BrowserContext; problems: string[] };

/**
 * Opens `/` in a fresh context. Every console error and uncaught exception lands in `problems`:
 * a Content-Security-Policy violation (a blocked script or style) is reported by Chromium as a
 * console error, so a page that breaks its own policy shows up there too.
 */
async function openTab(base: string): Promise<ChatTab> {
  const context = await browser.newContext();
  context.setDefaultTimeout(WAIT);
  const page = await context.newPage();
  const problems: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error') problems.push(`console: ${m.text()}`);
  });
  page.on('pageerror', (err) => problems.push(`pageerror: ${err.message}`));
  await page.goto(`${base}/`);
  return { page, context, problems };
}

/** Runs `body` on a page of its own, and closes its context however the body ends. */
async function inTab(base: string, body: (tab: ChatTab) => Promise<void>): Promise<void> {
  const tab = await openTab(base);
  try {
    await body(tab);
  } finally {
    await tab.context.close();
  }
}

/** Chromium's own console line for a fetch the server answered with an error status. */
const failedLoad = (status: number) => expect.stringMatching(new RegExp(`^console: Failed to load resource: the server responded with a status of ${status}\\b`));

/**
 * Signs in through the form; resolves once the page shows the account's conversations (a list,
 * or the note that there are none: either is drawn only after the list came back).
 */
async function signIn({ page, problems }: ChatTab, username: string, password: string): Promise<void> {
  // A page whose script did not run (a stale CSP hash) never shows the form: say why.
  await page.locator('#login').waitFor().catch((err: Error) => {
    throw new Error(`${err.message}\npage problems: ${JSON.stringify(problems)}`);
  });
  await page.fill('#username', username);
  await page.fill('#password', password);
  const listed = page.waitForResponse((r) => new URL(r.url()).pathname === '/sessions' && r.request().method() === 'GET');
  await page.click('#login button[type=submit]');
  expect((await listed).status()).toBe(200);
  await page.locator('#no-sessions, #sessions .pick').first().waitFor();
}

/** The conversations in the side list: their titles, as shown. */
const sessionTitles = (page: Page) => page.locator('#sessions .pick').allTextContents();

/** Asks through the form and waits until the answer is finished (or failed). */
async function askAndWait(page: Page, question: string): Promise<void> {
  const before = await page.locator('.msg.assistant').count();
  await page.fill('#question', question);
  await page.click('#send');
  const answer = page.locator('.msg.assistant').nth(before);
  await answer.and(page.locator('[data-state="done"], [data-state="failed"]')).waitFor();
  expect(await answer.getAttribute('data-state'), await page.locator('#chat-error').textContent() ?? '').toBe('done');
  await page.locator('#send:enabled').waitFor();
}

/**
 * A served page over a fresh copy of the corpus with two accounts, answering through the fake
 * OpenAI (or, with `model: false`, extractively, as a fresh clone without a key does).
 */
/** The model answers ANSWER and stops after `tokens` of it until the returned release is called. */
function answerPausedAfter(tokens: number): () => void {
  let release!: () => void;
  const paused = new Promise<void>((resolve) => (release = resolve));
  openai.setResponder(() => ANSWER);
  openai.enqueue({ kind: 'pause', afterTokens: tokens, until: paused });
  return release;
}

async function withChatPage(body: (base: string) => Promise<void>, opts: { model?: boolean } = {}): Promise<void> {
  const url = template.copy();
  await addUsers(url, USERS);
  const model = opts.model ?? true;
  const env = model ? { OPENAI_API_KEY: 'sk-test-openai-key', OPENAI_BASE_URL: openai.url } : { OPENAI_API_KEY: undefined, ANTHROPIC_API_KEY: undefined };
  await withServer(url, { env, flags: model ? { env: 'openai' } : {} }, async (server) => {
    const base = await server.app.listen({ port: 0, host: '127.0.0.1' });
    await body(base);
  });
}

describe.skipIf(chromiumMissing)('serve: the chat page in Chromium', () => {
  it('signs in through the form: a wrong password is refused with a message, the right one opens an empty conversation list', async () => {
    await withChatPage(async (base) => {
      await inTab(base, async (tab) => {
        const { page, problems } = tab;
        await page.locator('#login').waitFor();
        expect(await page.locator('#app').isHidden()).toBe(true);

        await page.fill('#username', 'ann');
        await page.fill('#password', 'not-her-password');
        await page.click('#login button[type=submit]');
        await page.locator('#login-error', { hasText: 'Wrong username or password.' }).waitFor();
        expect(await page.locator('#app').isHidden()).toBe(true);

        await signIn(tab, 'ann', USERS.ann);
        expect(await page.locator('#login').isHidden()).toBe(true);
        expect(await page.locator('#whoami').textContent()).toBe('Signed in as ann');
        expect(await page.locator('#password').inputValue()).toBe('');
        expect(await page.locator('#no-sessions').textContent()).toBe('No conversations yet: ask a question to start one.');
        expect(await sessionTitles(page)).toEqual([]);
        expect(problems).toEqual([failedLoad(401)]);
      });
    });
  });

  it('streams the answer into the page, links its citation to the source, lists the conversation and restores it after a reload', async () => {
    // The model stops after three words until the test has looked at the half-written answer.
    const release = answerPausedAfter(3);
    try {
      await withChatPage(async (base) => {
        await inTab(base, async (tab) => {
          const { page, problems } = tab;
          await signIn(tab, 'ann', USERS.ann);
          await page.click('#new-session');
          await page.fill('#question', QUESTION);
          await page.click('#send');

          // Part of the answer is on the page while the rest is still to come.
          const answer = page.locator('.msg.assistant');
          await answer.locator('.text', { hasText: 'The Eiffel Tower' }).waitFor();
          expect(await answer.getAttribute('data-state')).toBe('streaming');
          expect(await answer.locator('.text').textContent()).toBe('The Eiffel Tower');
          expect(await answer.locator('.sources').count()).toBe(0);
          expect(await page.locator('#send').isDisabled()).toBe(true);
          expect(await page.locator('#stop').isVisible()).toBe(true);
          expect(await page.locator('.msg.user .text').textContent()).toBe(QUESTION);

          release();
          await page.locator('.msg.assistant[data-state="done"]').waitFor();
          expect(await answer.locator('.text').textContent()).toBe(ANSWER);
          expect(await page.locator('#stop').isHidden()).toBe(true);

          // The citation is a link; following it marks the source: its title, linking to the document.
          const cite = answer.locator('.text a.cite');
          expect(await cite.allTextContents()).toEqual(['[1]']);
          const source = answer.locator('.sources li').first();
          expect(await answer.locator('.sources li.highlight').count()).toBe(0);
          await cite.click();
          await answer.locator('.sources li.highlight').waitFor();
          expect(await source.evaluate((li) => li === li.ownerDocument.activeElement)).toBe(true);
          expect(await source.locator('a').textContent()).toBe('[1] The Eiffel Tower');
          expect(await source.locator('a').getAttribute('href')).toBe('https://example.org/eiffel');
          expect(await source.isVisible()).toBe(true);

          // The conversation is listed, titled by its question, and marked as the open one.
          await page.locator('#sessions .pick[aria-current="true"]', { hasText: QUESTION }).waitFor();
          expect(await sessionTitles(page)).toEqual([QUESTION]);
          expect(await page.locator('#no-sessions').isHidden()).toBe(true);

          // After a reload the account is still signed in (this tab's storage); picking the
          // conversation brings its history back, citations and all.
          await page.reload();
          await page.locator('#sessions .pick', { hasText: QUESTION }).waitFor();
          expect(await page.locator('.msg').count()).toBe(0);
          await page.click('#sessions .pick');
          await page.locator('.msg.assistant .sources li').waitFor();
          expect(await page.locator('.msg .text').allTextContents()).toEqual([QUESTION, ANSWER]);
          expect(await page.locator('.msg.assistant a.cite').allTextContents()).toEqual(['[1]']);
          expect(await page.locator('.msg.assistant .sources li a').textContent()).toBe('[1] The Eiffel Tower');
          expect(await page.locator('#sessions .pick').getAttribute('aria-current')).toBe('true');

          // Asking again continues the picked conversation; "New conversation" starts another.
          openai.setResponder(() => 'It was finished in 1889 [1].');
          await askAndWait(page, 'When was it finished?');
          expect(await page.locator('.msg .text').allTextContents()).toEqual([QUESTION, ANSWER, 'When was it finished?', 'It was finished in 1889 [1].']);
          expect(await sessionTitles(page)).toEqual([QUESTION]);

          await page.click('#new-session');
          expect(await page.locator('.msg').count()).toBe(0);
          openai.setResponder(() => 'Water for green tea should be about eighty degrees [1].');
          await askAndWait(page, 'How hot should the water for green tea be?');
          expect(await page.locator('.msg.assistant .sources li a').textContent()).toBe('[1] Green tea');
          await page.locator('#sessions .pick[aria-current="true"]', { hasText: 'green tea' }).waitFor();
          expect((await sessionTitles(page)).sort()).toEqual(['How hot should the water for green tea be?', QUESTION].sort());

          expect(problems).toEqual([]);
        });
      });
    } finally {
      release();
    }
  });

  it('stops an answer half-way with Stop: the page says so and is ready for the next question', async () => {
    const release = answerPausedAfter(2);
    try {
      await withChatPage(async (base) => {
        await inTab(base, async (tab) => {
          const { page, problems } = tab;
          await signIn(tab, 'ann', USERS.ann);
          await page.fill('#question', QUESTION);
          await page.click('#send');
          const answer = page.locator('.msg.assistant');
          await answer.locator('.text', { hasText: 'The Eiffel' }).waitFor();
          await page.click('#stop');
          await answer.locator('.note', { hasText: 'Stopped.' }).waitFor();
          expect(await answer.getAttribute('data-state')).toBe('failed');
          expect(await answer.locator('.text').textContent()).toBe('The Eiffel');
          expect(await page.locator('#chat-error').textContent()).toBe('');
          await page.locator('#send:enabled').waitFor();
          expect(await page.locator('#stop').isHidden()).toBe(true);

          // The stopped question had started a conversation, which the server dropped with the
          // unfinished turn; the next question is answered whole, in a conversation of its own.
          openai.setResponder(() => 'It was finished in 1889 [1].');
          await askAndWait(page, 'When was it finished?');
          expect(await answer.nth(1).locator('.text').textContent()).toBe('It was finished in 1889 [1].');
          expect(await sessionTitles(page)).toEqual(['When was it finished?']);

          // Stopped in a conversation that goes on, the conversation stays, without the stopped turn.
          let resume!: () => void;
          openai.enqueue({ kind: 'pause', afterTokens: 1, until: new Promise<void>((resolve) => (resume = resolve)) });
          const stream = openai.streams.length;
          try {
            await page.fill('#question', 'Who built it?');
            await page.click('#send');
            await answer.nth(2).locator('.text', { hasText: 'It' }).waitFor();
            await page.click('#stop');
            await answer.nth(2).locator('.note', { hasText: 'Stopped.' }).waitFor();
            // The model is let go only once the server has given up its call (the stop reached
            // it): let go first, on a loaded machine the rest of the answer came before the stop
            // did, and the server kept a turn the page had shown as stopped.
            for (let i = 0; i < 400 && openai.streams[stream]?.end === undefined; i++) await new Promise((r) => setTimeout(r, 25));
            expect(openai.streams[stream]?.end).toBe('client-disconnected');
          } finally {
            resume();
          }
          await askAndWait(page, 'Who designed it?');
          expect(await sessionTitles(page)).toEqual(['When was it finished?']);
          await page.reload();
          await page.click('#sessions .pick');
          await page.locator('.msg.assistant .sources li').first().waitFor();
          expect(await page.locator('.msg.user .text').allTextContents()).toEqual(['When was it finished?', 'Who designed it?']);
          expect(problems).toEqual([]);
        });
      });
    } finally {
      release();
    }
  });

  it('answers without a model too: the best passages, a note saying so, and their citations linked', async () => {
    await withChatPage(
      async (base) => {
        await inTab(base, async (tab) => {
          const { page, problems } = tab;
          await signIn(tab, 'ann', USERS.ann);
          await askAndWait(page, QUESTION);
          const answer = page.locator('.msg.assistant');
          expect(await answer.locator('.text').textContent()).toMatch(/330 metres/);
          expect(await answer.locator('.note').textContent()).toBe('No model is configured: these are the passages that best match the question.');
          const cites = answer.locator('.text a.cite');
          expect(await cites.count()).toBeGreaterThan(0);
          await cites.first().click();
          await answer.locator('.sources li.highlight').waitFor();
          expect(await answer.locator('.sources li.highlight a').textContent()).toMatch(/^\[\d+\] The Eiffel Tower$/);
          expect(problems).toEqual([]);
        });
      },
      { model: false },
    );
  });

  it("shows a second account none of the first account's conversations, and the API refuses it the first one's by id (404)", async () => {
    openai.setResponder(() => ANSWER);
    await withChatPage(async (base) => {
      const ann = await openTab(base);
      const bob = await openTab(base);
      try {
        await signIn(ann, 'ann', USERS.ann);
        await askAndWait(ann.page, QUESTION);
        await ann.page.locator('#sessions .pick', { hasText: QUESTION }).waitFor();
        const annSession = await ann.page.locator('#sessions .pick').getAttribute('data-id');
        expect(annSession).toMatch(/\S/);

        await signIn(bob, 'bob', USERS.bob);
        expect(await sessionTitles(bob.page)).toEqual([]);
        expect(await bob.page.locator('#no-sessions').isVisible()).toBe(true);
        expect(await bob.page.locator('body').textContent()).not.toContain(QUESTION);

        // Bob, with his own token, asks for Ann's conversation by its id, as a curious user could.
        const statuses = await bob.page.evaluate(async (id) => {
          // This file is compiled without the DOM library: the page's sessionStorage, typed by hand.
          const { sessionStorage } = globalThis as unknown as { sessionStorage: { getItem(key: string): string | null } };
          const headers = { authorization: `Bearer ${sessionStorage.getItem('llmops.token')}` };
          const messages = await fetch(`/sessions/${id}/messages`, { headers });
          const chat = await fetch('/chat', { method: 'POST', headers: { ...headers, 'content-type': 'application/json' }, body: JSON.stringify({ question: 'And its weight?', session_id: id }) });
          const remove = await fetch(`/sessions/${id}`, { method: 'DELETE', headers });
          return [messages.status, chat.status, remove.status];
        }, annSession!);
        expect(statuses).toEqual([404, 404, 404]);

        // Ann still has her conversation, whole.
        await ann.page.reload();
        await ann.page.click(`#sessions .pick[data-id="${annSession}"]`);
        await ann.page.locator('.msg.assistant .sources li').waitFor();
        expect(await ann.page.locator('.msg .text').allTextContents()).toEqual([QUESTION, ANSWER]);

        expect(ann.problems).toEqual([]);
        expect(bob.problems).toEqual([failedLoad(404), failedLoad(404), failedLoad(404)]);
      } finally {
        await ann.context.close();
        await bob.context.close();
      }
    });
  });
});

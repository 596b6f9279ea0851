import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { redactText } from '../../src/core/redact.js';
import { createRedactingStream } from '../../src/core/redacting-stream.js';

// Canaries in no known key shape, so only the values the process holds can mask them; one with spaces
// (in a variable always read, GITHUB_TOKEN: others are listed again at most once a second).
const KEY = 'CANARYstream7f3a9c1e5b';
const SPACED = 'correct horse battery staple';
const saved = { ...process.env };
beforeAll(() => {
  process.env.OPENAI_API_KEY = KEY;
  process.env.GITHUB_TOKEN = SPACED;
});
afterAll(() => {
  process.env = saved;
});

const TEXTS = [
  `The key you sent is ${KEY} [1].`,
  `Use sk-ant-api03-abcdefghijklmnopqrstuv or ${KEY}, and again ${KEY}.`,
  'Send Authorization: Bearer abc123def456ghi789 with it; Basic dXNlcjpwYXNzd29yZA== also.',
  'Connect to postgres://app:pa@ss w0rd@db.internal/prod?sslpassword=s3cr3t&x=1 now.',
  `The password is ${SPACED} — keep it.`,
  `base64 ${Buffer.from(`x${KEY}y`).toString('base64')} and hex ${Buffer.from(KEY).toString('hex')}`,
  'Nothing secret here, just prose that goes on for a while.\nA second line.',
];

/** Runs `check` with the spaced secret in the environment, and again without it (nothing held back by length). */
function bothWays(check: () => void): void {
  check();
  delete process.env.GITHUB_TOKEN;
  try {
    check();
  } finally {
    process.env.GITHUB_TOKEN = SPACED;
  }
}

/** What the stream puts out for `pieces`, and what it had put out before its end. */
function streamed(pieces: string[]): { all: string; beforeEnd: string } {
  const s = createRedactingStream((t) => redactText(t));
  let out = '';
  for (const p of pieces) out += s.push(p);
  return { all: out + s.end(), beforeEnd: out };
}

describe('createRedactingStream', () => {
  it('masks a secret split anywhere across two pieces as it masks the whole text', () => bothWays(() => {
    for (const text of TEXTS) {
      const whole = redactText(text);
      expect(whole).not.toContain(KEY);
      for (let cut = 0; cut <= text.length; cut++) expect(streamed([text.slice(0, cut), text.slice(cut)]).all, `${text} @${cut}`).toBe(whole);
    }
  }));

  it('and across many pieces of any size (a delta per token, per character)', () => bothWays(() => {
    let seed = 11;
    const rand = () => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32);
    for (const text of TEXTS) {
      for (let round = 0; round < 200; round++) {
        const pieces: string[] = [];
        for (let i = 0; i < text.length; ) {
          const n = 1 + Math.floor(rand() * 6);
          pieces.push(text.slice(i, i + n));
          i += n;
        }
        expect(streamed(pieces).all).toBe(redactText(text));
      }
      expect(streamed([...text]).all).toBe(redactText(text));
    }
  }));

  it('still streams: a word goes out as it comes unless it could still become a secret', () => {
    const text = 'The river rose fast and everyone left the old town in time';
    delete process.env.GITHUB_TOKEN;
    try {
      expect(streamed(text.split(/(?<= )/)).beforeEnd).toBe(text);
      // The start of a key shape, of a URL, of a secret value, or a credential after "Bearer" waits for its word's end.
      for (const [pieces, shown] of [
        [['Your key: ', 'sk-an'], 'Your key: '],
        [['See ', 'https://app:'], 'See '],
        [['It is ', KEY.slice(0, 9)], 'It is '],
        [['Authorization: Bearer ', 'abc1'], 'Authorization: Bearer '],
        [['Ends with ', 'sky'], 'Ends with sky'],
        // A word that ends in a secret's first letter is not held for that (one letter ends every word)...
        [['The tower was', ' built', ' by'], 'The tower was built by'],
      ] as const) expect(streamed([...pieces]).beforeEnd, pieces.join('')).toBe(shown);
      // ...and should the secret go on from there, the rest of it is masked: that one letter is all that shows.
      expect(streamed(['the xC', `${KEY.slice(1)} end`]).all).toBe('the xC*** end');
    } finally {
      process.env.GITHUB_TOKEN = SPACED;
    }
    // With a secret that holds a space, as much of the text as that secret is long waits too.
    expect(streamed(text.split(/(?<= )/)).beforeEnd).toBe('The river rose fast and ');
    const spaced = `Here it is: ${SPACED} and then the rest of a long sentence follows here.`;
    expect(streamed(spaced.split(/(?<= )/)).all).toBe('Here it is: *** and then the rest of a long sentence follows here.');
  });
});

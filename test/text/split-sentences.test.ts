import { describe, expect, it } from 'vitest';
import { SPLITTER_VERSION, splitSentences, type SentenceSpan } from '../../src/text/split-sentences.js';

const texts = (content: string, locale?: string) => splitSentences(content, locale ? { locale } : undefined).map((s) => s.text);

describe('splitSentences: basics', () => {
  it('splits plain prose on . ! ?', () => {
    expect(texts('The cat sat. The dog ran! Did it rain?')).toEqual(['The cat sat.', 'The dog ran!', 'Did it rain?']);
  });

  it('returns nothing for empty or whitespace-only content', () => {
    expect(splitSentences('')).toEqual([]);
    expect(splitSentences('   \n\t \n  ')).toEqual([]);
  });

  it('keeps text without final punctuation as one sentence', () => {
    expect(texts('no punctuation at all here')).toEqual(['no punctuation at all here']);
  });

  it('reports trimmed text with exact UTF-16 offsets and consecutive indexes', () => {
    const content = '  Hello there.   General Kenobi!  ';
    expect(splitSentences(content)).toEqual([
      { index: 0, text: 'Hello there.', start: 2, end: 14 },
      { index: 1, text: 'General Kenobi!', start: 17, end: 32 },
    ]);
  });

  it('exposes a numeric version starting at 1', () => {
    expect(SPLITTER_VERSION).toBeGreaterThanOrEqual(1);
  });

  it('splits lower-case chat text after a full stop', () => {
    expect(texts("hi. how are you? i'm fine thanks.")).toEqual(['hi.', 'how are you?', "i'm fine thanks."]);
  });
});

describe('splitSentences: abbreviations', () => {
  it('does not split after titles', () => {
    expect(
      texts(
        'Dr. Smith met Mr. Brown, Mrs. Green, Ms. White and Prof. Black. Gen. Lee, Sen. Warren, Rep. Cruz, Gov. Newsom, Lt. Dan, Col. Mustard and Capt. Hook came too.',
      ),
    ).toEqual([
      'Dr. Smith met Mr. Brown, Mrs. Green, Ms. White and Prof. Black.',
      'Gen. Lee, Sen. Warren, Rep. Cruz, Gov. Newsom, Lt. Dan, Col. Mustard and Capt. Hook came too.',
    ]);
  });

  it('does not split after St., Jr. and Sr. before names', () => {
    expect(texts('We visited St. Louis with Martin Luther King Jr. and John Smith Sr. last year. It was fun.')).toEqual([
      'We visited St. Louis with Martin Luther King Jr. and John Smith Sr. last year.',
      'It was fun.',
    ]);
  });

  it('keeps e.g. and i.e. inside the sentence, even before a capital', () => {
    expect(texts('Use a tool, e.g. Vim, i.e. Something good. Then save.')).toEqual([
      'Use a tool, e.g. Vim, i.e. Something good.',
      'Then save.',
    ]);
  });

  it('treats etc. as an end only before a capitalised word', () => {
    expect(texts('She bought apples, pears, etc. and went home. She sold nails, screws, etc. Then she left.')).toEqual([
      'She bought apples, pears, etc. and went home.',
      'She sold nails, screws, etc.',
      'Then she left.',
    ]);
  });

  it('keeps U.S., U.K. and U.N. inside sentences but ends before a sentence opener', () => {
    expect(texts('The U.S. Army and the U.K. government met at the U.N. headquarters. I live in the U.S. The weather is nice.')).toEqual([
      'The U.S. Army and the U.K. government met at the U.N. headquarters.',
      'I live in the U.S.',
      'The weather is nice.',
    ]);
  });

  it('handles a.m. and p.m.', () => {
    expect(texts('We met at 10 a.m. sharp and left at 5 p.m. The day was long.')).toEqual([
      'We met at 10 a.m. sharp and left at 5 p.m.',
      'The day was long.',
    ]);
  });

  it('handles company suffixes', () => {
    expect(texts('Acme Inc. and Widgets Ltd. merged with Foo Co. and Bar Corp. yesterday. Apple Inc. The firm grew.')).toEqual([
      'Acme Inc. and Widgets Ltd. merged with Foo Co. and Bar Corp. yesterday.',
      'Apple Inc.',
      'The firm grew.',
    ]);
  });

  it('handles vs., No., Fig., pp. and approx.', () => {
    expect(texts('It was Ali vs. Frazier, see No. 5 and Fig. 3 on pp. 10-12 for approx. 20 minutes. The answer is no. Next one.')).toEqual([
      'It was Ali vs. Frazier, see No. 5 and Fig. 3 on pp. 10-12 for approx. 20 minutes.',
      'The answer is no.',
      'Next one.',
    ]);
  });

  it('handles abbreviated months', () => {
    expect(texts('It shipped on Jan. 5 and again on Feb. 10, Sept. 3 and Dec. 24. Sales were good.')).toEqual([
      'It shipped on Jan. 5 and again on Feb. 10, Sept. 3 and Dec. 24.',
      'Sales were good.',
    ]);
  });

  it('does not split single-letter initials', () => {
    expect(texts('J. R. R. Tolkien wrote books. John F. Kennedy was president. George W. Bush too.')).toEqual([
      'J. R. R. Tolkien wrote books.',
      'John F. Kennedy was president.',
      'George W. Bush too.',
    ]);
  });

  it('still ends a sentence after a single letter before a sentence opener', () => {
    expect(texts('We need plan B. We have no time.')).toEqual(['We need plan B.', 'We have no time.']);
  });

  it('handles et al. in citations', () => {
    expect(texts('Smith et al. (2020) found it. So did Jones et al. The result holds.')).toEqual([
      'Smith et al. (2020) found it.',
      'So did Jones et al.',
      'The result holds.',
    ]);
  });
});

describe('splitSentences: numbers, names and ellipses', () => {
  it('does not split inside numbers', () => {
    expect(texts('Sales rose 3.5% to $1.2 billion. We shipped version 2.0.1 at 10.30 today. It was 1990. Then it changed.')).toEqual([
      'Sales rose 3.5% to $1.2 billion.',
      'We shipped version 2.0.1 at 10.30 today.',
      'It was 1990.',
      'Then it changed.',
    ]);
  });

  it('does not split URLs, emails and file names, but ends a sentence after them', () => {
    expect(
      texts('Go to https://example.com/a?b=1.2 now. Mail john.doe@example.com today. Edit config.yaml and example.com. Done.'),
    ).toEqual([
      'Go to https://example.com/a?b=1.2 now.',
      'Mail john.doe@example.com today.',
      'Edit config.yaml and example.com.',
      'Done.',
    ]);
  });

  it('keeps an ellipsis inside the sentence before a lower-case word', () => {
    expect(texts('I was thinking... maybe not. Well… perhaps.')).toEqual(['I was thinking... maybe not.', 'Well… perhaps.']);
  });

  it('ends a sentence at an ellipsis before a capital', () => {
    expect(texts('I waited... Then it came. She paused… And left.')).toEqual([
      'I waited...',
      'Then it came.',
      'She paused…',
      'And left.',
    ]);
  });

  it('treats spaced ellipses and elision marks as part of the sentence', () => {
    expect(texts('He paused . . . then left. The text [...] was cut. Done.')).toEqual([
      'He paused . . . then left.',
      'The text [...] was cut.',
      'Done.',
    ]);
  });

  it('keeps list labels at the start of a sentence', () => {
    expect(texts('Steps follow. 1. Open the file. 2. Edit it. iv. Save it.')).toEqual([
      'Steps follow.',
      '1. Open the file.',
      '2. Edit it.',
      'iv. Save it.',
    ]);
  });
});

describe('splitSentences: terminators, quotes and brackets', () => {
  it('handles ?! combinations', () => {
    expect(texts('What?! No way!! Are you sure?!? Yes.')).toEqual(['What?!', 'No way!!', 'Are you sure?!?', 'Yes.']);
  });

  it('keeps a closing quote with the sentence it ends', () => {
    expect(texts('He said "Stop." Then he left.')).toEqual(['He said "Stop."', 'Then he left.']);
  });

  it('keeps curly quotes and brackets with the sentence', () => {
    expect(texts('She said “Go.” He went. (This was odd.) It ended. [Really!] ‘Fine.’ Done.')).toEqual([
      'She said “Go.”',
      'He went.',
      '(This was odd.)',
      'It ended.',
      '[Really!]',
      '‘Fine.’',
      'Done.',
    ]);
  });

  it('does not split quoted speech followed by a lower-case speech tag', () => {
    expect(texts('"Really?" she asked. "Yes!" he said. "I know." she replied.')).toEqual([
      '"Really?" she asked.',
      '"Yes!" he said.',
      '"I know." she replied.',
    ]);
  });

  it('keeps the closing bracket after an abbreviation and then splits', () => {
    expect(texts('It grew (in the U.S.) The end came.')).toEqual(['It grew (in the U.S.)', 'The end came.']);
  });
});

describe('splitSentences: line structure', () => {
  it('always splits at a blank line', () => {
    expect(texts('First paragraph without stop\n\nSecond one\n  \n\nThird.')).toEqual([
      'First paragraph without stop',
      'Second one',
      'Third.',
    ]);
  });

  it('treats U+2029 as a paragraph break', () => {
    expect(texts('One\u2029two')).toEqual(['One', 'two']);
  });

  it('makes each list item its own sentence', () => {
    expect(texts('Shopping:\n- milk\n* eggs\n• bread\n+ jam\n1. first\n2) second\na) third\n(b) fourth\nAfter the list.')).toEqual([
      'Shopping:',
      '- milk',
      '* eggs',
      '• bread',
      '+ jam',
      '1. first',
      '2) second',
      'a) third',
      '(b) fourth',
      'After the list.',
    ]);
  });

  it('continues a list item on an indented line', () => {
    expect(texts('- a long item that\n  continues here\n- next item')).toEqual(['- a long item that\n  continues here', '- next item']);
  });

  it('splits a list item containing two sentences', () => {
    expect(texts('- First thing. Second thing\n- Next')).toEqual(['- First thing.', 'Second thing', '- Next']);
  });

  it('makes a heading line its own sentence', () => {
    expect(texts('Introduction\nThis paper presents a fast method for splitting text into sentences.')).toEqual([
      'Introduction',
      'This paper presents a fast method for splitting text into sentences.',
    ]);
    expect(texts('Getting started\nRun it.')).toEqual(['Getting started', 'Run it.']);
  });

  it('makes markdown headings, rules and table rows their own sentences', () => {
    expect(texts('# Title\nSome text here. More text\n## Sub heading\nBody text\n---\n| a | b |\n| 1 | 2 |')).toEqual([
      '# Title',
      'Some text here.',
      'More text',
      '## Sub heading',
      'Body text',
      '---',
      '| a | b |',
      '| 1 | 2 |',
    ]);
  });

  it('keeps fenced code line by line', () => {
    expect(texts('Run this:\n```\nnpm run build\nnpm test\n```\nDone.')).toEqual([
      'Run this:',
      '```',
      'npm run build',
      'npm test',
      '```',
      'Done.',
    ]);
  });

  it('does not split hard-wrapped prose at single newlines', () => {
    const wrapped =
      'The quick brown fox jumps over the lazy dog and then it runs into\n' +
      'the forest, where it meets an old friend from London who has been\n' +
      'Waiting there for a very long time. Then they go home together and\n' +
      'eat.';
    expect(texts(wrapped)).toEqual([
      'The quick brown fox jumps over the lazy dog and then it runs into\nthe forest, where it meets an old friend from London who has been\nWaiting there for a very long time.',
      'Then they go home together and\neat.',
    ]);
  });

  it('does not split a wrapped line that ends with an abbreviation', () => {
    expect(texts('We met with Dr.\nSmith yesterday.')).toEqual(['We met with Dr.\nSmith yesterday.']);
  });

  it('handles CRLF and lone CR line endings', () => {
    expect(texts('Title\r\n\r\nFirst line.\r\nSecond line.\rThird')).toEqual(['Title', 'First line.', 'Second line.', 'Third']);
  });
});

describe('splitSentences: other languages', () => {
  it('splits Chinese on full-width terminators without spaces', () => {
    expect(texts('这是第一句。这是第二句！这是第三句？好的。')).toEqual(['这是第一句。', '这是第二句！', '这是第三句？', '好的。']);
  });

  it('keeps Japanese closing brackets and quoted speech with its particle', () => {
    expect(texts('「なに？」と彼は言った。「行こう。」そうだ。')).toEqual(['「なに？」と彼は言った。', '「行こう。」', 'そうだ。']);
  });

  it('splits a Latin terminator directly followed by CJK text', () => {
    expect(texts('Done!好的。')).toEqual(['Done!', '好的。']);
  });

  it('handles Spanish inverted marks', () => {
    expect(texts('¿Cómo estás? ¡Muy bien! Gracias, Sra. García.')).toEqual(['¿Cómo estás?', '¡Muy bien!', 'Gracias, Sra. García.']);
  });

  it('handles German quotes, abbreviations and ordinals', () => {
    expect(texts('Er sagte: „Komm.“ Dann ging er, z.B. nach Hause. »Halt!« rief sie. Am 3. Oktober war Feiertag.')).toEqual([
      'Er sagte: „Komm.“',
      'Dann ging er, z.B. nach Hause.',
      '»Halt!« rief sie.',
      'Am 3. Oktober war Feiertag.',
    ]);
    expect(texts('Im 19. Jahrhundert wuchs die Stadt. Sie ist alt.', 'de-DE')).toEqual([
      'Im 19. Jahrhundert wuchs die Stadt.',
      'Sie ist alt.',
    ]);
  });

  it('handles French guillemets with inner spaces', () => {
    expect(texts('Il a dit : « Arrête. » Puis il est parti. « Vraiment ? » demanda-t-il.')).toEqual([
      'Il a dit : « Arrête. »',
      'Puis il est parti.',
      '« Vraiment ? » demanda-t-il.',
    ]);
    expect(texts('« Non. », dit-elle. Elle est partie.')).toEqual(['« Non. », dit-elle.', 'Elle est partie.']);
  });

  it('handles Russian', () => {
    expect(texts('Он сказал: «Привет». Потом ушёл. В 1990 г. он уехал, т.е. навсегда.')).toEqual([
      'Он сказал: «Привет».',
      'Потом ушёл.',
      'В 1990 г. он уехал, т.е. навсегда.',
    ]);
  });

  it('handles the Hindi danda', () => {
    expect(texts('यह एक वाक्य है। यह दूसरा है।')).toEqual(['यह एक वाक्य है।', 'यह दूसरा है।']);
  });

  it('handles the Arabic question mark', () => {
    expect(texts('هل أنت بخير؟ نعم أنا بخير.')).toEqual(['هل أنت بخير؟', 'نعم أنا بخير.']);
  });
});

describe('splitSentences: surrogates and pathological input', () => {
  it('keeps emoji intact and offsets valid', () => {
    const content = 'I love 🍕. 😀 Me too! 👍🏽';
    const spans = splitSentences(content);
    expect(spans.map((s) => s.text)).toEqual(['I love 🍕.', '😀 Me too!', '👍🏽']);
    checkInvariants(content, spans);
  });

  it('survives lone surrogates', () => {
    const content = 'Broken \ud800 here. And \udc00 there.\ud83d';
    const spans = splitSentences(content);
    expect(spans.map((s) => s.text)).toEqual(['Broken \ud800 here.', 'And \udc00 there.\ud83d']);
    checkInvariants(content, spans);
  });

  it('stays linear on huge or degenerate inputs', () => {
    const inputs = [
      'word '.repeat(2_000_000), // 10 MB, no punctuation
      '.'.repeat(1_000_000),
      '. '.repeat(500_000),
      'a.b'.repeat(333_333),
      ' '.repeat(1_000_000),
      '\n \n'.repeat(300_000),
      '('.repeat(1_000_000) + '. x',
      'x\n'.repeat(500_000),
    ];
    // No stopwatch here (timing belongs in bench/split.mjs): a quadratic path on these inputs
    // of up to 10 MB would run for hours and stop the run, where linear work takes a moment.
    for (const input of inputs) checkInvariants(input, splitSentences(input));
    expect(texts('.'.repeat(1000))).toEqual(['.'.repeat(1000)]);
  });
});

// ---- property test ---------------------------------------------------------------------------

function checkInvariants(content: string, spans: SentenceSpan[]): void {
  let covered = 0;
  spans.forEach((span, i) => {
    expect(span.index).toBe(i);
    expect(span.start).toBeGreaterThanOrEqual(covered);
    expect(span.end).toBeGreaterThan(span.start);
    expect(span.end).toBeLessThanOrEqual(content.length);
    expect(content.slice(span.start, span.end)).toBe(span.text);
    expect(span.text).toBe(span.text.trim());
    // No non-whitespace character is lost between spans.
    expect(content.slice(covered, span.start).trim()).toBe('');
    for (const edge of [span.start, span.end]) expect(splitsSurrogatePair(content, edge)).toBe(false);
    covered = span.end;
  });
  expect(content.slice(covered).trim()).toBe('');
}

function splitsSurrogatePair(s: string, i: number): boolean {
  if (i <= 0 || i >= s.length) return false;
  const before = s.charCodeAt(i - 1);
  const after = s.charCodeAt(i);
  return before >= 0xd800 && before <= 0xdbff && after >= 0xdc00 && after <= 0xdfff;
}

/** Small deterministic PRNG (mulberry32) so failures reproduce. */
function prng(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const PIECES = [
  'word', 'The', 'dog', 'Dr.', 'U.S.', 'e.g.', 'etc.', 'J.', '3.5', '1.', 'a)', '-', '*', '•', '#', '```', '|',
  '.', '..', '...', '…', '?', '!', '?!', '。', '！', '？', '।', '؟', '"', '“', '”', '’', "'", '(', ')', '[', ']',
  '«', '»', '„', '「', '」', '¿', '¡', ' ', ' ', ' ', '  ', '\t', '\n', '\n', '\n\n', '\r\n', '\r', '\u2029', '\u00a0',
  '\u3000', '\u202f', '😀', '👍🏽', '\ud800', '\udc00', '中文', 'が', 'и', 'Éte', 'example.com', 'x'.repeat(40),
];

function randomText(rand: () => number): string {
  const parts: string[] = [];
  const count = Math.floor(rand() * 40);
  for (let i = 0; i < count; i++) {
    if (rand() < 0.1) {
      // Raw random code units, including lone surrogates and odd controls.
      parts.push(String.fromCharCode(Math.floor(rand() * 0x10000)));
    } else {
      parts.push(PIECES[Math.floor(rand() * PIECES.length)]);
    }
  }
  return parts.join(rand() < 0.5 ? ' ' : '');
}

describe('splitSentences: offset invariants (property test)', () => {
  it('holds for thousands of generated inputs', () => {
    const rand = prng(20240601);
    for (let i = 0; i < 5000; i++) {
      const content = randomText(rand);
      const locale = rand() < 0.2 ? 'de' : undefined;
      let spans: SentenceSpan[];
      try {
        spans = splitSentences(content, { locale });
        checkInvariants(content, spans);
      } catch (err) {
        throw new Error(`failed on input #${i}: ${JSON.stringify(content)}\n${String(err)}`);
      }
    }
  });
});

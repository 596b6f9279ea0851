import { describe, expect, it } from 'vitest';
import { createTerminalTextFilter, oneLine, terminalText } from '../../src/app/terminal-text.js';

const ESC = '\u001b';
const BEL = '\u0007';

describe('terminalText: model and document text made harmless on a terminal', () => {
  it('drops escape sequences whole and other control characters, keeps newlines, tabs and the words', () => {
    const text = `a${ESC}]0;title${BEL}b${ESC}[2Jc${ESC}[38;5;196md${ESC}P1$q${ESC}\\e${ESC}cf\u009b31mg\u009d52;c;eA==\u009ch\r\u0000\u007f\n\ti${ESC}]8;;https://x${ESC}\\link${ESC}]8;;${ESC}\\`;
    expect(terminalText(text)).toBe('abcdefgh\n\tilink');
  });

  it('a sequence split anywhere across two streamed pieces goes as it does whole', () => {
    const text = `one ${ESC}]0;PWNED TITLE${BEL}two${ESC}[2 qthree${ESC}]52;c;cHduZWQ=${ESC}\\four${ESC}[31m five`;
    const whole = terminalText(text);
    expect(whole).toBe('one twothreefour five');
    for (let i = 0; i <= text.length; i++) {
      const filter = createTerminalTextFilter();
      expect(filter(text.slice(0, i)) + filter(text.slice(i)), `split at ${i}`).toBe(whole);
    }
  });

  it('an escape with nothing after it is dropped alone; a control string left open ends with its line', () => {
    expect(terminalText(`a${ESC}`)).toBe('a');
    expect(terminalText(`caf${ESC}é`)).toBe('café');
    expect(terminalText(`answer ${ESC}]0;never closed\nthe rest`)).toBe('answer \nthe rest');
  });

  it('oneLine drops the sequences too, not only their ESC', () => {
    expect(oneLine(`https://x/z${ESC}[2J\n`)).toBe('https://x/z ');
  });
});

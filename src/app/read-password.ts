import { UsageError } from '../core/errors.js';

// A password never comes as an argument (every user of the machine sees argv in `ps`): it is
// piped in (--password-stdin), or typed at a prompt that does not echo it.

const NO_PASSWORD =
  'password: pipe it in with --password-stdin, or run on a terminal to be prompted (never as an argument: it would show in ps)';

/** All of stdin, less the one line end a shell's `echo` or a file adds. */
async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of process.stdin) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8').replace(/\r?\n$/, '');
}

/**
 * Reads lines from the terminal in raw mode, showing nothing of them. Raw mode is switched on
 * before a prompt is shown and stays on until every line is read: a line typed (or pasted) the
 * moment a prompt appears would otherwise meet the terminal still echoing. Enter ends a line,
 * backspace and Ctrl-U edit it; Ctrl-C (no signal in raw mode) and Ctrl-D on an empty line cancel.
 */
async function promptHidden(prompts: string[]): Promise<string[]> {
  const input = process.stdin;
  input.setRawMode(true);
  input.setEncoding('utf8');
  const lines: string[] = [];
  let chars: string[] = [];
  let pending = '';
  try {
    for (const prompt of prompts) {
      process.stderr.write(prompt);
      let settled = false;
      const line = await new Promise<string>((resolve, reject) => {
        const onData = (chunk: string) => {
          pending += chunk;
          while (pending.length > 0) {
            const ch = pending[0]!;
            pending = pending.slice(1);
            const done = (act: () => void) => ((settled = true), input.off('data', onData), input.pause(), act());
            if (ch === '\r' || ch === '\n') return done(() => resolve(chars.join('')));
            if (ch === '\u0003' || (ch === '\u0004' && chars.length === 0)) return done(() => reject(new UsageError('password: cancelled')));
            if (ch === '\u007f' || ch === '\b') chars.pop();
            else if (ch === '\u0015') chars = [];
            else if (ch >= ' ') chars.push(ch);
          }
        };
        input.on('data', onData);
        // What was typed ahead of this prompt (both lines pasted at once) is read first; the
        // terminal is listened to again only if that did not end the line.
        onData('');
        if (!settled) input.resume();
      });
      process.stderr.write('\n');
      lines.push(line);
      chars = [];
    }
    return lines;
  } finally {
    input.setRawMode(false);
    input.pause();
  }
}

/** A new password: from stdin with `fromStdin`, else typed twice at a hidden prompt. */
export async function readNewPassword(who: string, fromStdin: boolean): Promise<string> {
  if (fromStdin) return readStdin();
  if (!process.stdin.isTTY) throw new UsageError(NO_PASSWORD);
  const [first, again] = await promptHidden([`New password for ${who}: `, 'Repeat it: ']);
  if (first !== again) throw new UsageError('password: the two entries differ (nothing changed)');
  return first;
}

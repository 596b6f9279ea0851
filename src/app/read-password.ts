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
 * Reads a line from the terminal in raw mode, showing nothing of it. Enter ends it, backspace
 * and Ctrl-U edit it; Ctrl-C (no signal in raw mode) and Ctrl-D on an empty line cancel.
 */
function promptHidden(prompt: string): Promise<string> {
  const input = process.stdin;
  process.stderr.write(prompt);
  input.setRawMode(true);
  input.setEncoding('utf8');
  input.resume();
  return new Promise((resolve, reject) => {
    let chars: string[] = [];
    const finish = () => {
      input.off('data', onData);
      input.setRawMode(false);
      input.pause();
      process.stderr.write('\n');
    };
    const onData = (chunk: string) => {
      for (const ch of chunk) {
        if (ch === '\r' || ch === '\n') return finish(), resolve(chars.join(''));
        if (ch === '\u0003' || (ch === '\u0004' && chars.length === 0)) return finish(), reject(new UsageError('password: cancelled'));
        if (ch === '\u007f' || ch === '\b') chars.pop();
        else if (ch === '\u0015') chars = [];
        else if (ch >= ' ') chars.push(ch);
      }
    };
    input.on('data', onData);
  });
}

/** A new password: from stdin with `fromStdin`, else typed twice at a hidden prompt. */
export async function readNewPassword(who: string, fromStdin: boolean): Promise<string> {
  if (fromStdin) return readStdin();
  if (!process.stdin.isTTY) throw new UsageError(NO_PASSWORD);
  const first = await promptHidden(`New password for ${who}: `);
  const again = await promptHidden('Repeat it: ');
  if (first !== again) throw new UsageError('password: the two entries differ (nothing changed)');
  return first;
}

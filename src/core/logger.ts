import { redactText } from './redact.js';

export type Verbosity = 'quiet' | 'normal' | 'verbose';

/** Logs go to stderr, never stdout (stdout carries data), and pass through redaction. */
export class Logger {
  constructor(
    readonly verbosity: Verbosity = 'normal',
    private readonly stream: NodeJS.WritableStream = process.stderr,
  ) {}

  private write(line: string) {
    this.stream.write(`${redactText(line)}\n`);
  }
  error(msg: string) {
    this.write(msg);
  }
  warn(msg: string) {
    if (this.verbosity !== 'quiet') this.write(msg);
  }
  info(msg: string) {
    if (this.verbosity !== 'quiet') this.write(msg);
  }
  debug(msg: string) {
    if (this.verbosity === 'verbose') this.write(msg);
  }
}

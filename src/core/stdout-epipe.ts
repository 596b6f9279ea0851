/**
 * How many stdout outputs handle a closed reader (EPIPE) themselves. Kept apart from
 * output-file.ts so that the CLI's EPIPE handler costs no import at start-up.
 */
let handlers = 0;

export function stdoutEpipeHandled(): boolean {
  return handlers > 0;
}

export function holdStdoutEpipe(): () => void {
  handlers++;
  let released = false;
  return () => {
    if (!released) handlers--;
    released = true;
  };
}

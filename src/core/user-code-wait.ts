/**
 * What user code (a module's import, a hook's call) the process is waiting on. A promise that
 * never settles holds no handle: Node ran out of work and exited 0 with the command half done
 * and nothing said. The CLI asks this, when that happens, to name the module in its one line.
 */
const waiting = new Map<string, number>();

export async function awaitUserCode<T>(what: string, work: Promise<T> | T): Promise<T> {
  waiting.set(what, (waiting.get(what) ?? 0) + 1);
  try {
    return await work;
  } finally {
    const n = (waiting.get(what) ?? 1) - 1;
    if (n > 0) waiting.set(what, n);
    else waiting.delete(what);
  }
}

/** The user code still awaited, oldest first. */
export function userCodeAwaited(): string[] {
  return [...waiting.keys()];
}

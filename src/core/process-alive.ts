/**
 * Whether a process of this host is still running (signal 0 probes without sending anything).
 * EPERM means it runs under another user: alive. Used to tell a dead holder's leftovers (claims,
 * temp files) from a live one's.
 */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

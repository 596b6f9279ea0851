import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Worker, isMainThread, parentPort, workerData, type ResourceLimits, type Transferable } from 'node:worker_threads';
import { errorMessage } from './errors.js';
import { packageRoot } from './package-root.js';

/**
 * A fixed set of worker threads running one script, for the CPU-bound part of a stage
 * (cleaning, chunking, token counting, hashing, sentence splitting) while the main thread
 * reads, claims and writes. Jobs go to the first idle worker; each `run` resolves with its own
 * job's answer, so a caller that awaits its jobs in the order it sent them sees results in
 * that order whatever the workers' speeds.
 */
export type WorkerPool<I, O> = {
  readonly size: number;
  run(input: I, transfer?: Transferable[]): Promise<O>;
  /** Stops every worker (jobs still running are rejected). */
  close(): Promise<void>;
};

type Job = { id: number; input: unknown; transfer: Transferable[]; resolve(v: unknown): void; reject(e: Error): void };
type Reply = { id: number; ok: true; output: unknown } | { id: number; ok: false; error: string };

/**
 * The default number of workers: the cores this process may use, but no more than there are
 * batches of work (`batches`): a thread started for nothing costs more than it saves.
 */
export function defaultWorkerCount(batches = Infinity): number {
  return Math.max(1, Math.min(availableParallelism(), Math.ceil(batches)));
}

/**
 * Where a stage's worker script is: beside the module that asks when running from source
 * (tests, tsx), else the bundled `dist/workers/<name>.js` that tsup builds (tsup.config.ts).
 */
export function workerScript(moduleUrl: string, name: string): URL {
  if (moduleUrl.endsWith('.ts')) return new URL(`./${name}.ts`, moduleUrl);
  return pathToFileURL(join(packageRoot(), 'dist', 'workers', `${name}.js`));
}

function spawn(script: URL, data: unknown, resourceLimits?: ResourceLimits): Worker {
  if (!script.pathname.endsWith('.ts')) return new Worker(script, { workerData: data, resourceLimits });
  // Source under vitest or tsx: a worker does not inherit the loader (nor take --import in its
  // execArgv), so it registers tsx itself before importing the script.
  const tsx = import.meta.resolve('tsx/esm/api');
  const boot = `import(${JSON.stringify(tsx)}).then((m) => { m.register(); return import(${JSON.stringify(script.href)}); })`;
  return new Worker(boot, { eval: true, workerData: data, resourceLimits });
}

/**
 * `resourceLimits` bounds each worker's heap: e.g. a small young generation for a worker that
 * makes much short-lived garbage (V8 lets it grow to tens of MB per thread before collecting).
 */
export function createWorkerPool<I, O>(script: URL, size: number, data: unknown, resourceLimits?: ResourceLimits): WorkerPool<I, O> {
  const idle: Worker[] = [];
  const running = new Map<Worker, Job>();
  const waiting: Job[] = [];
  let broken: Error | undefined;
  let closing = false;
  let nextId = 0;
  const dispatch = () => {
    while (idle.length > 0 && waiting.length > 0) {
      const w = idle.pop()!;
      const job = waiting.shift()!;
      running.set(w, job);
      w.postMessage({ id: job.id, input: job.input }, job.transfer);
    }
  };
  const fail = (err: Error) => {
    broken ??= err;
    for (const job of [...running.values(), ...waiting.splice(0)]) job.reject(broken);
    running.clear();
  };
  const workers = Array.from({ length: size }, () => {
    const w = spawn(script, data, resourceLimits);
    w.on('message', (reply: Reply) => {
      const job = running.get(w);
      running.delete(w);
      idle.push(w);
      if (job) {
        if (reply.ok) job.resolve(reply.output);
        else job.reject(new Error(reply.error));
      }
      dispatch();
    });
    w.on('error', (err) => fail(err));
    w.on('exit', (code) => {
      if (code !== 0 && !closing) fail(new Error(`worker thread exited with code ${code}`));
    });
    idle.push(w);
    return w;
  });
  return {
    size,
    run(input, transfer = []) {
      if (broken) return Promise.reject(broken);
      return new Promise<O>((resolve, reject) => {
        waiting.push({ id: nextId++, input, transfer, resolve: resolve as (v: unknown) => void, reject });
        dispatch();
      });
    },
    async close() {
      closing = true;
      fail(new Error('worker pool closed'));
      await Promise.all(workers.map((w) => w.terminate()));
    },
  };
}

/**
 * The worker side: answers each job with `handle(input, workerData)`; what it returns in
 * `transfer` (typed arrays' buffers) moves to the main thread instead of being copied.
 */
export function serveWorkerJobs<I, O>(handle: (input: I, data: unknown) => Promise<{ output: O; transfer?: Transferable[] }>): void {
  if (isMainThread || !parentPort) throw new Error('serveWorkerJobs runs inside a worker thread');
  const port = parentPort;
  port.on('message', async (msg: { id: number; input: I }) => {
    try {
      const done = await handle(msg.input, workerData);
      port.postMessage({ id: msg.id, ok: true, output: done.output }, done.transfer ?? []);
    } catch (err) {
      port.postMessage({ id: msg.id, ok: false, error: errorMessage(err) });
    }
  });
}

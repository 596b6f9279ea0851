import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Worker, isMainThread, parentPort, workerData, type ResourceLimits, type Transferable } from 'node:worker_threads';
import { errorMessage } from './errors.js';
import { packageRoot } from './package-root.js';

/**
 * A fixed set of worker threads running one script, for the CPU-bound part of a stage
 * (cleaning, chunking, token counting, hashing, sentence splitting) while the main thread
 * reads, claims and writes. Jobs go to the least busy started worker; each `run` resolves with its own
 * job's answer, so a caller that awaits its jobs in the order it sent them sees results in
 * that order whatever the workers' speeds.
 */
export type WorkerPool<I, O> = {
  readonly size: number;
  /**
   * Jobs `run` would hand to a worker thread at once: the free places (`prefetch` per worker)
   * of the workers that have started. A caller with work it could do itself keeps it until
   * then (featurize's writer thread prepares batches while the workers load their script).
   * Unbounded once the pool has failed: `run` then rejects at once, with the failure.
   */
  readonly free: number;
  /** Resolves once every worker has loaded its script and takes jobs. */
  readonly started: Promise<void>;
  run(input: I): Promise<O>;
  /** Stops every worker (jobs still running are rejected). */
  close(): Promise<void>;
};

export type WorkerPoolOptions = {
  /** Bounds each worker's heap, e.g. a small young generation for a worker that makes much short-lived garbage. */
  resourceLimits?: ResourceLimits;
  /**
   * Jobs posted to a worker at once (default 1). With 2, a worker that finishes a job starts the
   * next from its own message queue, instead of waiting for this thread's event loop to turn
   * and hand it one (a writer in a synchronous SQLite transaction turns it only at the end).
   */
  prefetch?: number;
  /** Called when places free up (a worker started or answered), or the pool failed. */
  onFree?: () => void;
};

type Job = { id: number; input: unknown; resolve(v: unknown): void; reject(e: Error): void };
type Reply = { id: number; ok: true; output: unknown } | { id: number; ok: false; error: string } | { started: true };

/**
 * The default number of workers: the cores this process may use, but no more than there are
 * batches of work (`batches`): a thread started for nothing costs more than it saves.
 */
function defaultWorkerCount(batches = Infinity): number {
  return Math.max(1, Math.min(availableParallelism(), Math.ceil(batches)));
}

/** Threads per core a `--workers N` may start: past a few, a CPU-bound stage gains nothing and each adds ~10 MB. */
const MAX_WORKERS_PER_CORE = 4;

/**
 * The workers to start: `requested` (a `--workers N`) at most 4 per core, else the default.
 * `split --workers 200` started 200 threads for one batch, 1.9 GB; `warn` says when N is cut.
 */
export function workerCount(requested: number | undefined, batches: number, warn: (message: string) => void): number {
  if (requested === undefined) return defaultWorkerCount(batches);
  const most = availableParallelism() * MAX_WORKERS_PER_CORE;
  if (requested <= most) return requested;
  warn(`--workers ${requested}: more threads than ${MAX_WORKERS_PER_CORE} per core (${availableParallelism()} cores) add only memory; using ${most}`);
  return most;
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

/** The started worker holding fewest jobs, if one holds fewer than `prefetch`: jobs spread over the workers before any holds two. */
function leastBusy(held: Map<Worker, number>, prefetch: number): Worker | undefined {
  let to: Worker | undefined;
  for (const [w, n] of held) if (n < prefetch && (to === undefined || n < held.get(to)!)) to = w;
  return to;
}

/**
 * Jobs wait here until a started worker has a free place; a worker is sent jobs only once it
 * says it has loaded its script (serveWorkerJobs), so that until then they stay with the pool,
 * and a caller watching `free` can do them itself.
 */
export function createWorkerPool<I, O>(script: URL, size: number, data: unknown, opts: WorkerPoolOptions = {}): WorkerPool<I, O> {
  const prefetch = Math.max(1, opts.prefetch ?? 1);
  // Started workers, and how many jobs each holds (posted, not yet answered).
  const held = new Map<Worker, number>();
  const posted = new Map<number, Job>();
  const waiting: Job[] = [];
  let broken: Error | undefined;
  let closing = false;
  let nextId = 0;
  let allStarted!: () => void;
  let startFailed!: (err: Error) => void;
  const started = new Promise<void>((resolve, reject) => {
    allStarted = resolve;
    startFailed = reject;
  });
  started.catch(() => {}); // a caller may never ask; `run` reports the failure too
  const dispatch = () => {
    while (waiting.length > 0) {
      const to = leastBusy(held, prefetch);
      if (!to) return;
      const job = waiting.shift()!;
      held.set(to, held.get(to)! + 1);
      posted.set(job.id, job);
      to.postMessage({ id: job.id, input: job.input });
    }
  };
  const fail = (err: Error) => {
    broken ??= err;
    for (const job of [...posted.values(), ...waiting.splice(0)]) job.reject(broken);
    posted.clear();
    startFailed(broken);
    opts.onFree?.();
  };
  const workers = Array.from({ length: size }, () => {
    const w = spawn(script, data, opts.resourceLimits);
    w.on('message', (reply: Reply) => {
      if ('started' in reply) {
        held.set(w, 0);
        if (held.size === size) allStarted();
      } else {
        held.set(w, held.get(w)! - 1);
        const job = posted.get(reply.id);
        posted.delete(reply.id);
        if (job) {
          if (reply.ok) job.resolve(reply.output);
          else job.reject(new Error(reply.error));
        }
      }
      dispatch();
      opts.onFree?.();
    });
    w.on('error', (err) => fail(err));
    w.on('exit', (code) => {
      if (code !== 0 && !closing) fail(new Error(`worker thread exited with code ${code}`));
    });
    return w;
  });
  return {
    size,
    get free() {
      if (broken) return Infinity;
      let n = -waiting.length;
      for (const h of held.values()) n += prefetch - h;
      return Math.max(0, n);
    },
    started,
    run(input) {
      if (broken) return Promise.reject(broken);
      return new Promise<O>((resolve, reject) => {
        waiting.push({ id: nextId++, input, resolve: resolve as (v: unknown) => void, reject });
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
 * The worker side: answers each job with `handle(input, workerData)`.
 *
 * Outputs are copied, never transferred. Detaching an ArrayBuffer (a transfer) invalidates a
 * V8 protector for the whole thread: every optimized function that reads a typed array was
 * thrown away and compiled again (featurize's worker, after its first batch: 20 functions, the
 * hashing embedder and quantizer among them), and kept a detach check on every access after.
 * A batch's vectors and codes are ~2 MB: copying them costs ~1 ms; transferring them cost
 * featurize ~10% of its CPU and wall time on 8 MB (6 interleaved runs each).
 */
export function serveWorkerJobs<I, O>(handle: (input: I, data: unknown) => Promise<{ output: O }>): void {
  if (isMainThread || !parentPort) throw new Error('serveWorkerJobs runs inside a worker thread');
  const port = parentPort;
  port.on('message', async (msg: { id: number; input: I }) => {
    try {
      const done = await handle(msg.input, workerData);
      port.postMessage({ id: msg.id, ok: true, output: done.output });
    } catch (err) {
      port.postMessage({ id: msg.id, ok: false, error: errorMessage(err) });
    }
  });
  // The script is loaded (its imports with it): the pool may send jobs.
  port.postMessage({ started: true });
}

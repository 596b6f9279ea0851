// Shared bits of the bench scripts: run the real CLI and watch its peak memory.
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export const BIN = fileURLToPath(new URL('../bin/llmops.js', import.meta.url));

/** Peak resident set (VmHWM) of a live process, in MB; null once it has exited. */
function peakRssMb(pid) {
  try {
    const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) / 1024 : null;
  } catch {
    return null;
  }
}

/** CPU seconds (user + system, every thread) a live process has used so far; null once it has exited. */
function cpuSeconds(pid) {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100; // utime, stime in clock ticks (USER_HZ = 100)
  } catch {
    return null;
  }
}

/**
 * Runs `llmops ...args`, returning wall seconds, peak RSS (MB), CPU seconds (sampled every
 * 20 ms, so the last few ms are missing) and the parsed NDJSON summary.
 */
export function runLlmops(args, env = {}) {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(process.execPath, [BIN, '--json', ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    let peak = 0;
    let cpu = 0;
    child.stdout.on('data', (d) => (out += d));
    const timer = setInterval(() => {
      const v = peakRssMb(child.pid);
      if (v !== null) peak = Math.max(peak, v);
      cpu = cpuSeconds(child.pid) ?? cpu;
    }, 20);
    child.on('error', reject);
    child.on('close', (code) => {
      clearInterval(timer);
      const seconds = (performance.now() - started) / 1000;
      if (code !== 0) return reject(new Error(`llmops ${args.join(' ')} exited ${code}`));
      const lines = out.trim().split('\n').filter(Boolean);
      resolve({ seconds, peakMb: peak, cpuSeconds: cpu, summary: JSON.parse(lines.at(-1)) });
    });
  });
}

/** A small deterministic PRNG (mulberry32), so every run generates the same corpus. */
export function rng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export const fmt = (n, d = 1) => n.toLocaleString('en-US', { minimumFractionDigits: d, maximumFractionDigits: d });

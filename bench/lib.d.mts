// Types of bench/lib.mjs, for the TypeScript benches.
export const BIN: string;
export function runLlmops(args: string[], env?: Record<string, string>): Promise<{ seconds: number; peakMb: number; cpuSeconds: number; summary: Record<string, any> }>;
export function rng(seed: number): () => number;
export function fmt(n: number, d?: number): string;

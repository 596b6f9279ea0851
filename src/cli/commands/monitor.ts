import type { Command } from 'commander';

// Not implemented yet: registers nothing, so `llmops --help` lists only working commands.
export function register(_program: Command): void {}

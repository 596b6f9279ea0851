import type { ItemOutcome } from './analyse-item.js';

export type AnalyseSummary = {
  done: number;
  cached: number;
  failed: number;
  input_tokens: number;
  output_tokens: number;
  cost_usd: number;
  elapsed_s: number;
  interrupted: boolean;
};

export function emptySummary(): AnalyseSummary {
  return { done: 0, cached: 0, failed: 0, input_tokens: 0, output_tokens: 0, cost_usd: 0, elapsed_s: 0, interrupted: false };
}

export function addOutcome(s: AnalyseSummary, o: ItemOutcome): void {
  if (o.status === 'failed') s.failed++;
  else {
    s.done++;
    if (o.cached) s.cached++;
  }
  s.input_tokens += o.tokens.input;
  s.output_tokens += o.tokens.output;
  s.cost_usd += o.costUsd;
}

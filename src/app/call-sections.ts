import type { CallDetail } from '../store/call-log-queries.js';
import { oneLine, terminalText } from './terminal-text.js';

/**
 * One call whole, for a person at a terminal: a header of facts, then what was sent and what
 * came back as sections, text unabridged (a prompt cut short is no use to whoever debugs it).
 * The provider's raw answer is left to --json. Prompts, answers and errors come from models
 * and documents: their escape sequences are dropped, not played on the terminal.
 */
export function callSections(c: CallDetail): string {
  const facts: [string, string][] = [
    ['trace', c.trace_id],
    ['time', c.created_at],
    ['task', c.task ?? '(none)'],
    ['model', `${c.provider}/${c.model}`],
    ['status', c.finish_reason ? `${c.status} (finish reason: ${c.finish_reason})` : c.status],
    ['tokens', `${c.input_tokens} in, ${c.output_tokens} out`],
    ['cost', `$${c.cost_usd.toFixed(6)}`],
    ['latency', c.time_to_first_token_ms !== null && c.time_to_first_token_ms < c.latency_ms ? `${c.latency_ms} ms (first token after ${c.time_to_first_token_ms} ms)` : `${c.latency_ms} ms`],
    ['cache', c.in_cache ? 'the answer is kept in the response cache' : 'not in the response cache'],
    ['parameters', Object.entries(c.parameters).filter(([, v]) => v !== undefined && v !== null).map(([k, v]) => `${k}=${JSON.stringify(v)}`).join(' ') || '(defaults)'],
  ];
  const width = Math.max(...facts.map(([k]) => k.length));
  const out = [`call ${c.id}`, ...facts.map(([k, v]) => `  ${k.padEnd(width)}  ${oneLine(v)}`)];
  const section = (title: string, body: string | null) => {
    if (body !== null && body !== '') out.push('', `── ${title} ──`, terminalText(body));
  };
  section('system', c.system);
  for (const m of c.messages) section(m.role, m.content);
  section(c.status === 'ok' ? 'response' : 'response (partial: what arrived before the stream stopped)', c.response);
  section('repaired from (guard hook: the answer as it came, before repair)', c.repaired_from);
  section('error', c.error);
  section(`results (${c.results.length})`, c.results.map(resultLine).join('\n'));
  return `${out.join('\n')}\n`;
}

function resultLine(r: CallDetail['results'][number]): string {
  const answer = r.status === 'ok' ? [r.label, r.confidence === null ? null : `confidence ${r.confidence}`].filter((x) => x !== null).join(', ') : r.error;
  return `  ${r.task} v${r.task_version}  ${r.status}  ${answer ?? ''}  sentence ${r.sentence_id}${r.cached ? '  (answered from the cache)' : ''}`;
}

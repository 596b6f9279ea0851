import type { Answer, Citation } from '../answer/answer-types.js';
import type { Context } from './context.js';
import { oneLine, terminalText } from './terminal-text.js';

/**
 * One answer for a person: its text (unless it was streamed already), then the sources it
 * cites, one a line, `[1] Title — link (chunk 3)` (never cut: a link stays whole to be clicked);
 * how it was made on stderr. The model's and the documents' text without escape sequences,
 * as it goes to a terminal. `--json`: the Answer object, text exact.
 */
export function printAnswer(ctx: Context, answer: Answer, opts: { streamed: boolean }): void {
  if (ctx.json) {
    process.stdout.write(`${JSON.stringify(answer)}\n`);
    return;
  }
  const lines = [opts.streamed ? '' : terminalText(answer.answer), ''];
  if (answer.citations.length > 0) lines.push('Sources', ...answer.citations.map(citationLine));
  else lines.push('Sources: none cited');
  process.stdout.write(`${lines.join('\n')}\n`);
  ctx.logger.info(madeBy(answer));
}

export function citationLine(c: Citation): string {
  const name = oneLine(c.title?.trim() || c.document_id);
  return `[${c.n}] ${name}${c.link ? ` — ${oneLine(c.link)}` : ''} (chunk ${c.chunk_index})`;
}

function madeBy(a: Answer): string {
  if (a.mode === 'extractive') return 'extractive answer: the sources\' best-matching sentences (no model); --env chooses one';
  const cost = a.cost_usd > 0 ? ` · $${a.cost_usd.toFixed(6)}` : '';
  const cut = a.finish_reason === 'length' ? ' · cut at --max-tokens' : '';
  return `${a.provider}/${a.model} · ${a.usage.input_tokens} → ${a.usage.output_tokens} tokens${cost}${cut} · trace ${a.trace_id}`;
}

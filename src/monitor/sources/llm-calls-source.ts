import type { Db } from '../../store/database.js';
import { readJson } from '../../store/json-column.js';
import type { SourceItem, SourceProblem } from '../types.js';

/** This tool's own call log: each call's last user message is the input, its response the output. */
export async function* llmCallsSource(db: Db, cfg: { task?: string; since?: string; status: 'ok' | 'error' | 'any' }, sinceMs?: number): AsyncGenerator<SourceItem | SourceProblem> {
  let after = '';
  for (;;) {
    let q = db.db
      .selectFrom('llm_calls')
      .select(['id', 'trace_id', 'provider', 'model', 'task', 'system', 'messages', 'response', 'latency_ms', 'cost_usd', 'status', 'created_at'])
      .where('id', '>', after)
      .orderBy('id')
      .limit(1000);
    if (cfg.task) q = q.where('task', '=', cfg.task);
    if (cfg.status !== 'any') q = q.where('status', '=', cfg.status);
    if (sinceMs !== undefined) q = q.where('created_at', '>=', new Date(Date.now() - sinceMs).toISOString());
    const rows = await q.execute();
    for (const r of rows) {
      const messages = readJson<{ role: string; content: string }[]>(r.messages) ?? [];
      const lastUser = [...messages].reverse().find((m) => m.role === 'user');
      yield {
        raw: { ...r, messages, input: lastUser?.content ?? '' },
        where: `llm_calls ${r.id}`,
      };
    }
    if (rows.length < 1000) return;
    after = rows[rows.length - 1]!.id;
  }
}

import type { Expression, ExpressionBuilder, SqlBool } from 'kysely';
import type { Database } from './types.js';

/**
 * `--model m` of `inspect calls` and `cache`: the model's name, or `provider/model`. A model's
 * own name may hold a slash (`meta-llama/llama-3`), so both readings are tried.
 */
export function modelIs(eb: ExpressionBuilder<Database, 'llm_calls'> | ExpressionBuilder<Database, 'llm_cache'>, model: string): Expression<SqlBool> {
  // Both tables have provider and model columns: one builder type is enough to write the test.
  const b = eb as ExpressionBuilder<Database, 'llm_calls'>;
  const slash = model.indexOf('/');
  if (slash < 0) return b('model', '=', model);
  return b.or([b('model', '=', model), b.and([b('provider', '=', model.slice(0, slash)), b('model', '=', model.slice(slash + 1))])]);
}

import { LlmopsError } from '../../core/errors.js';

/** Empty pages in a row, each with a new cursor, after which a source stops: no real API needs that many. */
const MAX_EMPTY_PAGES = 20;

/**
 * Guards a cursor-paged read against an API that never ends it: a cursor sent again (the same
 * page would be read forever) or empty page after empty page with a fresh cursor each time.
 * Either stops the source with one line naming it, rather than looping until someone kills
 * the job. `next(cursor, items)` is called after each page; it returns the cursor to follow.
 */
export function pageCursors(source: string) {
  const seen = new Set<string>();
  let empty = 0;
  return {
    next(cursor: string | undefined, items: number): string | undefined {
      if (!cursor) return undefined;
      if (seen.has(cursor)) {
        throw new LlmopsError(`${source}: the API sent page cursor ${shortCursor(cursor)} again after ${seen.size} page(s): stopped rather than read the same page forever`);
      }
      seen.add(cursor);
      empty = items === 0 ? empty + 1 : 0;
      if (empty >= MAX_EMPTY_PAGES) {
        throw new LlmopsError(`${source}: the API sent ${empty} empty pages in a row, each with a next cursor: stopped rather than page forever`);
      }
      return cursor;
    },
  };
}

function shortCursor(cursor: string): string {
  return JSON.stringify(cursor.length > 40 ? `${cursor.slice(0, 37)}...` : cursor);
}

import safeRegex from 'safe-regex2';
import { errorMessage } from './errors.js';

/**
 * A regular expression written in a config (crawl dispatch rules, monitor extractors and
 * metrics, redaction patterns): matched against URLs and production traffic that someone else
 * wrote, by JavaScript's backtracking engine. A repetition inside a repetition such as
 * `(a+)+$` takes exponential time on a text that almost matches, and a synchronous match
 * cannot be interrupted: one URL held `crawl` at 100% CPU for five minutes, deaf to Ctrl-C and
 * SIGTERM. So such a pattern is refused when the config is read (safe-regex2: star height
 * above one, or more than 25 repetitions), with the other config errors.
 */
export function userRegexProblem(pattern: string, flags = ''): string | undefined {
  let re: RegExp;
  try {
    re = new RegExp(pattern, flags);
  } catch (err) {
    return `invalid regular expression (${errorMessage(err)})`;
  }
  if (!safeRegex(re)) return 'a repetition inside a repetition (such as (a+)+) can take exponential time on some texts: rewrite it without the nested repetition';
  return undefined;
}


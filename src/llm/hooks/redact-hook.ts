import type { Hook } from '../types.js';

/**
 * Adds the profile's configured patterns (`[redact] patterns` in profiles.toml) to the call's
 * redaction, which every hook that writes anything out applies. Known key shapes and the
 * values of the provider keys in use are always masked, with or without this hook.
 */
export function createRedactHook(patterns: string[]): Hook {
  const regexes = patterns.map((p) => new RegExp(p, 'g'));
  return {
    name: 'redact',
    before(call) {
      const base = call.redact;
      call.redact = (text) => regexes.reduce((t, re) => t.replace(re, '***'), base(text));
    },
  };
}

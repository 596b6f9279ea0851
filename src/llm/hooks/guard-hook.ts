import { parseLenient, parseStrict } from '../json-repair.js';
import type { Hook } from '../types.js';

/**
 * Validates the answer against the request's output schema and repairs what can be repaired
 * (JSON inside prose or code fences, trailing commas, an enum label in another case). A valid
 * answer is never touched, and an answer is only replaced by one that validates.
 */
export function createGuardHook(): Hook {
  return {
    name: 'guard',
    after(call) {
      const schema = call.request.outputSchema;
      const result = call.result;
      if (!schema || !result) return;
      if (parseStrict(result.text, schema).ok) return;
      const repaired = parseLenient(result.text, schema);
      if (!repaired.ok) return; // leave it for the task to re-ask
      call.repairedFrom = result.text;
      result.text = JSON.stringify(repaired.value);
    },
  };
}

import { redactText } from '../core/redact.js';


/** Masks known key shapes, URL passwords and the exact values of the secrets in the environment (see core/redact.ts). */
export function createRedactor(env: NodeJS.ProcessEnv = process.env): (text: string) => string {
  return (text: string) => redactText(text, [], env);
}

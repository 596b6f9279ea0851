import { redactText } from '../core/redact.js';

/** Environment variables whose values are secrets wherever they appear. */
export const SECRET_ENV_VARS = [
  'ANTHROPIC_API_KEY',
  'OPENAI_API_KEY',
  'LANGFUSE_SECRET_KEY',
  'LANGFUSE_PUBLIC_KEY',
  'SLACK_BOT_TOKEN',
  'LANGFUSE_WEBHOOK_SECRET',
  'GITHUB_TOKEN',
];

/** Masks known key shapes, URL passwords and the exact values of the secrets in the environment. */
export function createRedactor(env: NodeJS.ProcessEnv = process.env): (text: string) => string {
  const values = SECRET_ENV_VARS.map((k) => env[k]).filter((v): v is string => typeof v === 'string' && v.length >= 6);
  return (text: string) => {
    let out = redactText(text);
    for (const v of values) if (out.includes(v)) out = out.split(v).join('***');
    return out;
  };
}

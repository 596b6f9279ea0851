// Secrets must never reach a log, a stored record or an error message. These helpers are used
// wherever arguments, URLs or free text leave the process.

const SECRET_OPTION = /(key|token|secret|password|passwd|credential|auth)/i;

/** Replaces the password in a URL (postgres://user:pass@host → postgres://user:***@host). */
export function redactUrl(value: string): string {
  return value.replace(/^([a-z][a-z0-9+.-]*:\/\/[^:/@\s]*):([^@/\s]+)@/i, '$1:***@');
}

const SECRET_VALUE_PATTERNS: RegExp[] = [
  /\bsk-[A-Za-z0-9_-]{8,}/g, // OpenAI and Anthropic style keys
  /\bpk-lf-[A-Za-z0-9_-]{8,}/g, // Langfuse public keys
  /\bxox[abprs]-[A-Za-z0-9-]{8,}/g, // Slack tokens
  /\bgh[pousr]_[A-Za-z0-9]{16,}/g, // GitHub tokens
];

/** Masks known secret shapes and URL passwords inside free text. */
export function redactText(text: string, extra: RegExp[] = []): string {
  let out = text.replace(/([a-z][a-z0-9+.-]*:\/\/[^:/@\s]*):([^@/\s]+)@/gi, '$1:***@');
  for (const re of [...SECRET_VALUE_PATTERNS, ...extra]) out = out.replace(re, '***');
  return out;
}

/** Command-line arguments as they may be stored: values of secret-looking options masked. */
export function redactArgs(args: string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    const eq = arg.indexOf('=');
    if (arg.startsWith('--') && eq > 0 && SECRET_OPTION.test(arg.slice(0, eq))) {
      out.push(`${arg.slice(0, eq)}=***`);
    } else if (arg.startsWith('--') && SECRET_OPTION.test(arg) && i + 1 < args.length) {
      out.push(arg, '***');
      i++;
    } else {
      out.push(redactText(arg));
    }
  }
  return out;
}

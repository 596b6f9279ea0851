// Secrets must never reach a log, a stored record or an error message. These helpers are used
// wherever arguments, URLs or free text leave the process.

const SECRET_OPTION = /(key|token|secret|password|passwd|credential|auth)/i;

/** Replaces the password in a URL (postgres://user:pass@host → postgres://user:***@host). */
export function redactUrl(value: string): string {
  return value.replace(/^([a-z][a-z0-9+.-]*:\/\/[^:/@\s]*):([^@/\s]+)@/i, '$1:***@');
}

// One pass over the text: a URL password (group 1 keeps the part before it) or a known key shape
// (OpenAI/Anthropic `sk-`, Langfuse `pk-lf-`, Slack `xox?-`, GitHub `gh?_`). Every stored call
// goes through this several times, so it is a single regex rather than one per shape.
const SECRETS = /([A-Za-z][A-Za-z0-9+.-]*:\/\/[^:/@\s]*):[^@/\s]+@|\b(?:sk-[A-Za-z0-9_-]{8,}|pk-lf-[A-Za-z0-9_-]{8,}|xox[abprs]-[A-Za-z0-9-]{8,}|gh[pousr]_[A-Za-z0-9]{16,})/g;
const mask = (_match: string, urlHead: string | undefined) => (urlHead === undefined ? '***' : `${urlHead}:***@`);

/** Masks known secret shapes and URL passwords inside free text. */
export function redactText(text: string, extra: RegExp[] = []): string {
  let out = text.replace(SECRETS, mask);
  for (const re of extra) out = out.replace(re, '***');
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

// Secrets must never reach a log, a stored record or an error message. These helpers are used
// wherever arguments, URLs or free text leave the process: the logger, main's error printing,
// the runs table, the call log, monitor items and runs. One rule for all of them:
// known key shapes, URL passwords, Authorization header values, and the exact values of the
// secrets this process was given (and their base64 forms, as in a `Basic` header).

// An option whose name ENDS with a secret word (`--api-key`, `--token`, `--db-password`) carries
// one. Anywhere in the name was too wide: `--author alice`, `--max-tokens 500` and the value after
// the flag `--password-stdin` were stored as ***. `--key` is dedup's list of record fields.
const SECRET_OPTION = /^--(?:[a-z0-9]+[-_])*(?:key|token|secret|password|passwd|pwd|credentials?|auth)$/i;
const NOT_SECRET_OPTIONS = new Set(['--key']);
const isSecretOption = (name: string) => SECRET_OPTION.test(name) && !NOT_SECRET_OPTIONS.has(name);

// A URL's password runs to the LAST `@` of its authority (which ends at `/`, `?`, `#` or a space):
// URL parsers (pg-connection-string's too) split there, so `u:pa@ss@host` has the password `pa@ss`.
// The scheme is at most 32 characters: unbounded, every letter of a long word started a scan to
// the word's end, and a 100 KB word in a model's answer took 46 s to mask (1 MB: hours, deaf to Ctrl-C).
const URL_PASSWORD = String.raw`([A-Za-z][A-Za-z0-9+.-]{0,31}:\/\/[^:/@?#\s]*):[^/?#\s]*@`;
// Query parameters that carry a credential (`postgres://h/db?password=…`, `?sslpassword=…`);
// lower case, as the drivers read them (pg-connection-string's `password` is case-sensitive).
const QUERY_SECRET = String.raw`([?&](?:password|passwd|pwd|sslpassword|secret|token|access_token|api_key|apikey)=)[^&#\s]+`;

// The same two for a value that is one URL and nothing else (--db, REDIS_URL): no text follows
// it, so a space is part of it. pg and ioredis take `postgres://u:my pass@host/db`, and a space
// ended the password above, which left it whole in errors, `where` and the runs table.
const WHOLE_URL_PASSWORD = /^([A-Za-z][A-Za-z0-9+.-]*:\/\/[^:/@?#]*):[^/?#]*@/;
const WHOLE_QUERY_SECRET = new RegExp(QUERY_SECRET.replace('[^&#\\s]+', '[^&#]+'), 'g');

/** Replaces the password in a URL (postgres://user:pass@host → postgres://user:***@host, ?password=… → ?password=***). */
export function redactUrl(value: string): string {
  return value.replace(WHOLE_URL_PASSWORD, '$1:***@').replace(WHOLE_QUERY_SECRET, '$1***');
}

const URL_ARG = /^(--[^=\s]+=)?([A-Za-z][A-Za-z0-9+.-]*:\/\/.*)$/s;

// One pass over the text: a URL password (group 1 keeps the part before it), a credential in a
// query string (group 2 keeps its name), or a known key shape (OpenAI/Anthropic `sk-`, Langfuse
// `pk-lf-`, Slack `xox?-`, GitHub `gh?_`). Every stored call goes through this several times, so
// it is a single regex rather than one per shape.
const SECRETS = new RegExp(`${URL_PASSWORD}|${QUERY_SECRET}|\\b(?:sk-[A-Za-z0-9_-]{8,}|pk-lf-[A-Za-z0-9_-]{8,}|xox[abprs]-[A-Za-z0-9-]{8,}|gh[pousr]_[A-Za-z0-9]{16,})`, 'g');
const mask = (_match: string, urlHead: string | undefined, queryName: string | undefined) =>
  urlHead !== undefined ? `${urlHead}:***@` : queryName !== undefined ? `${queryName}***` : '***';

// `Authorization: Basic …` / `Bearer …` as SDKs print them in request dumps. The credential must
// hold a digit or a base64 sign, so that prose ("Basic information") is left alone.
const AUTH_HEADER = /\b(Basic|Bearer)(\s+|["':=]+\s*)(?=[A-Za-z._~-]*[0-9+/=])[A-Za-z0-9+/=._~-]{8,}/g;

/** Environment variables whose values are secrets wherever they appear. */
const SECRET_ENV_VARS = [
  'ANTHROPIC_API_KEY',
  'OPENAI_API_KEY',
  'LANGFUSE_SECRET_KEY',
  'LANGFUSE_PUBLIC_KEY',
  'SLACK_BOT_TOKEN',
  'LANGFUSE_WEBHOOK_SECRET',
  'GITHUB_TOKEN',
  'QDRANT_API_KEY',
];
// Any other variable named like a secret counts too (a user plugin's `ACME_API_KEY`).
const SECRET_ENV_NAME = /(^|_)(API_?KEY|SECRET|SECRET_KEY|PUBLIC_KEY|ACCESS_KEY|PRIVATE_KEY|TOKEN|PASSWORD|PASSWD|CREDENTIALS?)(_|$)/i;
const MIN_SECRET_LENGTH = 8;

const registered = new Set<string>();

/** Adds secret values the process holds outside the environment (e.g. read from a file). */
export function registerSecret(value: string | undefined): void {
  if (value && value.length >= MIN_SECRET_LENGTH) registered.add(value);
}

let cache: { key: string; pattern: RegExp | null; needles: string[]; values: string[] } | undefined;
// Listing process.env is slow (each variable is a call into the runtime) and this runs for every
// logged line and stored call: the names are listed again at most once a second, the values of
// the names found are read every time (a key set or changed in-process is masked at once).
let names: { env: NodeJS.ProcessEnv; at: number; list: string[] } | undefined;
const NAMES_TTL_MS = 1000;

function secretNames(env: NodeJS.ProcessEnv): string[] {
  const now = Date.now();
  if (names && names.env === env && now - names.at < NAMES_TTL_MS) return names.list;
  const list = [...new Set([...SECRET_ENV_VARS, ...Object.keys(env).filter((n) => SECRET_ENV_NAME.test(n))])];
  names = { env, at: now, list };
  return list;
}

/** The secret values this process holds: the secret variables' and the registered ones. */
function secretValues(env: NodeJS.ProcessEnv): Set<string> {
  const values = new Set<string>(registered);
  for (const name of secretNames(env)) {
    const value = env[name];
    if (value && value.length >= MIN_SECRET_LENGTH) values.add(value);
  }
  return values;
}

/** The secret values with whitespace in them (a text streamed in pieces cannot be cut at their spaces). */
export function secretsHoldingSpace(env: NodeJS.ProcessEnv = process.env): string[] {
  return [...secretValues(env)].filter((v) => /\s/.test(v));
}

/** One pattern for every secret value and the stable middle of its base64 at each alignment. */
function secretPattern(env: NodeJS.ProcessEnv): RegExp | null {
  return secretNeedles(env).pattern;
}

/** The secret values with their encoded forms (what secretPattern matches), and that pattern. */
function secretNeedles(env: NodeJS.ProcessEnv): { pattern: RegExp | null; needles: string[]; values: string[] } {
  const values = secretValues(env);
  const key = [...values].join('\u0000');
  if (cache?.key === key) return cache;
  const needles = new Set<string>();
  for (const v of values) {
    needles.add(v);
    for (const variant of [...base64Cores(v), ...otherForms(v)]) if (variant.length >= MIN_SECRET_LENGTH) needles.add(variant);
  }
  // Longest first, so a value is masked whole before a shorter one inside it.
  const sorted = [...needles].sort((a, b) => b.length - a.length).map((n) => n.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&'));
  cache = { key, pattern: sorted.length ? new RegExp(sorted.join('|'), 'g') : null, needles: [...needles], values: [...values] };
  return cache;
}

// The beginnings of what redactText masks, to tell whether the end of a text still being
// written could turn into one: a key shape's prefix (`s`, `sk-ab…`, `pk-l`, `xox`, `gh`…), a word
// holding URL or query punctuation, "Basic"/"Bearer" being written.
const KEY_SHAPE_START = /(?:^|[^A-Za-z0-9_])(?:s(?:k(?:-[A-Za-z0-9_-]*)?)?|p(?:k(?:-(?:l(?:f(?:-[A-Za-z0-9_-]*)?)?)?)?)?|x(?:o(?:x(?:[abprs](?:-[A-Za-z0-9-]*)?)?)?)?|g(?:h(?:[pousr](?:_[A-Za-z0-9]*)?)?)?)$/;
const URL_OR_QUERY = /[:/@?&=]/;
const AUTH_WORD_START = /(?:^|[^A-Za-z0-9_])(?:B|Ba|Bas|Basi|Basic|Be|Bea|Bear|Beare|Bearer)["':=]*$/;
const AFTER_AUTH_WORD = /\b(?:Basic|Bearer)[\s"':=]*$/;
const INNER_PREFIX = 4;

/**
 * Whether `word`, the end of a text still being written (no whitespace in it), could become
 * or hold the start of something redactText masks once more text comes; `before` is the text
 * before it. A stream shows a word that cannot at once, and holds one that could.
 */
export function mayBecomeSecret(word: string, before: string, env: NodeJS.ProcessEnv = process.env): boolean {
  if (word === '') return false;
  if (KEY_SHAPE_START.test(word) || URL_OR_QUERY.test(word) || AUTH_WORD_START.test(word) || AFTER_AUTH_WORD.test(before)) return true;
  // A secret value the word begins, or whose first few characters end it (one or two letters
  // end every word); an encoded form (base64, hex: found inside words) whose first characters end it.
  const { needles, values } = secretNeedles(env);
  for (const needle of needles) {
    const shortest = values.some((v) => v.startsWith(needle)) ? INNER_PREFIX : 1;
    if (needle.startsWith(word)) return true;
    for (let i = Math.max(1, word.length - needle.length + 1); i <= word.length - shortest; i++) if (needle.startsWith(word.slice(i))) return true;
  }
  return false;
}

/**
 * Forms a server may echo a key back in: URL-encoded (a key with + / =), hex, and the first
 * 12 characters (error messages that show a key's beginning and hide the rest).
 */
function otherForms(value: string): string[] {
  const hex = Buffer.from(value, 'utf8').toString('hex');
  const forms = [encodeURIComponent(value), hex, hex.toUpperCase()];
  if (value.length > 16) forms.push(value.slice(0, 12));
  return forms.filter((f) => f !== value);
}

/** The part of base64(x + value + y) that depends only on `value`, for each offset mod 3. */
function base64Cores(value: string): string[] {
  const bytes = Buffer.from(value, 'utf8');
  const out: string[] = [];
  for (let shift = 0; shift < 3; shift++) {
    const b64 = Buffer.concat([Buffer.alloc(shift), bytes]).toString('base64');
    const first = Math.ceil(shift / 3) * 4;
    const last = Math.floor((shift + bytes.length) / 3) * 4;
    out.push(b64.slice(first, last));
    // Also base64url, as in JWT-like tokens.
    out.push(b64.slice(first, last).replace(/\+/g, '-').replace(/\//g, '_'));
  }
  return out;
}

/**
 * Masks known secret shapes, URL passwords, Authorization header values and the values of the
 * secrets in the environment (or registered) inside free text.
 */
export function redactText(text: string, extra: RegExp[] = [], env: NodeJS.ProcessEnv = process.env): string {
  let out = text.replace(SECRETS, mask).replace(AUTH_HEADER, '$1$2***');
  const values = secretPattern(env);
  if (values) out = out.replace(values, '***');
  for (const re of extra) out = out.replace(re, '***');
  return out;
}

/** Every string inside a JSON-like value, redacted (for records stored as JSON). */
export function redactDeep<T>(value: T): T {
  if (typeof value === 'string') return redactText(value) as T;
  if (Array.isArray(value)) return value.map((v) => redactDeep(v)) as T;
  if (value && typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, redactDeep(v)])) as T;
  }
  return value;
}

/** Command-line arguments as they may be stored: values of secret-looking options masked. */
export function redactArgs(args: string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    const eq = arg.indexOf('=');
    if (arg.startsWith('--') && eq > 0 && isSecretOption(arg.slice(0, eq))) {
      out.push(`${arg.slice(0, eq)}=***`);
    } else if (arg.startsWith('--') && isSecretOption(arg) && i + 1 < args.length) {
      out.push(arg, '***');
      i++;
    } else {
      // An argument that is a URL (or --flag=URL) is masked as one whole URL first.
      const url = URL_ARG.exec(arg);
      out.push(redactText(url ? `${url[1] ?? ''}${redactUrl(url[2]!)}` : arg));
    }
  }
  return out;
}

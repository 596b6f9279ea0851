import { resolve } from 'node:path';
import { UsageError } from '../core/errors.js';
import { redactUrl } from '../core/redact.js';

export type DatabaseTarget =
  | { engine: 'sqlite'; path: string; display: string }
  | { engine: 'postgres'; url: string; display: string };

const DEFAULT_DB_PATH = '.llmops/llmops.db';

/** `--db` / `LLMOPS_DB`: a path or `sqlite:` URL, or a `postgres://` URL. */
export function parseDatabaseUrl(value: string | undefined, cwd = process.cwd()): DatabaseTarget {
  // Given but blank (`--db ""`, an unset shell variable): never silently the default file.
  if (value !== undefined && value.trim() === '') throw new UsageError('--db: empty value (give a SQLite path, sqlite:<path> or postgres://…; leave it out for the default .llmops/llmops.db)');
  const raw = value?.trim() || DEFAULT_DB_PATH;
  if (/^postgres(ql)?:\/\//i.test(raw)) {
    // pg's own parser says only "Invalid URL"; name the flag and show what was given (masked).
    try {
      new URL(raw);
    } catch {
      // Masked by hand: a malformed URL may hold a password redactUrl's pattern does not see.
      const shown = raw.replace(/^([a-z]+:\/\/)([^@]*)@/i, (_m, scheme: string, cred: string) => `${scheme}${cred.includes(':') ? `${cred.slice(0, cred.indexOf(':'))}:***` : cred}@`);
      throw new UsageError(`--db: not a valid PostgreSQL URL: ${shown} (expected postgres://user@host:5432/database)`);
    }
    return { engine: 'postgres', url: raw, display: redactUrl(raw) };
  }
  if (/^mongodb(\+srv)?:\/\//i.test(raw)) {
    throw new UsageError(`--db: MongoDB holds the document warehouse only; pass it as --warehouse (or MONGODB_URL) and keep --db for SQLite or PostgreSQL`);
  }
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(raw) && !/^sqlite:/i.test(raw) && !/^file:/i.test(raw)) {
    throw new UsageError(`--db: unsupported database URL "${redactUrl(raw)}" (use a file path, sqlite:<path> or postgres://…)`);
  }
  let path = raw.replace(/^sqlite:(\/\/)?/i, '').replace(/^file:(\/\/)?/i, '');
  if (path === ':memory:') return { engine: 'sqlite', path, display: 'sqlite::memory:' };
  if (path === '') throw new UsageError('--db: empty SQLite path');
  path = resolve(cwd, path);
  return { engine: 'sqlite', path, display: path };
}

import { LlmopsError, UsageError, errorMessage } from '../core/errors.js';
import { redactText, redactUrl } from '../core/redact.js';

/**
 * One line for a failed call to the Langfuse API through @langfuse/client. The SDK's errors
 * carry a multi-line message (status, then the response body pretty-printed, which a server or
 * proxy may fill with the request's own `Authorization: Basic …` header): only the status and
 * the body's `message` are kept, and masked. Bad credentials (401/403) are a usage error, exit
 * 2, like any other bad setting; anything else fails the command (exit 1).
 */
export function langfuseFailure(err: unknown, action: string, baseUrl: string | undefined): LlmopsError {
  const e = err as { statusCode?: unknown; body?: unknown } | undefined;
  const status = typeof e?.statusCode === 'number' ? e.statusCode : undefined;
  const where = `Langfuse at ${redactUrl(baseUrl ?? 'https://cloud.langfuse.com')}`;
  if (status === 401 || status === 403) {
    return new UsageError(
      `${action}: ${where} refused the credentials (HTTP ${status}): check LANGFUSE_PUBLIC_KEY, LANGFUSE_SECRET_KEY and LANGFUSE_BASE_URL`,
    );
  }
  const bodyMessage = (e?.body as { message?: unknown } | undefined)?.message;
  const detail = status !== undefined ? `HTTP ${status}${typeof bodyMessage === 'string' ? ` ${bodyMessage}` : ''}` : errorMessage(err);
  return new LlmopsError(`${action}: ${where}: ${oneLine(redactText(detail))}`, { cause: err });
}

function oneLine(text: string): string {
  const line = text.split('\n')[0]!.trim();
  return line.length > 300 ? `${line.slice(0, 300)}…` : line;
}

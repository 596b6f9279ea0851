import type { Logger } from '../core/logger.js';
import type { SearchResult } from '../search/search-results.js';
import type { SessionStore, UserStore } from '../store/chat-types.js';

/**
 * What the HTTP service is built from: plain stores and functions the app layer opens, so the
 * stage knows nothing of databases, profiles or the CLI, and a test can hand it real stores.
 */
export type ServeDeps = {
  /** `stamp` is asked on every request: a token of a removed account, or issued before its password changed, stops working at once. */
  users: Pick<UserStore, 'verify' | 'stamp'>;
  sessions: SessionStore;
  /** The HS256 key tokens are signed with (at least 32 bytes); never logged. */
  secret: string;
  /** One chat turn (the app's conversation), streaming its text through `onText`. */
  converse(turn: ChatTurn): Promise<ChatTurnResult>;
  search(req: SearchRequest): Promise<SearchResult[]>;
  /** /readyz: each check resolves when its part is reachable and throws otherwise. */
  checks: Record<string, () => Promise<void>>;
  /** The chat page's path (assets/chat.html); served as is at `/`. */
  pagePath: string;
  logger: Logger;
  options: ServeOptions;
};

export type ServeOptions = {
  /** Lifetime of an issued token. */
  tokenTtlSeconds: number;
  /** At most `max` requests per `windowMs` per user (per IP address before login). */
  rateLimit: { max: number; windowMs: number };
  bodyLimitBytes: number;
  /**
   * A JSON request gets this long in all; a stream may last longer as long as it keeps
   * moving (no gap between events longer than this).
   */
  requestTimeoutMs: number;
  /** Origins allowed to call the API from a browser; none: CORS stays off. */
  corsOrigins: string[];
  /**
   * Proxies (addresses or CIDR ranges) whose X-Forwarded-For is believed, so per-address limits
   * see the client rather than the proxy; none: the connection's own address, always.
   */
  trustedProxies: string[];
};

export type ChatTurn = {
  user: string;
  question: string;
  /** Continue this session (the caller checked it is the user's); absent: a new one. */
  sessionId?: string;
  collections?: string[];
  k?: number;
  /** Aborted when the client goes away or the request times out: the provider call stops. */
  signal: AbortSignal;
  /** Called once the session is known (before any text). */
  onSession?(id: string): void;
  onText?(text: string): void;
};

/**
 * The answer as the API returns it (src/answer's `Answer`; a stage cannot import another, so
 * only the fields the service reads are named here, the rest pass through).
 */
export type ServedAnswer = {
  answer: string;
  citations: unknown[];
  provider: string;
  model: string;
  usage: { input_tokens: number; output_tokens: number };
  cost_usd: number;
  [field: string]: unknown;
};

export type ChatTurnResult = { sessionId: string; answer: ServedAnswer };

export type SearchRequest = { query: string; collection?: string; k: number; mode: 'vector' | 'lexical' | 'hybrid' };

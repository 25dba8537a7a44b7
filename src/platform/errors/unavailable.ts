// 57014: a statement cancelled by statement_timeout (the database is too slow to count on).
const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'ENOTFOUND', 'EHOSTUNREACH', 'EPIPE', '57P01', '57P03', '53300', '57014']);
const NAMES = new Set(['PrismaClientInitializationError', 'MaxRetriesPerRequestError', 'TimeoutError']);
const MESSAGES = [
  /Connection is closed/i,
  /enableOfflineQueue/i,
  /Connection terminated/i,
  /not queryable/i,
  /timeout exceeded when trying to connect/i,
  /Can't reach database/i,
  /Query read timeout/i,
  /circuit breaker is open/i,
];

/**
 * A socket error some library turned into text, as Node words it (`read ECONNRESET`, `connect
 * ECONNREFUSED 127.0.0.1:5432`): graphql-ws does so with a throwable it does not take for an Error.
 * Anchored, so that a message quoting what a client typed (`Value "EPIPE" does not exist...`) is not one.
 */
const SOCKET_ERROR_TEXT = new RegExp(`^(Error: )?(connect|read|write|getaddrinfo) (${[...NETWORK_CODES].filter((c) => c.startsWith('E')).join('|')})\\b`);

/**
 * True when an error means a dependency (PostgreSQL, Redis) is down or overloaded rather than a
 * bug: the client gets UNAVAILABLE and may retry, instead of INTERNAL_SERVER_ERROR. Drivers
 * sometimes throw plain objects (Prisma's pg adapter rethrows `{ code: 'ECONNREFUSED', ... }`),
 * and graphql-js wraps those, so causes are followed through any object, not only Errors.
 */
export function isDependencyUnavailable(error: unknown, depth = 0): boolean {
  if (typeof error !== 'object' || error === null || depth > 5) return false;
  const { code, name, message, cause, errors, thrownValue, originalError } = error as Record<string, unknown>;
  if (typeof code === 'string' && NETWORK_CODES.has(code)) return true;
  if (typeof name === 'string' && NAMES.has(name)) return true;
  if (typeof message === 'string' && (MESSAGES.some((m) => m.test(message)) || SOCKET_ERROR_TEXT.test(message))) return true;
  const nested = [cause, thrownValue, originalError, ...(Array.isArray(errors) ? errors : [])];
  return nested.some((inner) => isDependencyUnavailable(inner, depth + 1));
}

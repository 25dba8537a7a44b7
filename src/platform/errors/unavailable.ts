const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'ENOTFOUND', 'EHOSTUNREACH', 'EPIPE', '57P01', '57P03', '53300']);
const NAMES = new Set(['PrismaClientInitializationError', 'MaxRetriesPerRequestError', 'DriverAdapterError']);
const MESSAGES = [/Connection is closed/i, /enableOfflineQueue/i, /Connection terminated/i, /timeout exceeded when trying to connect/i, /Can't reach database/i];

/**
 * True when an error means a dependency (PostgreSQL, Redis) is down or overloaded rather than a
 * bug: the client gets UNAVAILABLE and may retry, instead of INTERNAL_SERVER_ERROR.
 */
export function isDependencyUnavailable(error: unknown, depth = 0): boolean {
  if (!(error instanceof Error) || depth > 5) return false;
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string' && NETWORK_CODES.has(code)) return true;
  if (NAMES.has(error.name) && (error.name !== 'DriverAdapterError' || /connect|closed|terminat/i.test(error.message))) return true;
  if (MESSAGES.some((m) => m.test(error.message))) return true;
  const nested = [(error as { cause?: unknown }).cause, ...((error as { errors?: unknown[] }).errors ?? [])];
  return nested.some((inner) => isDependencyUnavailable(inner, depth + 1));
}

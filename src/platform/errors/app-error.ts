/** The codes a client can see in `extensions.code`; see ARCHITECTURE.md "Errors". */
export type ErrorCode = 'UNAUTHENTICATED' | 'FORBIDDEN' | 'BAD_USER_INPUT' | 'NOT_FOUND' | 'CONFLICT' | 'RATE_LIMITED' | 'UNAVAILABLE';

export interface ErrorDetails {
  /** The offending input field, as a path (`input.email`). */
  field?: string;
  /** Seconds until a rate-limited call may be retried. */
  retryAfterSeconds?: number;
  [key: string]: unknown;
}

/**
 * The one error type domain code throws. It knows nothing of GraphQL; format-error.ts turns it
 * into `extensions.code` (+ details) in one place.
 */
export class AppError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details: ErrorDetails = {},
  ) {
    super(message);
    this.name = 'AppError';
  }
}

export const badInput = (field: string, message: string): AppError => new AppError('BAD_USER_INPUT', `${field}: ${message}`, { field });
export const notFound = (what: string): AppError => new AppError('NOT_FOUND', `${what} not found`);
export const unauthenticated = (message = 'Sign in required'): AppError => new AppError('UNAUTHENTICATED', message);
export const forbidden = (message = 'Not allowed'): AppError => new AppError('FORBIDDEN', message);
export const rateLimited = (message: string, retryAfterSeconds: number): AppError =>
  new AppError('RATE_LIMITED', message, { retryAfterSeconds: Math.max(1, Math.ceil(retryAfterSeconds)) });

export { AppError, badInput, notFound, unauthenticated, forbidden, rateLimited, type ErrorCode, type ErrorDetails } from './app-error';
export { createErrorFormatter } from './format-error';
export { isDependencyUnavailable } from './unavailable';

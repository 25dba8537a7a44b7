import type { GraphQLFormattedError } from 'graphql';
import { unwrapResolverError } from '@apollo/server/errors';
import type { ValidationError } from 'class-validator';
import { AppError } from './app-error';
import { isDependencyUnavailable } from './unavailable';
import type { Logger } from '../logger';

/** Codes produced by graphql-js, Apollo or type-graphql that are safe and useful to show as they are. */
const PASS_THROUGH = new Set([
  'GRAPHQL_PARSE_FAILED',
  'GRAPHQL_VALIDATION_FAILED',
  'BAD_USER_INPUT',
  'BAD_REQUEST',
  'OPERATION_RESOLUTION_FAILURE',
  'PERSISTED_QUERY_NOT_FOUND',
  'PERSISTED_QUERY_NOT_SUPPORTED',
  'QUERY_NOT_IN_SAFELIST',
  'UNAVAILABLE',
  'UNAUTHENTICATED',
]);

function firstViolation(errors: ValidationError[], prefix = ''): { field: string; message: string } | undefined {
  for (const e of errors) {
    const field = prefix ? `${prefix}.${e.property}` : e.property;
    const message = e.constraints ? Object.values(e.constraints)[0] : undefined;
    if (message) return { field, message };
    const nested = firstViolation(e.children ?? [], field);
    if (nested) return nested;
  }
  return undefined;
}

/**
 * The one place where errors become what a client sees. Domain errors keep their code and
 * details; validation errors name the field; anything unexpected is logged with the request id
 * and reaches the client as a bare INTERNAL_SERVER_ERROR (no stack, no SQL, no message).
 */
export function createErrorFormatter(logger: Logger) {
  return (formatted: GraphQLFormattedError, thrown: unknown): GraphQLFormattedError => {
    const error = unwrapResolverError(thrown);
    const base = { locations: formatted.locations, path: formatted.path };

    if (error instanceof AppError) {
      return { ...base, message: error.message, extensions: { code: error.code, ...error.details } };
    }
    const validationErrors = (formatted.extensions?.validationErrors ?? undefined) as ValidationError[] | undefined;
    if (validationErrors) {
      const violation = firstViolation(validationErrors);
      const message = violation ? `${violation.field}: ${violation.message}` : 'Invalid input';
      return { ...base, message, extensions: { code: 'BAD_USER_INPUT', field: violation?.field } };
    }
    if (isDependencyUnavailable(error)) {
      logger.warn({ err: error }, 'dependency unavailable');
      return { ...base, message: 'Service temporarily unavailable, please retry', extensions: { code: 'UNAVAILABLE' } };
    }
    const code = formatted.extensions?.code;
    if (typeof code === 'string' && PASS_THROUGH.has(code)) {
      const field = formatted.extensions?.field;
      return { ...base, message: formatted.message, extensions: typeof field === 'string' ? { code, field } : { code } };
    }
    logger.error({ err: error }, 'unexpected error');
    return { ...base, message: 'Internal server error', extensions: { code: 'INTERNAL_SERVER_ERROR' } };
  };
}

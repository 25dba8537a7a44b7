import type { ErrorRequestHandler, RequestHandler } from 'express';
import type { Logger } from '../logger';

/** The body of an HTTP-level failure, shaped like a GraphQL error response so clients parse one format. */
function body(message: string, code: string) {
  return { errors: [{ message, extensions: { code } }] };
}

export const notFoundHandler: RequestHandler = (_req, res) => {
  res.status(404).json(body('Not found', 'NOT_FOUND'));
};

/**
 * Errors raised before GraphQL runs (body too large, malformed JSON): a clear status and code,
 * never express's default HTML page with a stack trace.
 */
export function httpErrorHandler(logger: Logger): ErrorRequestHandler {
  return (err, _req, res, next) => {
    if (res.headersSent) return next(err);
    const status = typeof err?.status === 'number' ? err.status : 500;
    if (status === 413) return res.status(413).json(body('Request body too large', 'PAYLOAD_TOO_LARGE'));
    if (status === 400 && err?.type === 'entity.parse.failed') return res.status(400).json(body('Request body is not valid JSON', 'BAD_REQUEST'));
    if (status >= 400 && status < 500) return res.status(status).json(body('Bad request', 'BAD_REQUEST'));
    logger.error({ err }, 'unhandled HTTP error');
    return res.status(500).json(body('Internal server error', 'INTERNAL_SERVER_ERROR'));
  };
}

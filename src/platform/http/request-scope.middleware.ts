import type { RequestHandler } from 'express';
import { requestIdFrom, runInRequestScope } from '../logger';

/** Gives every request an id (the client's X-Request-Id when sane), echoes it, and scopes logs to it. */
export const requestScope: RequestHandler = (req, res, next) => {
  const requestId = requestIdFrom(req.headers['x-request-id']);
  res.setHeader('X-Request-Id', requestId);
  res.locals.requestId = requestId;
  runInRequestScope(requestId, next);
};

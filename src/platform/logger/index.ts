export { createLogger, type Logger } from './logger';
export { runInRequestScope, currentRequestId, requestIdFrom } from './request-scope';
